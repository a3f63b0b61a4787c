"""Grade submitted notebooks against the instructor notebooks in `solutions/`.

    python -m helpers.grade submissions/ --out grades/ --jobs 2

Each submission runs in its own kernel, in a temporary folder, under the `smoke` profile by
default. Only the code of its ✏️ exercise cells is taken: every other cell comes from the
course's own copy of the lab, and the hidden checks run after the student's cells. Writes
``grades.csv``, ``<student>/results.json`` (Gradescope format), ``<student>/feedback.md`` and
``manual_review.md`` (answers to mark by hand, with rubrics) into the output folder.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from helpers import authoring
from helpers.build import SOLUTIONS, lab_from_solution
from helpers.grade_kernel import sign

MAX_SUBMISSION_BYTES = 20_000_000
CHECK_LINE = re.compile(r"^[✓✗] .*$", re.MULTILINE)


@dataclass
class Lab:
    """What the grader needs of one lab, taken from its solution notebook."""

    name: str
    template: list            # the lab's code cells, in order (nbformat cells)
    exercises: dict           # exercise id -> points
    manual: dict              # manual question id -> points
    hidden: dict              # exercise id -> hidden check sources
    rubrics: dict             # manual question id -> rubric text


@dataclass
class Submission:
    """One student's notebook, read and checked before anything runs."""

    path: Path
    student: str
    lab: str | None = None
    problem: str | None = None
    answers: dict = field(default_factory=dict)   # exercise id -> code (None when missing)
    manual: dict = field(default_factory=dict)    # manual question id -> markdown text


def load_labs(folder: Path = SOLUTIONS) -> dict[str, Lab]:
    """Read every solution notebook in `folder` into a `Lab`, keyed by its lab id."""
    labs = {}
    for path in sorted(folder.glob("*.ipynb")):
        solution = nbformat.read(path, as_version=4)
        name = solution.metadata.get("course", {}).get("lab", path.stem)
        hidden, rubrics = {}, {}
        for cell in solution.cells:
            if authoring.tags_value(cell, "hidden"):
                hidden.setdefault(authoring.tags_value(cell, "hidden"), []).append(cell.source)
            if authoring.tags_value(cell, "rubric"):
                rubrics[authoring.tags_value(cell, "rubric")] = cell.source
        lab = lab_from_solution(solution, path.stem)
        labs[name] = Lab(
            name=name, template=[c for c in lab.cells if c.cell_type == "code"],
            exercises=authoring.exercises(solution), manual=authoring.manual_questions(solution),
            hidden=hidden, rubrics=rubrics,
        )
    return labs


def _student_cells(nb, lab: Lab) -> tuple[dict, dict]:
    """Find the exercise and manual cells of a submission by tag, else by the lab's cell id."""
    ids = {authoring.tags_value(c, "exercise"): c.get("id") for c in lab.template}
    answers: dict = {exercise: None for exercise in lab.exercises}
    manual: dict = {question: "" for question in lab.manual}
    for cell in nb.cells:
        exercise = authoring.tags_value(cell, "exercise")
        if exercise is None:
            exercise = next((e for e, i in ids.items() if e and i and i == cell.get("id")), None)
        if exercise in answers and answers[exercise] is None and cell.cell_type == "code":
            answers[exercise] = cell.source
        question = authoring.tags_value(cell, "manual")
        if question in manual and not manual[question]:
            manual[question] = "" if cell.source.strip() == authoring.STUDENT_ANSWER else cell.source
    return answers, manual


