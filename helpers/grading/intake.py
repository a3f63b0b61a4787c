"""The grader's intake: the labs it knows, and each submission read and checked before it runs.

    >>> labs = load_labs()
    >>> sorted(labs["00_setup"].exercises)
    ['device', 'steps']
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from helpers.grading import format as authoring
from helpers.grading.build import SOLUTIONS, lab_from_solution

MAX_SUBMISSION_BYTES = 20_000_000


@dataclass
class Lab:
    """What the grader needs of one lab, taken from its solution notebook.

    >>> lab = load_labs()["00_setup"]
    >>> lab.name, sorted(lab.hidden) == sorted(lab.exercises), {c.cell_type for c in lab.template}
    ('00_setup', True, {'code'})
    """

    name: str
    template: list            # the lab's code cells and course checks, in order (nbformat cells)
    exercises: dict           # exercise id -> points
    manual: dict              # manual question id -> points
    hidden: dict              # exercise id -> hidden check sources
    rubrics: dict             # manual question id -> rubric text


@dataclass
class Submission:
    """One student's notebook, read and checked before anything runs.

    >>> submission = Submission(path=Path("alice/00_setup.ipynb"), student="alice")
    >>> submission.lab, submission.problem, submission.answers
    (None, None, {})
    """

    path: Path
    student: str
    lab: str | None = None
    problem: str | None = None
    answers: dict = field(default_factory=dict)   # exercise id -> code (None when missing)
    manual: dict = field(default_factory=dict)    # manual question id -> markdown text


def load_labs(folder: Path = SOLUTIONS) -> dict[str, Lab]:
    """Read every solution notebook in `folder` into a `Lab`, keyed by its lab id.

    >>> "01_resnet_transfer_learning" in load_labs()
    True
    """
    labs = {}
    for path in sorted(Path(folder).glob("*.ipynb")):
        solution = nbformat.read(path, as_version=4)
        name = solution.metadata.get("course", {}).get("lab", path.stem)
        lab = lab_from_solution(solution, path.stem, keep_course_checks=True)
        labs[name] = Lab(
            name=name, template=[c for c in lab.cells if c.cell_type == "code"],
            exercises=authoring.exercises(solution), manual=authoring.manual_questions(solution),
            hidden=authoring.hidden_checks(solution), rubrics=authoring.rubrics(solution),
        )
    return labs


def student_cells(nb, lab: Lab) -> tuple[dict, dict]:
    """Find the exercise and manual cells of a submission by tag, else by the lab's cell id.

    >>> lab = load_labs()["00_setup"]
    >>> answers, manual = student_cells(nbformat.v4.new_notebook(), lab)
    >>> answers
    {'steps': None, 'device': None}
    """
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
    """Read and validate one submitted notebook; a bad file gets a `problem`, never an exception.

    >>> import tempfile; bad = Path(tempfile.mkdtemp()) / "bad.ipynb"; _ = bad.write_text("{oops")
    >>> read_submission(bad, "alice", {}).problem  # doctest: +ELLIPSIS
    'not a readable notebook (invalid JSON: ...)'
    """
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
        submission.answers, submission.manual = student_cells(nb, labs[lab])
    return submission


def discover(arguments: list[str]) -> list[tuple[Path, str]]:
    """Expand files and folders into (notebook, student id) pairs.

    A notebook in a sub-folder is the student named by that folder (`alice/lab.ipynb`);
    a notebook given directly, or lying at the top of a folder, is named by its file name.

    >>> import tempfile; root = Path(tempfile.mkdtemp()); (root / "alice").mkdir()
    >>> _ = (root / "alice" / "Copy of 00_setup.ipynb").write_text("{}")
    >>> [student for _, student in discover([str(root)])]
    ['alice']
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
