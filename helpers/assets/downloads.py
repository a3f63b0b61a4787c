"""Resumable, sha256-checked, progress-barred downloads that never hang on a dead network.

    >>> from helpers.assets.downloads import sha256_of
    >>> len(sha256_of(__file__))
    64
"""

from __future__ import annotations

import hashlib
import os
import socket
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

CHUNK = 1 << 20


class ChecksumError(RuntimeError):
    """A file's sha256 differs from the expected one.

    >>> issubclass(ChecksumError, RuntimeError)  # `download` shows one raised
    True
    """


def sha256_of(path: str | os.PathLike) -> str:
    """Return the hex sha256 of a file, read in 1 MB chunks.

    >>> import tempfile; path = Path(tempfile.mkdtemp()) / "abc.txt"; _ = path.write_text("abc")
    >>> sha256_of(path)
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def reachable(url: str, timeout: float = 3.0) -> bool:
    """Return True if a TCP connection to the host of `url` opens within `timeout` seconds.

    >>> reachable("http://127.0.0.1:9/", timeout=0.5)
    False
    """
    parts = urlparse(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def download(url: str, destination: str | os.PathLike, sha256: str | None = None,
             timeout: float = 10.0, progress: bool = True) -> Path:
    """Download `url` to `destination`, resuming a partial ``.part`` file, then check its sha256.

    A checksum mismatch deletes the bad file and raises `ChecksumError`; a dead network raises
    `OSError` after `timeout` seconds of silence instead of hanging.

    Served here by a local web server (loopback only, no internet):

    >>> import functools, tempfile, threading
    >>> from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
    >>> folder = Path(tempfile.mkdtemp()); _ = (folder / "data.csv").write_text("a,b\\n1,2\\n")
    >>> quiet = type("Quiet", (SimpleHTTPRequestHandler,), {"log_message": lambda *args: None})
    >>> server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(quiet, directory=folder))
    >>> threading.Thread(target=server.serve_forever, daemon=True).start()
    >>> url = f"http://127.0.0.1:{server.server_port}/data.csv"
    >>> download(url, folder / "copy.csv", sha256=sha256_of(folder / "data.csv"), progress=False).read_text()
    'a,b\\n1,2\\n'
    >>> download(url, folder / "bad.csv", sha256="0" * 64, progress=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    helpers.assets.downloads.ChecksumError: bad.csv: sha256 ... differs from the expected 000000000000…; the bad download was deleted, run again to fetch it afresh.
    >>> sorted(path.name for path in folder.iterdir())
    ['copy.csv', 'data.csv']
    >>> server.shutdown(); server.server_close()
    """
    from tqdm.auto import tqdm

    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".part")
    have = partial.stat().st_size if partial.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        if error.code != 416:  # 416: the partial file is already complete
            raise
        response = None
    if response is not None:
        with response:
            resumed = response.status == 206
            if not resumed:
                have = 0  # the server ignored Range: start again
            total = response.length + have if response.length is not None else None
            with open(partial, "ab" if resumed else "wb") as stream, tqdm(
                total=total, initial=have, unit="B", unit_scale=True,
                desc=destination.name, disable=not progress,
            ) as bar:
                for block in iter(lambda: response.read(CHUNK), b""):
                    stream.write(block)
                    bar.update(len(block))
    if sha256 is not None:
        actual = sha256_of(partial)
        if actual != sha256:
            partial.unlink()
            raise ChecksumError(
                f"{destination.name}: sha256 {actual[:12]}… differs from the expected {sha256[:12]}…; "
                "the bad download was deleted, run again to fetch it afresh."
            )
    os.replace(partial, destination)
    return destination