def read_submission(path: Path, student: str, labs: dict[str, Lab]) -> Submission:
    """Read and validate one submitted notebook; a bad file gets a `problem`, never an exception."""
    submission = Submission(path=path, student=student)
    try:
        if path.stat().st_size > MAX_SUBMISSION_BYTES:
            submission.problem = f"the file is over {MAX_SUBMISSION_BYTES // 1_000_000} MB: clear the outputs and resubmit"
            return submission
        raw = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        submission.problem = f"not a readable notebook (invalid JSON: {str(error)[:120]})"
        return submission
    if not isinstance(raw, dict) or raw.get("nbformat") != 4:
        version = raw.get("nbformat") if isinstance(raw, dict) else None
        submission.problem = f"wrong notebook format (nbformat {version}; the course uses nbformat 4)"
        return submission
    try:
        nb = nbformat.reads(json.dumps(raw), as_version=4)  # also joins list-of-lines sources
        nbformat.validate(nb)
    except Exception as error:  # nbformat raises several kinds of validation errors
        submission.problem = f"not a valid Jupyter notebook ({type(error).__name__}: {str(error).splitlines()[0][:120]})"
        return submission
    lab = nb.metadata.get("course", {}).get("lab") if isinstance(nb.metadata.get("course"), dict) else None
    if lab is None:
        submission.problem = "the notebook has no course metadata (metadata.course.lab): submit a copy of the course's lab notebook"
    elif lab not in labs:
        submission.problem = f"unknown lab {lab!r}: known labs are {', '.join(sorted(labs))}"
    else:
        submission.lab = lab
        submission.answers, submission.manual = _student_cells(nb, labs[lab])
    return submission


def _job(lab: Lab, submission: Submission, options) -> tuple[dict, dict, dict]:
    """Return the worker's job, the cell index of each exercise, and each hidden check's exercise."""
    cells, where = [], {}
    for cell in lab.template:
        exercise = authoring.tags_value(cell, "exercise")
        if exercise:
            where[exercise] = len(cells)
            answer = submission.answers.get(exercise)
            cells.append(answer if answer is not None else f"raise RuntimeError('exercise {exercise}: cell missing')")
        else:
            cells.append(cell.source)
    hidden, owner, canaries = [], {}, []
    checks = [(e, source) for e, sources in lab.hidden.items() for source in sources]
    for exercise, source in checks:
        owner[len(hidden)] = exercise
        hidden.append(source)
        # A canary after each hidden check: an assertion that must fail. If the kernel reports
        # one as passed, student code is rewriting or silencing the grader's cells.
        canaries.append(len(hidden))
        a, b = secrets.randbelow(10**6), secrets.randbelow(10**6) + 1
        hidden.append(f"assert {a} + {b} == {a}, 'check {secrets.token_hex(4)}'")
    job = {"cells": cells, "hidden": hidden, "profile": options.profile,
           "cell_timeout": options.cell_timeout, "total_timeout": options.timeout}
    job["canaries"] = canaries
    return job, where, owner


