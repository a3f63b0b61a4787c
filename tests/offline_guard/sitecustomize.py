"""Loaded by every Python process the tests start (via PYTHONPATH): no network beyond loopback.

A connection to any other address raises at once and is logged to $COURSE_NETWORK_LOG, so a
notebook that tries to download something fails loudly in the smoke tests instead of hanging.
"""

import os
import socket

_connect = socket.socket.connect
_LOOPBACK = ("127.", "::1", "localhost", "0.0.0.0")


def _guarded_connect(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if self.family in (socket.AF_INET, socket.AF_INET6) and not str(host).startswith(_LOOPBACK):
        log = os.environ.get("COURSE_NETWORK_LOG")
        if log:
            with open(log, "a") as stream:
                stream.write(f"{os.getpid()} {address}\n")
        raise OSError(f"network blocked by the course tests: {address}")
    return _connect(self, address)


socket.socket.connect = _guarded_connect
