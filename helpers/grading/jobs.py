"""Build the worker's job for one submission: the lab's cells with the student's exercise code.

    >>> from helpers.grading.intake import Submission, load_labs
    >>> lab = load_labs()["00_setup"]
    >>> job = build_job(lab, Submission(path=None, student="s", answers={"steps": "x = 1"}), "smoke", 60, 600)
    >>> job.payload["cells"][job.cell_of["steps"]]
    'x = 1'
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from helpers.grading import format as authoring


@dataclass
class Job:
    """What the worker runs, and how to read its report back.

    >>> job = Job(payload={"cells": ["x = 1"], "hidden": []}, cell_of={}, owner={}, canaries=[])
    >>> job.payload["cells"], job.canaries
    (['x = 1'], [])
    """

    payload: dict        # sent to the worker: cells, hidden checks, profile, time limits
    cell_of: dict        # exercise id -> index of its cell
    owner: dict          # index of a hidden check -> its exercise id
    canaries: list       # indexes of the failing checks planted among the hidden ones
    origin: list = field(default_factory=list)  # index of each cell in the lab's template


def build_job(lab, submission, profile: str, cell_timeout: float, timeout: float,
              course_checks: bool = False, sandbox: bool = False, limits: dict | None = None) -> Job:
    """Put the submission's exercise code into the lab's own cells; add hidden checks and canaries.

    Course checks (the lab's measured effect) run only when asked, as CI asks for them. Each
    cell goes with the exercises it needs (its ``uses:`` tags), so the worker can skip it once
    one of them has failed. `limits` (`helpers.grading.limits.Limits.as_dict()`) bound a sandboxed kernel.

    >>> import nbformat.v4 as v4
    >>> from helpers.grading.intake import Lab, Submission
    >>> lab = Lab(name="demo", template=[v4.new_code_cell("f = ...", metadata={"tags": ["exercise:f"]}),
    ...                                  v4.new_code_cell("print(f(1))")],
    ...           exercises={"f": 1.0}, manual={}, hidden={"f": ["assert f(2) == 4"]}, rubrics={})
    >>> job = build_job(lab, Submission(path=None, student="s", answers={"f": "f = lambda x: 2 * x"}), "smoke", 60, 600)
    >>> job.payload["cells"], job.cell_of, job.owner, job.canaries
    (['f = lambda x: 2 * x', 'print(f(1))'], {'f': 0}, {0: 'f'}, [1])
    >>> job.payload["exercise"], job.payload["needs"], job.origin
    (['f', None], [[], []], [0, 1])
    >>> job.payload["hidden"][0], job.payload["hidden"][1].startswith("assert ")
    ('assert f(2) == 4', True)
    """
    cells, cell_of, origin, needs, exercise_of = [], {}, [], [], []
    for index, cell in enumerate(lab.template):
        if authoring.is_course_check(cell) and not course_checks:
            continue
        exercise = authoring.tags_value(cell, "exercise")
        if exercise:
            cell_of[exercise] = len(cells)
            answer = submission.answers.get(exercise)
            cells.append(answer if answer is not None else f"raise RuntimeError('exercise {exercise}: cell missing')")
        else:
            cells.append(cell.source)
        origin.append(index)
        needs.append(authoring.needs(cell))
        exercise_of.append(exercise)
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
    payload = {"cells": cells, "needs": needs, "exercise": exercise_of, "hidden": hidden, "profile": profile,
               "cell_timeout": cell_timeout, "total_timeout": timeout, "sandbox": sandbox, "limits": limits}
    return Job(payload=payload, cell_of=cell_of, owner=owner, canaries=canaries, origin=origin)


def hard_limit(job: Job) -> float:
    """Seconds after which the whole worker is killed: the notebook's limit plus time for each check.

    >>> hard_limit(Job({"cells": [], "hidden": ["a", "b"], "cell_timeout": 10, "total_timeout": 100}, {}, {}, []))
    260
    """
    payload = job.payload
    return payload["total_timeout"] + payload["cell_timeout"] * (len(payload["hidden"]) + 2) + 120
