"""Mutation test of the hidden checks: every hostile stand-in for every exercise of every lab scores zero.

One kernel per lab runs the solution as the grader would (smoke profile) — only the cells the
hidden checks depend on, a backward slice over the names they read (`mutants.solution_slice`);
tests/grading/test_solutions.py runs every cell — checks that each exercise's hidden checks
pass with the solution, then swaps in each mutant of `mutants.KINDS` for one exercise at a time
and reruns that exercise's checks on the state a graded run would have. A mutant that passes
every check would score: the test names it and the fix is a stronger check (compare
`helpers.checks.plain` values, test more inputs), never a weaker mutant.
"""

import time

import pytest

from helpers.config import repo_root
from helpers.grading import intake
from helpers.grading.jobs import build_job
from helpers.grading.worker import run_cells
from tests.grading import mutants

ROOT = repo_root()
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def test_every_kind_replaces_the_solution_region():
    solution = "import math\n\n\ndef f(n, k):\n    # BEGIN SOLUTION\n    return math.ceil(n / k)\n    # END SOLUTION\n"
    bodies = {kind: mutants.mutant(solution, kind).splitlines()[-1].strip() for kind in mutants.KINDS}
    assert bodies == {"everything": "return _Anything()", "none": "return None", "identity": "return n",
                      "constant": "return 0", "exception": "raise RuntimeError('a hostile answer')"}
    top_level = "started = 1\n# BEGIN SOLUTION\nlearner = make(model, lr=3)\nlearner.fit(2)\n# END SOLUTION\ndone = 2"
    assert mutants.mutant(top_level, "identity").splitlines()[1] == "learner = model"
    assert mutants.mutant(top_level, "none").splitlines() == ["started = 1", "learner = None", "done = 2"]
    assert mutants.mutant("# BEGIN SOLUTION\nlearner = make()\nlearner.fit(1)\n# END SOLUTION", "identity") == "learner = make()"


def test_the_lying_object_lies():
    namespace = {}
    exec(mutants.PRELUDE.split("def _mutation_snapshot")[0], namespace)
    liar = namespace["_Anything"]()
    assert liar == 3 and liar == "joy" and abs(liar - 0.5) < 1e-9 and liar["accuracy"] == 0.9 and liar.fc.out_features == 7


@pytest.mark.parametrize("solution", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_every_mutant_of_every_exercise_scores_zero(solution, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_RESULTS_DIR", str(tmp_path))
    labs = intake.load_labs(ROOT / "solutions")
    submission = intake.read_submission(solution, "solution", labs)
    lab = labs[submission.lab]
    job = build_job(lab, submission, "smoke", 120, 600)
    sources, placed, baseline, trials, needs, exercise_of = mutants.mutation_cells(lab, job, submission.answers)
    reports, died_at = run_cells(sources, str(tmp_path), cell_timeout=120, deadline=time.monotonic() + 1200,
                                 skip=set(), timed_cells=len(sources), needs=needs, exercise_of=exercise_of)
    assert died_at is None, f"the kernel died in cell {died_at}: {sources[died_at][:300]}"

    solution_cells = placed.values()
    failed = [(i, reports[i]["ename"], reports[i]["evalue"]) for i in solution_cells if reports[i]["status"] != "ok"]
    assert not failed, f"the solution's own cells failed: {failed}"
    for exercise, cells in baseline.items():
        assert all(reports[i]["status"] == "ok" for i in cells), \
            f"{exercise}: the hidden checks fail on the solution itself: {[reports[i]['evalue'] for i in cells]}"

    survivors = [f"{t.exercise}/{t.kind}" for t in trials
                 if reports[t.mutant_cell]["status"] == "ok" and all(reports[i]["status"] == "ok" for i in t.check_cells)]
    assert not survivors, f"{solution.stem}: these hostile answers pass every hidden check (they would score): {survivors}"
    assert len(trials) == len(mutants.KINDS) * len(lab.exercises)
