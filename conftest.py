"""Test settings: smoke profile, offline, results in a temporary folder, network blocked.

The environment is set at import, before nbval or the grader start any kernel, so every
notebook the tests run inherits it.
"""

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
GUARD = ROOT / "tests" / "offline_guard"
# One folder for the whole run: pytest-xdist workers inherit the controller's (set below).
SESSION = Path(os.environ.get("COURSE_TEST_SESSION") or tempfile.mkdtemp(prefix="course-tests-"))
os.environ["COURSE_TEST_SESSION"] = str(SESSION)
NETWORK_LOG = SESSION / "network-attempts.log"

os.environ["COURSE_PROFILE"] = "smoke"
os.environ["COURSE_OFFLINE"] = "1"
os.environ["COURSE_RESULTS_DIR"] = str(SESSION / "results")
os.environ["COURSE_NETWORK_LOG"] = str(NETWORK_LOG)
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["YOLO_OFFLINE"] = "1"
os.environ["YOLO_CONFIG_DIR"] = str(SESSION / "ultralytics")  # the tests' own settings, not ~/.config
os.environ["MPLBACKEND"] = "Agg"
os.environ["TQDM_DISABLE"] = "1"  # progress bars are for people; in executed notebooks they only cost time
# Each pytest-xdist worker runs its own kernels: each gets its share of the cores, as the grader's
# kernels do (two 2-thread kernels on 2 cores spin against each other: 345 s instead of 95 s).
if os.environ.get("PYTEST_XDIST_WORKER_COUNT"):
    from helpers.grading.limits import Limits, thread_env

    for _name, _value in thread_env(Limits.default(jobs=int(os.environ["PYTEST_XDIST_WORKER_COUNT"])).threads).items():
        os.environ.setdefault(_name, _value)
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(GUARD), os.environ.get("PYTHONPATH")]))

# labs/ are the student copies (exercises open): they are graded by the tests, not run by nbval.
collect_ignore_glob = ["tests/grading/fixtures/*", "tests/offline_guard/*", "labs/*", ".venv/*"]


def pytest_sessionfinish(session, exitstatus):
    """Fail the run if any process the tests started tried to reach the network (checked once, by the controller)."""
    if hasattr(session.config, "workerinput"):
        return
    if NETWORK_LOG.exists() and NETWORK_LOG.read_text().strip():
        print(f"\nNetwork access attempted during the tests (must be offline):\n{NETWORK_LOG.read_text()}")
        session.exitstatus = 1


@pytest.fixture
def results_dir(tmp_path, monkeypatch):
    """A fresh results folder for one test."""
    monkeypatch.setenv("COURSE_RESULTS_DIR", str(tmp_path))
    from helpers import results

    results.use("test", folder=tmp_path)
    return tmp_path


def pytest_sessionstart(session):
    """Build the offline stand-ins once (cached per machine), before any notebook is timed.

    A first run on a new machine pretrains the vision stand-in here (about 45 s); the smoke
    budget of 60 s per notebook is measured with assets cached, as a student's second run is.
    Under pytest-xdist only the controller builds them, before its workers start.
    """
    if hasattr(session.config, "workerinput"):
        return
    from helpers import assets

    for name in assets.names():
        assets.resolve(name, verbose=False)
    # Ultralytics announces a new settings file in the first process that imports it: here, not in a doctest.
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        import ultralytics.utils  # noqa: F401
