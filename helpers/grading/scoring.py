"""Score a submission from its worker report: each exercise passes when its cell and its checks do.

    >>> explain({"ename": "NotImplementedError", "evalue": "Exercise head"})
    'not attempted yet (the cell still raises NotImplementedError)'
"""

from __future__ import annotations

import re
import time

from helpers.grading import format as authoring
from helpers.grading.jobs import build_job, hard_limit
from helpers.grading.limits import Limits
from helpers.grading.runner import run_worker

NO_SANDBOX = "graded without the sandbox (--no-sandbox)"
CHECK_LINE = re.compile(r"^[✓✗] .*$", re.MULTILINE)
TAMPERING = ("tampering detected: the kernel did not run the grader's checks faithfully "
             "(an input or AST transformer, or a patched IPython); the instructor should look at it")

GUARD_FAILED = ("the grader could not make the kernel safe for its checks: the submission left something running "
                "or changed the interpreter; the instructor should look at it")


def explain(report: dict) -> str:
    """One line saying why a cell or check failed.

    >>> explain({"ename": "AssertionError", "evalue": "wrong shape"})
    'AssertionError: wrong shape'
    """
    ename, evalue = report.get("ename", ""), report.get("evalue", "")
    if ename == "NotImplementedError":
        return "not attempted yet (the cell still raises NotImplementedError)"
    return f"{ename}: {evalue}".strip(": ") or report.get("status", "error")


def skipped_note(cells: list[dict]) -> str:
    """The feedback line for the cells not run because exercises they need had failed.

    >>> skipped_note([{"needs": ["head"]}, {"needs": ["freeze", "head"]}])
    '2 cells were not run because they need exercises that failed earlier (freeze, head): finish those and they will run'
    """
    needed = sorted({exercise for cell in cells for exercise in cell["needs"]})
    return (f"{len(cells)} cell{'s were' if len(cells) > 1 else ' was'} not run because they need exercises "
            f"that failed earlier ({', '.join(needed)}): finish those and they will run")


def exercise_verdict(report: dict, job, exercise: str) -> tuple[bool, str]:
    """(passed, reason) of one exercise, from its own cell and its hidden checks.

    >>> from helpers.grading.jobs import Job
    >>> job = Job({}, {"f": 0}, {0: "f"}, [])
    >>> exercise_verdict({"cells": [{"status": "ok"}], "hidden": [{"status": "ok"}]}, job, "f")
    (True, 'all checks passed')
    """
    own = report["cells"][job.cell_of[exercise]]
    checks = [report["hidden"][i] for i, e in job.owner.items() if e == exercise]
    failed = next((c for c in checks if c["status"] != "ok"), None)
    if own["status"] != "ok":
        return False, f"your cell failed: {explain(own)}"
    if failed is not None and failed.get("ename") == "NotImplementedError":
        return False, explain(failed)
    if failed is not None:
        return False, f"a hidden check failed: {explain(failed)}"
    return True, "all checks passed"


def limits_of(options) -> dict | None:
    """The resource limits a sandboxed kernel gets, from the grader's options (None: the defaults).

    >>> from types import SimpleNamespace
    >>> limits_of(SimpleNamespace(memory=2**30, processes=64, disk=2**29, threads=1)), limits_of(SimpleNamespace())
    ({'memory': 1073741824, 'processes': 64, 'disk': 536870912, 'threads': 1}, None)
    """
    if getattr(options, "memory", None) is None:
        return None
    return Limits(memory=options.memory, processes=options.processes, disk=options.disk,
                  threads=getattr(options, "threads", 0) or 0).as_dict()


