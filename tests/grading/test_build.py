"""helpers.build: labs/ generated from solutions/, deterministic, with nothing hidden leaking."""

import json
import shutil

import nbformat
import pytest

from helpers.config import repo_root
from helpers.grading import build
from helpers.grading import format as authoring

ROOT = repo_root()
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
LEAKS = ("BEGIN SOLUTION", "END SOLUTION", "# SOLUTION", authoring.INSTRUCTOR_ONLY, "hidden:", "rubric:")


def test_labs_are_up_to_date():
    assert build.stale() == [], "run `python -m helpers build` and commit labs/"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_nothing_hidden_leaks_into_the_lab(solution):
    lab_text = (ROOT / "labs" / solution.name).read_text()
    for marker in LEAKS:
        assert marker not in lab_text, f"{marker!r} leaks into labs/{solution.name}"
    hidden = [c.source for c in nbformat.read(solution, as_version=4).cells if authoring.is_instructor_only(c)]
    for source in hidden:
        assert source not in lab_text


@pytest.mark.parametrize("solution", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_lab_structure(solution):
    lab = nbformat.read(ROOT / "labs" / solution.name, as_version=4)
    nbformat.validate(lab)
    source = nbformat.read(solution, as_version=4)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in lab.cells if c.cell_type == "code")
    assert authoring.exercises(lab) == authoring.exercises(source) and authoring.exercises(lab)
    ids = {c.id for c in source.cells}
    assert all(c.id in ids for c in lab.cells), "lab cell ids come from the solution"
    for cell in lab.cells:
        exercise = authoring.tags_value(cell, "exercise")
        if exercise:
            assert f'raise NotImplementedError("Exercise {exercise}' in cell.source or "= ..." in cell.source
    badges = [c for c in lab.cells if build.BADGES_TAG in authoring.tags(c)]
    assert badges and "colab.research.google.com" in badges[0].source and "mybinder.org" in badges[0].source
    assert lab.metadata["course"]["lab"] == solution.stem
    parameters = [c for c in lab.cells if "parameters" in authoring.tags(c)]
    assert len(parameters) == 1, "one papermill `parameters` cell"


def test_build_twice_changes_nothing_and_check_names_stale(tmp_path, monkeypatch, capsys):
    solutions, labs = tmp_path / "solutions", tmp_path / "labs"
    shutil.copytree(ROOT / "solutions", solutions)
    labs.mkdir()
    monkeypatch.setattr(build, "ROOT", tmp_path)
    monkeypatch.setattr(build, "SOLUTIONS", solutions)
    monkeypatch.setattr(build, "LABS", labs)
    assert build.main(["--check"]) == 1
    assert "stale: labs/00_setup.ipynb" in capsys.readouterr().out
    build.main([])
    first = {p.name: p.read_bytes() for p in labs.iterdir()}
    build.main([])
    assert {p.name: p.read_bytes() for p in labs.iterdir()} == first
    assert build.main(["--check"]) == 0

    nb = json.loads((solutions / "00_setup.ipynb").read_text())
    nb["cells"][0]["source"] = "# A changed title"
    (solutions / "00_setup.ipynb").write_text(json.dumps(nb))
    (labs / "99_orphan.ipynb").write_text("{}")
    assert build.main(["--check"]) == 1
    printed = capsys.readouterr().out
    assert "labs/00_setup.ipynb" in printed and "99_orphan.ipynb (no solution" in printed


def test_strip_code_keeps_indentation_and_one_liners():
    source = "def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\nlr = 3e-4  # SOLUTION"
    assert authoring.strip_code(source, "f") == (
        'def f():\n    raise NotImplementedError("Exercise f: replace this line with your code.")\nlr = ...')
    with pytest.raises(ValueError, match="without"):
        authoring.strip_code("# BEGIN SOLUTION\nx = 1", "f")


def test_strip_markdown_replaces_model_answers():
    text = "Question\n<!-- BEGIN SOLUTION -->\nThe answer.\n<!-- END SOLUTION -->"
    assert authoring.strip_markdown(text) == "Question\n" + authoring.STUDENT_ANSWER


def test_helpers_command_dispatches(capsys):
    from helpers.__main__ import main

    assert main(["build", "--check"]) == 0
    assert main(["nonsense"]) == 2
    assert main(["report"]) == 0
    assert "profile" in capsys.readouterr().out


@pytest.mark.parametrize("solution", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_every_exercise_has_a_hidden_check_and_every_question_a_rubric(solution):
    """An exercise without a hidden check would score whenever its cell merely runs."""
    nb = nbformat.read(solution, as_version=4)
    hidden = {authoring.tags_value(c, "hidden") for c in nb.cells if authoring.is_instructor_only(c)}
    rubrics = {authoring.tags_value(c, "rubric") for c in nb.cells if authoring.is_instructor_only(c)}
    assert set(authoring.exercises(nb)) <= hidden, "add an instructor-only `hidden:<id>` cell per exercise"
    assert set(authoring.manual_questions(nb)) <= rubrics, "add an instructor-only `rubric:<id>` cell per question"


def test_colab_setup_cell_installs_with_the_lock_and_asks_for_a_restart_when_needed(monkeypatch, capsys):
    """The generated cell, run as on Colab: pip gets the lock as constraints; a changed imported package asks for a restart."""
    import subprocess
    import sys
    import types
    from importlib import metadata

    import numpy  # noqa: F401  (imported, as Colab's runtime has it)

    from helpers.grading.build import setup_source

    calls, real_version = [], metadata.version
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    monkeypatch.setattr(subprocess, "run", lambda args, check: calls.append(args))
    for upgraded in (False, True):
        monkeypatch.setattr(metadata, "version", lambda dist, upgraded=upgraded: "0.0-new"
                            if calls and upgraded and dist == "numpy" else real_version(dist))
        calls.clear()
        exec(setup_source(["vision"]), {})
        (args,) = calls
        assert args[args.index("-c") + 1].endswith("/main/requirements-lock.txt")
        assert args[-1].endswith("finetune-zero-to-hero@main") and args[-1].startswith("finetune-course[vision] @ git+")
        said = capsys.readouterr().out
        assert ("Restart the runtime" in said and "numpy" in said) == upgraded
