"""The grading sandbox: what a kernel inside it can see and reach, and what the grader does without one."""

import csv
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from unittest import mock

import pytest

from helpers.config import cache_dir, repo_root
from helpers.files import scratch_folder
from helpers.grading import cli, sandbox
from helpers.grading.worker import run_cells

WHY = sandbox.unavailable()
needs_bwrap = pytest.mark.skipif(WHY is not None, reason=f"no sandbox here: {WHY}")
MARKER = "317.25"  # a sleep no other process on the machine runs


@needs_bwrap
def test_a_sandboxed_kernel_that_tidies_its_scratch_folders_keeps_its_work_folder():
    # Labs 04 and 05 ask helpers.files for scratch folders; inside the sandbox the host's PIDs do not
    # exist, and the tidy-up once removed the kernel's own work folder with the grader's.
    cells = ["from helpers.files import scratch_folder\nprint(scratch_folder('models').is_dir())",
             "import os\nopen('kept.txt', 'w').write('kept')\nprint(open('kept.txt').read(), os.getcwd() == os.environ['COURSE_RESULTS_DIR'])",
             # HOME is the work folder in there; the asset cache stays where the grader's is.
             "from helpers.config import cache_dir\nprint(cache_dir())"]
    workdir = str(scratch_folder("grade"))  # where grade_job keeps its kernel's folder
    reports, died_at = run_cells(cells, workdir, cell_timeout=60, deadline=time.monotonic() + 120, skip=set(),
                                 timed_cells=len(cells), sandboxed=True)
    assert died_at is None and [r["stdout"].strip() for r in reports] == ["True", "kept True", str(cache_dir())], reports


@needs_bwrap
def test_a_sandboxed_kernel_sees_no_solutions_no_network_and_takes_its_processes_with_it():
    cells = [
        f"import os, socket, subprocess\nprint(os.getpid(), sorted(os.listdir({str(repo_root())!r})))",
        "try:\n    socket.create_connection(('8.8.8.8', 53), timeout=2)\n    print('online')\n"
        "except OSError as error:\n    print('offline', error.errno)",
        f"subprocess.Popen(['sleep', '{MARKER}'], start_new_session=True); print('started')",
        "print(open(os.path.join(os.environ['COURSE_CACHE'], 'marker.txt')).read())",
    ]
    workdir, cache = tempfile.mkdtemp(), tempfile.mkdtemp()  # both under /tmp, as in a fresh CI clone
    Path(cache, "marker.txt").write_text("the cache is visible")
    with mock.patch.dict(os.environ, {"COURSE_CACHE": cache}):
        reports, died_at = run_cells(cells, workdir, cell_timeout=60, deadline=time.monotonic() + 120, skip=set(),
                                     timed_cells=len(cells), sandboxed=True)
    assert died_at is None and [r["status"] for r in reports] == ["ok"] * 4, reports
    assert reports[3]["stdout"].strip() == "the cache is visible"
    pid, listing = reports[0]["stdout"].split(" ", 1)
    assert int(pid) < 10, "the kernel should have its own PID namespace"
    assert "solutions" not in listing and "labs" not in listing and "helpers" in listing, listing
    assert reports[1]["stdout"].startswith("offline"), reports[1]["stdout"]
    time.sleep(5)
    survivors = subprocess.run(["pgrep", "-f", f"sleep {MARKER}"], capture_output=True, text=True).stdout.split()
    assert not survivors, f"a process started by the kernel outlived it: {survivors}"


def test_without_a_sandbox_the_grader_refuses_with_the_fix(tmp_path, capsys):
    (tmp_path / "alice.ipynb").write_text("{}")
    with mock.patch.object(sandbox, "unavailable", return_value="bubblewrap (bwrap) is not installed: install it"):
        assert cli.main([str(tmp_path / "alice.ipynb"), "--out", str(tmp_path / "grades")]) == 2
    assert "Not grading: bubblewrap (bwrap) is not installed" in capsys.readouterr().out
    assert not (tmp_path / "grades").exists()


def test_no_sandbox_is_written_into_every_result(tmp_path):
    (tmp_path / "alice.ipynb").write_text("{oops")
    assert cli.main([str(tmp_path / "alice.ipynb"), "--out", str(tmp_path / "grades"), "--no-sandbox"]) == 0
    with open(tmp_path / "grades" / "grades.csv") as stream:
        row = next(csv.DictReader(stream))
    assert "graded without the sandbox (--no-sandbox)" in row["problem"]
    assert json.loads((tmp_path / "grades" / "alice" / "grading.json").read_text())["sandbox"] == "off"
    assert Path(tmp_path / "grades" / "alice" / "feedback.md").exists()
