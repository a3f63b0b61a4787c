"""Run one submission's cells in a fresh Jupyter kernel and report each cell's status.

This is the grader's worker process (`python -m helpers.grading.worker`). It reads its job as
JSON on standard input — so the hidden checks never sit in a file the student's code could
find — and writes one HMAC-signed JSON report to standard output. The kernel's own standard
output and error go to /dev/null, so student code cannot write into that report.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import time

from helpers.files import scratch_folder
from helpers.grading.limits import Cgroup, Limits, thread_env

OUTPUT_CAP = 100_000  # bytes of output kept per cell; more is dropped (a print flood)
MAX_KERNEL_RESTARTS = 3

# Runs after the student's cells, before the hidden checks: undo what student code could have left
# behind to rewrite, silence or fool them. Every builtin goes back to CPython's own (re-creating the
# builtins module restores its saved dict), threads running code that is not installed Python (a
# cell's, or an exec'd string's) are stopped, the usual IPython hooks are emptied, and
# helpers.checks is imported afresh from its read-only file. Code aimed at this guard itself can
# still get past it in the same process; the canaries after each check catch what it misses.
GUARD = """
import _imp, importlib.machinery
_imp.create_builtin(importlib.machinery.ModuleSpec("builtins", None))


def _stop_student_threads():
    import ctypes, os, sys, threading, time

    import helpers

    installed = tuple({os.path.realpath(p) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                                               helpers.__path__[0])})

    def runs_student_code(frame):
        while frame is not None:
            name = frame.f_code.co_filename
            if not (name.startswith("<frozen ") or os.path.realpath(name).startswith(installed)):
                return True
            frame = frame.f_back
        return False

    frames = sys._current_frames()
    student = [t for t in threading.enumerate() if t is not threading.current_thread() and runs_student_code(frames.get(t.ident))]
    for thread in student:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(SystemExit))
    deadline = time.monotonic() + 5
    for thread in student:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in student), "a thread started by the submission could not be stopped"
    sys.settrace(None); sys.setprofile(None); threading.settrace(None); threading.setprofile(None)
    shell = get_ipython()
    shell.input_transformers_post.clear(); shell.ast_transformers.clear()
    shell.set_custom_exc((), None)
    for callbacks in shell.events.callbacks.values():
        callbacks.clear()
    sys.modules.pop("helpers.checks", None)


