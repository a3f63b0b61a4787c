"""Generate the student notebooks in `labs/` from the instructor notebooks in `solutions/`.

    python -m helpers build            # regenerate labs/ (and refresh badges and setup cells)
    python -m helpers build --check    # exit 1 and name the stale notebooks

Deterministic: cell ids come from the solution, outputs are cleared, JSON is written with
sorted keys, so running it twice changes nothing.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import nbformat

from helpers.config import BRANCH, REPOSITORY, repo_root, repository_url
from helpers.grading import format as authoring

ROOT = repo_root()
SOLUTIONS, LABS = ROOT / "solutions", ROOT / "labs"
BADGES_TAG, SETUP_TAG = "badges", "setup"


def badges_source(name: str) -> str:
    """Markdown with the Open-in-Colab and Binder badges of lab `name` (e.g. '00_setup').

    >>> badges = badges_source("00_setup")
    >>> badges.startswith("[![Open In Colab]"), badges.count("labs/00_setup.ipynb")
    (True, 2)
    """
    path = f"labs/{name}.ipynb"
    colab = f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/{path}"
    binder = f"https://mybinder.org/v2/gh/{REPOSITORY}/{BRANCH}?labpath={path}"
    return (
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab}) "
        f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder})"
    )


def setup_source(extras: list[str]) -> str:
    """The guarded setup cell: on Colab, installs the course package with the lock's versions; elsewhere nothing.

    It installs from the same git ref as the lock it reads (`-c`), so Colab gets the versions the course
    was tested with, and it says when a package that was already imported changed (a restart is needed).

    >>> source = setup_source(["vision", "text"])
    >>> f'finetune-course[vision,text] @ git+{repository_url()}@{{ref}}' in source, 'if "google.colab" in sys.modules:' in source
    (True, True)
    >>> "-c" in source and "requirements-lock.txt" in source
    True
    """
    requirement = f"finetune-course[{','.join(extras)}]" if extras else "finetune-course"
    raw = f"https://raw.githubusercontent.com/{REPOSITORY}"
    return (
        "# On Colab, install the course package with the versions it was tested with (the lock at the same\n"
        "# git ref); elsewhere `make lab` has installed it already.\n"
        "import subprocess\n"
        "import sys\n"
        "from importlib import metadata\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    ref = "{BRANCH}"  # a branch or tag of the course; the lock comes from the same one\n'
        f'    lock = f"{raw}/{{ref}}/requirements-lock.txt"\n'
        "    loaded = {d for m, ds in metadata.packages_distributions().items() if m in sys.modules for d in ds}\n"
        "    before = {dist: metadata.version(dist) for dist in loaded}\n"
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-c", lock,\n'
        f'                    f"{requirement} @ git+{repository_url()}@{{ref}}"], check=True)\n'
        "    changed = sorted(dist for dist, version in before.items() if metadata.version(dist) != version)\n"
        "    if changed:\n"
        '        print("Restart the runtime (Runtime > Restart session), then run the notebook from the top: "\n'
        '              f"{\', \'.join(changed)} changed after Python had imported it.")'
    )


def _clean(cell) -> None:
    if cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    cell.metadata.pop("execution", None)
    cell.metadata.pop("collapsed", None)


def refresh_solution(nb, name: str):
    """Return `nb` with its badges and setup cells regenerated from the course settings.

    >>> import nbformat.v4 as v4
    >>> nb = v4.new_notebook(cells=[v4.new_markdown_cell("old badges", metadata={"tags": ["badges"]})])
    >>> refresh_solution(nb, "00_setup").cells[0].source == badges_source("00_setup"), nb.cells[0].source
    (True, 'old badges')
    """
    nb = copy.deepcopy(nb)
    extras = list(nb.metadata.get("course", {}).get("extras", []))
    for cell in nb.cells:
        if BADGES_TAG in authoring.tags(cell):
            cell.source = badges_source(name)
        if SETUP_TAG in authoring.tags(cell):
            cell.source = setup_source(extras)
    return nb


def lab_from_solution(solution, name: str, keep_course_checks: bool = False):
    """Return the student version of a solution notebook (an in-memory copy).

    Instructor-only cells go (course checks stay when asked: the grader's template keeps
    them), solutions are stripped from exercise cells, outputs are cleared:

    >>> import nbformat.v4 as v4
    >>> solution = v4.new_notebook(cells=[
    ...     v4.new_code_cell("lr = 0.1  # SOLUTION", metadata={"tags": ["exercise:lr"]}),
    ...     v4.new_code_cell("assert lr == 0.1", metadata={"tags": ["instructor-only", "hidden:lr"]})])
    >>> [cell.source for cell in lab_from_solution(solution, "demo").cells]
    ['lr = ...']
    >>> solution.cells.append(v4.new_code_cell("assert gain > 0.1", metadata={"tags": ["instructor-only"]}))
    >>> [cell.source for cell in lab_from_solution(solution, "demo", keep_course_checks=True).cells]
    ['lr = ...', 'assert gain > 0.1']
    """
    nb = refresh_solution(solution, name)
    nb.cells = [cell for cell in nb.cells if not authoring.is_instructor_only(cell)
                or (keep_course_checks and authoring.is_course_check(cell))]
    for cell in nb.cells:
        exercise = authoring.tags_value(cell, "exercise")
        if cell.cell_type == "code" and exercise:
            cell.source = authoring.strip_code(cell.source, exercise)
        if cell.cell_type == "markdown":
            cell.source = authoring.strip_markdown(cell.source)
        _clean(cell)
    nb.metadata = {key: nb.metadata[key] for key in ("kernelspec", "language_info", "course") if key in nb.metadata}
    nb.metadata.get("language_info", {}).pop("version", None)
    return nb


def _text(nb) -> str:
    return nbformat.writes(nb) + "\n"


def planned(solutions: Path | None = None, labs: Path | None = None) -> dict[Path, str]:
    """Return ``{path: text}`` for every file the build writes (labs and refreshed solutions).

    >>> files = planned()
    >>> SOLUTIONS / "00_setup.ipynb" in files, LABS / "00_setup.ipynb" in files
    (True, True)
    """
    solutions, labs = solutions or SOLUTIONS, labs or LABS
    files = {}
    for source in sorted(solutions.glob("*.ipynb")):
        solution = nbformat.read(source, as_version=4)
        files[source] = _text(refresh_solution(solution, source.stem))
        files[labs / source.name] = _text(lab_from_solution(solution, source.stem))
    return files


def stale(solutions: Path | None = None, labs: Path | None = None) -> list[str]:
    """Return the notebooks that a build would change, and labs that have no solution.

    Against a labs folder that does not exist (nothing is written), every lab is stale:

    >>> [path for path in stale(labs=ROOT / "no-labs-here") if path.startswith("no-labs-here/")][:1]
    ['no-labs-here/00_setup.ipynb']
    """
    solutions, labs = solutions or SOLUTIONS, labs or LABS
    files = planned(solutions, labs)
    out = [str(p.relative_to(ROOT)) for p, text in files.items() if not p.exists() or p.read_text() != text]
    orphans = [p for p in sorted(labs.glob("*.ipynb")) if p not in files]
    return out + [f"{p.relative_to(ROOT)} (no solution in solutions/)" for p in orphans]


def main(argv: list[str] | None = None) -> int:
    """Command line: build labs/, or with --check report what is stale.

    Here on a copy of one solution in a temporary folder, so the repository is not touched:

    >>> import contextlib, io, shutil, tempfile
    >>> from unittest import mock
    >>> root = Path(tempfile.mkdtemp()); (root / "solutions").mkdir()
    >>> _ = shutil.copy(SOLUTIONS / "00_setup.ipynb", root / "solutions")
    >>> with mock.patch.multiple(sys.modules[__name__], ROOT=root, SOLUTIONS=root / "solutions", LABS=root / "labs"):
    ...     with contextlib.redirect_stdout(io.StringIO()):
    ...         built = main([])
    ...     checked = main(["--check"])
    labs/ is up to date.
    >>> built, checked, [path.name for path in (root / "labs").iterdir()]
    (0, 0, ['00_setup.ipynb'])
    """
    parser = argparse.ArgumentParser(prog="python -m helpers build", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if labs/ is stale")
    args = parser.parse_args(argv)
    if args.check:
        outdated = stale()
        for path in outdated:
            print(f"stale: {path}")
        print("labs/ is up to date." if not outdated else "Run `python -m helpers build` and commit the result.")
        return 1 if outdated else 0
    LABS.mkdir(exist_ok=True)
    changed = 0
    for path, text in planned().items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            changed += 1
            print(f"wrote {path.relative_to(ROOT)}")
    print(f"{changed} notebook(s) written." if changed else "Nothing to do: labs/ is up to date.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