def grade_submission(lab, submission, options) -> dict:
    """Execute one valid submission and score each exercise.

    >>> import nbformat.v4 as v4
    >>> from types import SimpleNamespace
    >>> from helpers.grading.intake import Lab, Submission
    >>> lab = Lab("demo", [v4.new_code_cell("f = ...", metadata={"tags": ["exercise:f"]}), v4.new_code_cell("print('✓ f runs')")],
    ...           exercises={"f": 1.0}, manual={}, hidden={"f": ["assert f(2) == 4"]}, rubrics={})
    >>> options = SimpleNamespace(profile="smoke", cell_timeout=30, timeout=60)
    >>> result = grade_submission(lab, Submission(None, "s", answers={"f": "f = lambda x: 2 * x"}), options)
    >>> result["exercises"], result["checks"], result["failed_cells"]
    ({'f': {'score': 1.0, 'max': 1.0, 'reason': 'all checks passed'}}, ['✓ f runs'], [])
    """
    job = build_job(lab, submission, options.profile, options.cell_timeout, options.timeout,
                    course_checks=getattr(options, "course_checks", False), sandbox=getattr(options, "sandbox", False),
                    limits=limits_of(options))
    report, failure = run_worker(job.payload, hard_limit(job))
    result = {"exercises": {}, "checks": [], "notes": [], "failed_cells": [], "skipped_cells": []}
    if report is not None and any(report["hidden"][i]["status"] == "ok" for i in job.canaries):
        report, failure = None, TAMPERING
    elif report is not None and report.get("guard", {}).get("status", "ok") not in ("ok", "skipped"):
        report, failure = None, f"{GUARD_FAILED} ({explain(report['guard'])})"
    if report is None:
        result["notes"].append(failure)
    else:
        result["notes"] += report["notes"]
        for index, cell in enumerate(report["cells"]):
            if index not in job.cell_of.values():
                result["checks"] += CHECK_LINE.findall(cell.get("stdout", ""))
            row = {"index": job.origin[index], "tags": authoring.tags(lab.template[job.origin[index]])}
            if cell.get("ename") == "NeedsExercise":
                result["skipped_cells"].append({**row, "needs": cell["needs"]})
            elif cell["status"] != "ok":
                result["failed_cells"].append({**row, "error": explain(cell)})
        if result["skipped_cells"]:
            result["notes"].append(skipped_note(result["skipped_cells"]))
        timed = [(cell.get("seconds", 0.0), job.origin[index]) for index, cell in enumerate(report["cells"])]
        result["slowest_cells"] = [{"index": index, "seconds": seconds} for seconds, index in sorted(timed, reverse=True)[:3]]
    for exercise, points in lab.exercises.items():
        if submission.answers.get(exercise) is None:
            passed, reason = False, f"exercise cell not found in the submission (tag exercise:{exercise} removed?)"
        elif report is None:
            passed, reason = False, failure
        else:
            passed, reason = exercise_verdict(report, job, exercise)
        result["exercises"][exercise] = {"score": points if passed else 0.0, "max": points, "reason": reason}
    return result


def grade(submission, labs: dict, options) -> dict:
    """Grade one submission (valid or not) into a result row; never raises for bad input.

    >>> from pathlib import Path
    >>> from helpers.grading.intake import Submission
    >>> row = grade(Submission(Path("bob.ipynb"), "bob", problem="not a readable notebook"), {}, None)
    >>> row["student"], row["total"], row["max_total"], row["notes"], row["sandbox"]
    ('bob', 0, 0, ['not a readable notebook', 'graded without the sandbox (--no-sandbox)'], 'off')
    """
    started = time.monotonic()
    lab = labs.get(submission.lab) if submission.lab else None
    if submission.problem or lab is None:
        result = {"exercises": {}, "checks": [], "notes": [submission.problem or "unknown lab"]}
    else:
        try:
            result = grade_submission(lab, submission, options)
        except Exception as error:  # a grader bug must not stop the batch
            result = {"exercises": {}, "checks": [], "notes": [f"grader error: {type(error).__name__}: {error}"]}
    exercises = lab.exercises if lab else {}
    for exercise, points in exercises.items():
        result["exercises"].setdefault(exercise, {"score": 0.0, "max": points, "reason": result["notes"][0] if result["notes"] else "not graded"})
    sandboxed = bool(getattr(options, "sandbox", False))
    if not sandboxed:
        result["notes"].append(NO_SANDBOX)
    result.update(
        sandbox="bubblewrap" if sandboxed else "off", limits=limits_of(options) if sandboxed else None, student=submission.student, lab=submission.lab or "", file=str(submission.path),
        problem=submission.problem or "", seconds=round(time.monotonic() - started, 1),
        total=sum(e["score"] for e in result["exercises"].values()),
        max_total=sum(e["max"] for e in result["exercises"].values()),
        manual={q: {"max": p, "answer": submission.manual.get(q, ""), "rubric": lab.rubrics.get(q, "")}
                for q, p in (lab.manual.items() if lab else [])},
    )
    return result