def _run_worker(job: dict, hard_limit: float) -> tuple[dict | None, str | None]:
    """Run the kernel worker in its own process group; return its verified report or a reason."""
    key = secrets.token_hex(32)
    process = subprocess.Popen(
        [sys.executable, "-m", "helpers.grade_kernel"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, start_new_session=True, text=True,
    )
    errors = ""
    try:
        out, errors = process.communicate(json.dumps({**job, "key": key}), timeout=hard_limit)
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


def _explain(report: dict) -> str:
    ename, evalue = report.get("ename", ""), report.get("evalue", "")
    if ename == "NotImplementedError":
        return "not attempted yet (the cell still raises NotImplementedError)"
    return f"{ename}: {evalue}".strip(": ") or report.get("status", "error")


def grade_submission(lab: Lab, submission: Submission, options) -> dict:
    """Execute one valid submission and score each exercise."""
    job, where, owner = _job(lab, submission, options)
    canaries = job.pop("canaries")
    hard_limit = options.timeout + options.cell_timeout * (len(job["hidden"]) + 2) + 120
    report, failure = _run_worker(job, hard_limit)
    result = {"exercises": {}, "checks": [], "notes": [], "failed_cells": []}
    if report is not None and any(report["hidden"][i]["status"] == "ok" for i in canaries):
        report, failure = None, ("tampering detected: the kernel did not run the grader's checks faithfully "
                                 "(an input or AST transformer, or a patched IPython); the instructor should look at it")
    if report is None:
        result["notes"].append(failure)
    else:
        result["notes"] += report["notes"]
        for index, cell in enumerate(report["cells"]):
            if index not in where.values():
                result["checks"] += CHECK_LINE.findall(cell.get("stdout", ""))
            if cell["status"] != "ok":
                result["failed_cells"].append({"index": index, "tags": authoring.tags(lab.template[index]),
                                               "error": _explain(cell)})
        timed = [(cell.get("seconds", 0.0), index) for index, cell in enumerate(report["cells"])]
        result["slowest_cells"] = [{"index": index, "seconds": seconds} for seconds, index in sorted(timed, reverse=True)[:3]]
    for exercise, points in lab.exercises.items():
        if submission.answers.get(exercise) is None:
            passed, reason = False, f"exercise cell not found in the submission (tag exercise:{exercise} removed?)"
        elif report is None:
            passed, reason = False, failure
        else:
            own = report["cells"][where[exercise]]
            checks = [report["hidden"][i] for i, e in owner.items() if e == exercise]
            failed = next((c for c in checks if c["status"] != "ok"), None)
            if own["status"] != "ok":
                passed, reason = False, f"your cell failed: {_explain(own)}"
            elif failed is not None and failed.get("ename") == "NotImplementedError":
                passed, reason = False, _explain(failed)
            elif failed is not None:
                passed, reason = False, f"a hidden check failed: {_explain(failed)}"
            else:
                passed, reason = True, "all checks passed"
        result["exercises"][exercise] = {"score": points if passed else 0.0, "max": points, "reason": reason}
    return result


def grade(submission: Submission, labs: dict[str, Lab], options) -> dict:
    """Grade one submission (valid or not) into a result row; never raises for bad input."""
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
    result.update(
        student=submission.student, lab=submission.lab or "", file=str(submission.path),
        problem=submission.problem or "", seconds=round(time.monotonic() - started, 1),
        total=sum(e["score"] for e in result["exercises"].values()),
        max_total=sum(e["max"] for e in result["exercises"].values()),
        manual={q: {"max": p, "answer": submission.manual.get(q, ""), "rubric": lab.rubrics.get(q, "")}
                for q, p in (lab.manual.items() if lab else [])},
    )
    return result


def discover(arguments: list[str]) -> list[tuple[Path, str]]:
    """Expand files and folders into (notebook, student id) pairs.

    A notebook in a sub-folder is the student named by that folder (`alice/lab.ipynb`);
    a notebook given directly, or lying at the top of a folder, is named by its file name.
    """
    found, seen = [], {}
    for argument in arguments:
        root = Path(argument)
        paths = [root] if root.is_file() or not root.exists() else sorted(
            p for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        for path in paths:
            relative = path.parent.relative_to(root) if root.is_dir() else Path(".")
            student = relative.as_posix().replace("/", "_") if str(relative) != "." else path.stem
            student = re.sub(r"[^A-Za-z0-9._-]+", "_", student).strip("_") or "student"
            seen[student] = seen.get(student, 0) + 1
            found.append((path, student if seen[student] == 1 else f"{student}-{seen[student]}"))
    return found


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns 0 when every submission was graded (whatever its score)."""
    from helpers import grade_report

    parser = argparse.ArgumentParser(prog="python -m helpers.grade", description=__doc__.splitlines()[0])
    parser.add_argument("submissions", nargs="+", help="notebooks, or folders of notebooks (one sub-folder per student works too)")
    parser.add_argument("--out", required=True, help="folder for grades.csv, results and feedback")
    parser.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel (default 1)")
    parser.add_argument("--profile", default="smoke", help="run profile for the submissions (default smoke)")
    parser.add_argument("--cell-timeout", type=float, default=120, help="seconds per cell before it is interrupted")
    parser.add_argument("--timeout", type=float, default=600, help="seconds for a whole notebook")
    parser.add_argument("--solutions", default=str(SOLUTIONS), help="folder of instructor notebooks")
    options = parser.parse_args(argv)

    from helpers.profile import get

    get(options.profile)  # an unknown profile fails here, with the valid names
    labs = load_labs(Path(options.solutions))
    pairs = discover(options.submissions)
    if not pairs:
        print("No notebooks found in " + " ".join(options.submissions))
        return 1
    submissions = [read_submission(path, student, labs) for path, student in pairs]
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    def one(submission):
        result = grade(submission, labs, options)
        grade_report.write_student(out, result)  # written at once: an interrupted batch keeps it
        print(f"{result['student']}: {result['total']:g}/{result['max_total']:g}"
              + (f"  ({result['problem']})" if result["problem"] else ""), flush=True)
        return result

    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        results = list(pool.map(one, submissions))
    grade_report.write_batch(out, results)
    print(f"Graded {len(results)} submission(s) in {time.monotonic() - started:.0f} s → {out / 'grades.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
