"""Each solution notebook, executed once: every cell and course check passes, full marks; its lab scores 0."""

from argparse import Namespace

import pytest

from helpers.config import repo_root
from helpers.grading import format as authoring
from helpers.grading import intake, reports, sandbox, scoring

ROOT = repo_root()
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
# Sandboxed wherever bubblewrap works (CI installs it); tests/grading/test_sandbox.py says when it does not.
OPTIONS = Namespace(profile="smoke", cell_timeout=120, timeout=600, course_checks=False,
                    sandbox=sandbox.unavailable() is None)
WITH_COURSE_CHECKS = Namespace(**{**vars(OPTIONS), "course_checks": True})


@pytest.mark.parametrize("solution", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_solution_full_marks_and_lab_zero(solution, tmp_path):
    """The suite's one run of each solution: every cell passes, course checks included, full marks."""
    labs = intake.load_labs(ROOT / "solutions")
    copy_name = tmp_path / f"Copy of {solution.name}"  # what Colab calls a student's copy
    copy_name.write_bytes(solution.read_bytes())
    lab_path = ROOT / "labs" / solution.name
    solved = scoring.grade(intake.read_submission(copy_name, "solution", labs), labs, WITH_COURSE_CHECKS)
    untouched = scoring.grade(intake.read_submission(lab_path, "lab", labs), labs, OPTIONS)

    assert not solved["failed_cells"], f"{solution.stem}: {solved['failed_cells']} (notes: {solved['notes']})"
    assert not solved["skipped_cells"], solved["skipped_cells"]
    assert solved["total"] == solved["max_total"] > 0, solved["exercises"]
    # Time budgets are measured by `make bench`, never asserted here (a noisy machine is not a bug).

    assert untouched["total"] == 0
    for failure in untouched["failed_cells"]:
        allowed = [t for t in failure["tags"] if t.startswith(("exercise:", "uses:"))]
        assert allowed, f"{solution.stem}: cell {failure['index']} fails in the untouched lab ({failure['error']}); " \
                        "tag it uses:<exercise> if it needs an exercise's result"
    # Cells that need an open exercise are skipped, not run (no training for nothing), and the
    # feedback says so.
    template = labs[solution.stem].template
    needing = [i for i, cell in enumerate(template) if authoring.needs(cell)]
    skipped = {cell["index"] for cell in untouched["skipped_cells"]}
    assert skipped and skipped <= set(needing), untouched["skipped_cells"]
    assert any("not run because they need exercises" in note for note in untouched["notes"]), untouched["notes"]
    feedback = reports.feedback(untouched)
    assert "finish those and they will run" in feedback
