"""Run one job in the worker process, in its own process group, and verify its signed report.

    >>> report, failure = run_worker({"cells": ["x = 1"], "hidden": [], "profile": "smoke",
    ...                               "cell_timeout": 30, "total_timeout": 60}, hard_limit=120)
    >>> failure, report["cells"][0]["status"]
    (None, 'ok')
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys

from helpers.grading.worker import sign

WORKER = "helpers.grading.worker"


def run_worker(payload: dict, hard_limit: float) -> tuple[dict | None, str | None]:
    """Run the kernel worker on `payload`; return (its verified report, None) or (None, a reason).

    A worker that ends without a signed report (here: a job without its profile) is a failure:

    >>> run_worker({"cells": ["x = 1"]}, hard_limit=60)
    (None, "the grading process ended without a report (KeyError: 'profile')")
    """
    key = secrets.token_hex(32)
    process = subprocess.Popen(
        [sys.executable, "-m", WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True, text=True,
    )
    errors = ""
    try:
        out, errors = process.communicate(json.dumps({**payload, "key": key}), timeout=hard_limit)
    except subprocess.TimeoutExpired:
        return None, f"grading took longer than the hard limit of {hard_limit:.0f} s and was stopped"
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the kernel and anything it left running
        except ProcessLookupError:
            pass
    try:
        envelope = json.loads(out)
        if not secrets.compare_digest(sign(envelope["payload"], key), envelope["signature"]):
            return None, "the grader's report was tampered with"
        return json.loads(envelope["payload"]), None
    except (json.JSONDecodeError, KeyError, TypeError):
        last = errors.strip().splitlines()[-1:] if errors else []
        return None, "the grading process ended without a report" + (f" ({last[0][:200]})" if last else "")