_stop_student_threads()
del _stop_student_threads
"""


def sign(payload: str, key: str) -> str:
    """Return the hex HMAC-SHA256 of `payload` under `key`.

    >>> sign("payload", "key")
    '5d98b45c90a207fa998ce639fea6f02ecc8cc3f36fef81d694fb856b4d0a28ca'
    """
    return hmac.new(key.encode(), payload.encode(), hashlib.sha256).hexdigest()


def _client_class():
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        """A NotebookClient that keeps at most OUTPUT_CAP bytes of output per cell."""

        def output(self, outs, msg, display_id, cell_index):
            kept = sum(len(json.dumps(o)) for o in outs)
            if kept > OUTPUT_CAP:
                if not outs or outs[-1].get("name") != "truncated":
                    from nbformat.v4 import new_output

                    outs.append(new_output("stream", name="truncated", text="[output truncated by the grader]\n"))
                return None
            return super().output(outs, msg, display_id, cell_index)

    return CappedClient


def blocked_by(needs: list[str], failed: list[set]) -> set | None:
    """The exercises that stop a cell: a set of them that an earlier failed cell needed, or None.

    A cell that needs exercise ``head`` is skipped once ``head``'s own cell, or a cell that
    needed only exercises this one needs too, has failed:

    >>> blocked_by(["head", "freeze"], [{"head"}]), blocked_by(["freeze"], [{"head"}]), blocked_by([], [set()])
    ({'head'}, None, None)
    """
    return next((exercises for exercises in failed if exercises and exercises <= set(needs)), None)


def skipped(exercises: set) -> dict:
    """The report of a cell not run because exercises it needs failed earlier.

    >>> skipped({"head"})["evalue"]
    'not run: it needs exercise head, which failed earlier'
    """
    names = ", ".join(sorted(exercises))
    return {"status": "skipped", "ename": "NeedsExercise", "needs": sorted(exercises),
            "evalue": f"not run: it needs exercise {names}, which failed earlier"}


def run_cells(sources: list[str], workdir: str, cell_timeout: float, deadline: float,
              skip: set[int], timed_cells: int, needs: list | None = None,
              exercise_of: list | None = None, sandboxed: bool = False, limits=None,
              group=None) -> tuple[list[dict], int | None]:
    """Execute `sources` in one kernel; return per-cell reports and the index that killed it.

    Cells before `timed_cells` stop at `deadline`; later ones (hidden checks) always run. A cell
    whose `needs` (exercise ids) include those of an earlier failed cell, or a failed exercise
    cell (`exercise_of`), is skipped: an unfinished lab does not train what it cannot use.
    `sandboxed` starts the kernel inside bubblewrap (`helpers.grading.sandbox`), under `limits`
    in cgroup `group` (`helpers.grading.limits`); `workdir` is then only where bubblewrap starts,
    and the kernel works in the sandbox's own ``WORKDIR``.

    >>> import tempfile
    >>> reports, died_at = run_cells(["x = 2", "print(x * 21)", "1 / 0", "print(x)", "print(x + 1)"],
    ...                              tempfile.mkdtemp(), cell_timeout=30, deadline=time.monotonic() + 60,
    ...                              skip=set(), timed_cells=5, needs=[[], [], [], ["f"], []],
    ...                              exercise_of=[None, None, "f", None, None])
    >>> [r["status"] for r in reports], reports[1]["stdout"], reports[2]["ename"], died_at
    (['ok', 'ok', 'error', 'skipped', 'ok'], '42\\n', 'ZeroDivisionError', None)
    """
    import nbformat
    from nbclient.exceptions import DeadKernelError
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    replies: dict[int, dict] = {}

    def on_executed(cell, cell_index, execute_reply):
        replies[cell_index] = execute_reply["content"] if execute_reply else {"status": "error"}

    km = None
    if sandboxed:
        from helpers.grading.sandbox import kernel_manager

        km = kernel_manager(scratch_folder(f"kernel-comm-{time.monotonic_ns()}"), limits, group)
    # shutdown_kernel="immediate": at the end the kernel is killed, not asked to exit (its replies are
    # in; a graceful exit cost 2.7 s of Lab 00's 10.4 s).
    client = _client_class()(
        nb, km=km, timeout=cell_timeout, interrupt_on_timeout=True, allow_errors=True,
        error_on_timeout={"ename": "CellTimeout", "evalue": f"the cell ran over {cell_timeout:.0f} s and was interrupted"},
        kernel_name="python3", resources={"metadata": {"path": workdir}},
        on_cell_executed=on_executed, record_timing=False, shutdown_kernel="immediate",
    )
    client.owns_km = True  # shut the sandboxed kernel down at the end, as nbclient does with its own
    # Only the student's cells carry needs; the guard and the hidden checks need nothing.
    needs = list(needs or []) + [[]] * (len(sources) - len(needs or []))
    exercise_of = list(exercise_of or []) + [None] * (len(sources) - len(exercise_of or []))
    reports: list[dict] = []
    failed: list[set] = []  # the exercises each failed cell needed (or was)
    died_at = None
    oom_before = group.oom_kills() if group else 0
    with client.setup_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        for index, cell in enumerate(nb.cells):
            # An exercise cell always runs: it is the student's work, graded on its own.
            blocked = None if exercise_of[index] else blocked_by(needs[index], failed)
            if index in skip:
                reports.append({"status": "skipped", "ename": "KernelDied", "evalue": "this cell killed the kernel earlier"})
                continue
            if index < timed_cells and time.monotonic() > deadline:
                reports.append({"status": "skipped", "ename": "NotebookTimeout", "evalue": "the notebook's total time limit was reached"})
                continue
            if blocked:
                reports.append(skipped(blocked))
                continue
            started = time.monotonic()
            try:
                client.execute_cell(cell, index)
            except DeadKernelError:
                died_at = index
                reports.append({"status": "error", "ename": "KernelDied", "evalue": death_of(group, oom_before, limits)})
                break
            reply = replies.get(index, {"status": "error", "ename": "NoReply", "evalue": "no reply from the kernel"})
            text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
            reports.append({
                "status": reply.get("status", "error"), "ename": reply.get("ename", ""),
                "evalue": str(reply.get("evalue", ""))[:300], "seconds": round(time.monotonic() - started, 2),
                "stdout": text[:OUTPUT_CAP],
            })
            if reports[-1]["status"] != "ok":
                failed.append({exercise_of[index]} if exercise_of[index] else set(needs[index]))
    nbformat.validate(nb)
    return reports, died_at


def death_of(group, oom_before: int, limits) -> str:
    """Why the kernel died, as the student reads it: out of memory when its cgroup says so.

    >>> death_of(None, 0, None)
    'the kernel died (sys.exit, os._exit, a crash or out of memory)'
    """
    if group is not None and group.oom_kills() > oom_before:
        from helpers.grading.limits import gib

        return f"the kernel ran out of memory (the limit is {gib(limits.memory)}) and was stopped"
    return "the kernel died (sys.exit, os._exit, a crash or out of memory)"


def grade_job(job: dict) -> dict:
    """Run the cells of `job` (student notebook, then the guard, then hidden checks).

    >>> from unittest import mock
    >>> job = {"cells": ["def f(x):\\n    return 2 * x"], "hidden": ["assert f(2) == 4", "assert f(2) == 5"],
    ...        "profile": "smoke", "cell_timeout": 30, "total_timeout": 60}
    >>> with mock.patch.dict(os.environ):  # grade_job sets the environment its kernel inherits
    ...     report = grade_job(job)
    >>> [c["status"] for c in report["cells"]], [c["status"] for c in report["hidden"]], report["notes"]
    (['ok'], ['ok', 'error'], [])
    """
    os.environ["COURSE_PROFILE"] = job["profile"]
    workdir = str(scratch_folder("grade"))  # removed at exit, or by the next run if this one is killed
    os.environ["COURSE_RESULTS_DIR"] = workdir
    os.environ["TQDM_DISABLE"] = "1"  # progress-bar widgets only slow a graded run down
    os.environ.setdefault("MPLBACKEND", "Agg")  # figures are not graded
    hidden_start = len(job["cells"])
    sources = job["cells"] + [GUARD] + job["hidden"]
    # The notebook's total limit covers the student's cells; hidden checks get their own time.
    deadline = time.monotonic() + job["total_timeout"]
    skip: set[int] = set()
    notes = []
    sandboxed = job.get("sandbox", False)
    limits = Limits(**job["limits"]) if job.get("limits") else Limits()
    os.environ.update(thread_env(limits.threads))  # the kernel's share of the cores
    group = Cgroup.create(str(os.getpid()), limits) if sandboxed else None
    try:
        for _attempt in range(MAX_KERNEL_RESTARTS + 1):
            reports, died_at = run_cells(sources, workdir, job["cell_timeout"], deadline, skip, hidden_start,
                                         job.get("needs"), job.get("exercise"), sandboxed, limits, group)
            if died_at is None:
                break
            notes.append(f"the kernel died in cell {died_at} ({reports[-1]['evalue']}); "
                         "restarted and ran the notebook again without it")
            skip.add(died_at)
        else:
            notes.append("the kernel kept dying; later cells were not run")
    finally:
        if group is not None:
            group.remove()
    reports += [{"status": "skipped", "ename": "KernelDied", "evalue": "not run"}] * (len(sources) - len(reports))
    return {"cells": reports[:hidden_start], "guard": reports[hidden_start], "hidden": reports[hidden_start + 1:],
            "notes": notes}


def main() -> int:
    """Read a job as JSON on stdin, grade it, and write the HMAC-signed report to stdout.

    ``python -m helpers.grading.worker < job.json``; the job's ``key`` signs the report and is
    not passed on. Here `grade_job` is replaced, so that no kernel starts:

    >>> import io
    >>> from unittest import mock
    >>> job = {"cells": ["x = 1"], "hidden": [], "profile": "smoke", "cell_timeout": 30, "total_timeout": 60}
    >>> stdin = io.StringIO(json.dumps({**job, "key": "secret"}))
    >>> with mock.patch("sys.stdin", stdin), mock.patch("sys.stdout", io.StringIO()) as stdout:
    ...     with mock.patch(__name__ + ".grade_job", lambda job: {"cells": job["cells"], "key": "key" in job}):
    ...         code = main()
    >>> envelope = json.loads(stdout.getvalue())
    >>> code, json.loads(envelope["payload"]), envelope["signature"] == sign(envelope["payload"], "secret")
    (0, {'cells': ['x = 1'], 'key': False}, True)
    """
    job = json.loads(sys.stdin.read())
    key = job.pop("key")
    payload = json.dumps(grade_job(job))
    sys.stdout.write(json.dumps({"payload": payload, "signature": sign(payload, key)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
