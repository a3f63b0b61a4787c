"""The autograder against the adversarial corpus: every case gets its expected score."""

import csv
import json
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from helpers.config import repo_root
from helpers.grading import cli, intake, sandbox
from helpers.grading import format as authoring
from tests.grading.adversarial import CASES, DETACHED_MARKER, LIMITS

ROOT = repo_root()
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
LABS = intake.load_labs(ROOT / "solutions")


def read_grades(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv") as stream:
        return {row["student"]: row for row in csv.DictReader(stream)}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Grade every adversarial case in one batch, two at a time, as an instructor would."""
    folder, out = tmp_path_factory.mktemp("submissions"), tmp_path_factory.mktemp("grades")
    for case in CASES:
        case.write(folder)
    unsandboxed = ["--no-sandbox"] if sandbox.unavailable() else []  # test_sandbox.py says why
    assert cli.main([str(folder), "--out", str(out), "--jobs", "2", "--cell-timeout", "15", "--timeout", "180",
                     *LIMITS, *unsandboxed]) == 0
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_adversarial_case_scores_as_expected(corpus, case):
    if case.sandbox_only and sandbox.unavailable():
        pytest.skip(f"{case.name} is stopped only by the grading sandbox: {sandbox.unavailable()}")
    row = read_grades(corpus)[case.name]
    assert float(row["total"]) == case.expected, f"{case.name} ({case.why}): {row}"
    assert case.problem in row["problem"]
    if not case.problem:
        assert float(row["max_total"]) == sum(LABS[case.lab].exercises.values())


def test_no_process_of_a_submission_outlives_the_batch(corpus):
    if sandbox.unavailable():
        pytest.skip(f"only the grading sandbox ends a submission's detached processes: {sandbox.unavailable()}")
    time.sleep(5)
    survivors = subprocess.run(["pgrep", "-f", f"sleep {DETACHED_MARKER}"], capture_output=True, text=True).stdout.split()
    assert not survivors, f"processes started by a submission are still alive: {survivors}"


def test_corpus_has_at_least_15_kinds_and_attacks_three_labs_from_inside_exercise_cells():
    assert len({c.name for c in CASES}) >= 15
    assert len({c.lab for c in CASES}) >= 3


def test_exhaustion_is_named_in_the_feedback(corpus):
    if sandbox.unavailable():
        pytest.skip(f"only the grading sandbox limits memory: {sandbox.unavailable()}")
    grading = json.loads((corpus / "memory_bomb" / "grading.json").read_text())
    assert grading["limits"]["memory"] == 1.5 * 2**30
    said = " ".join(grading["notes"]) + " ".join(c["error"] for c in grading["failed_cells"])
    assert "ran out of memory" in said or "MemoryError" in said, said  # a cgroup's OOM kill, or RLIMIT_DATA
    feedback = (corpus / "disk_filler" / "feedback.md").read_text()
    assert "No space left on device" in feedback, feedback
    feedback = (corpus / "fork_bomb" / "feedback.md").read_text()
    assert "Resource temporarily unavailable" in feedback, feedback


def test_tampering_with_the_kernel_is_flagged_for_the_instructor(corpus):
    notes = json.loads((corpus / "forged_replies" / "grading.json").read_text())["notes"]
    assert any("tampering detected" in note for note in notes), notes


def test_feedback_never_shows_hidden_checks(corpus):
    hidden = [c.source for p in SOLUTIONS for c in nbformat.read(p, as_version=4).cells
              if authoring.tags_value(c, "hidden")]
    lines = {line.strip() for source in hidden for line in source.splitlines()
             if line.strip() and not line.strip().startswith("#") and len(line.strip()) > 12}
    for path in list(corpus.rglob("feedback.md")) + list(corpus.rglob("results.json")):
        text = path.read_text()
        leaked = [line for line in lines if line in text]
        assert not leaked, f"{path} shows hidden check source: {leaked[:2]}"


def test_manual_answers_are_listed_with_rubrics(corpus):
    review = (corpus / "manual_review.md").read_text()
    assert "full_solution — 00_setup — profiles (2 points)" in review and "Rubric" in review
    assert "untouched — 00_setup — profiles" in review and "*(no answer)*" in review


def test_gradescope_results_format(corpus):
    results = json.loads((corpus / "partial_steps_only" / "results.json").read_text())
    assert results["score"] == 2
    by_name = {t["name"]: t for t in results["tests"]}
    assert by_name["Exercise steps"]["score"] == 2 and by_name["Exercise device"]["score"] == 0
    assert "not attempted" in by_name["Exercise device"]["output"]


def test_timeouts_are_reported_to_the_student(corpus):
    feedback = (corpus / "infinite_loop" / "feedback.md").read_text()
    assert "CellTimeout" in feedback
    notes = json.loads((corpus / "os_exit" / "grading.json").read_text())["notes"]
    assert any("kernel died" in note for note in notes)
