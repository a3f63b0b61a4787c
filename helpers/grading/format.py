"""The graded-notebook format shared by the build (`helpers.grading.build`) and the grader.

A solution notebook marks its parts with cell tags:

- ``exercise:<id>`` — a code cell students complete; ``metadata.points`` gives its points.
  Solution code sits between ``# BEGIN SOLUTION`` and ``# END SOLUTION``, or on a line ending
  with ``# SOLUTION`` (its right-hand side becomes ``...`` in the lab).
- ``manual:<id>`` — a markdown answer cell marked by hand; ``metadata.points`` gives its points.
- ``uses:<id>`` — a cell that needs exercise `<id>` done; it may fail while that is open
  (tests check that an untouched lab fails only in exercise cells and in these), and the grader
  skips it once a cell needing no more than its exercises has failed.
- ``instructor-only`` — removed from labs; with ``hidden:<id>`` it is a hidden check of exercise
  `<id>`, with ``rubric:<id>`` the marking rubric of manual answer `<id>`.

    >>> tags_value({"metadata": {"tags": ["exercise:head"]}}, "exercise")
    'head'
"""

from __future__ import annotations

import re

INSTRUCTOR_ONLY = "instructor-only"
BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
MD_BEGIN, MD_END = "<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->"
ONE_LINE = re.compile(r"^(?P<indent>\s*)(?P<target>[^=#]+?)\s*=\s*.+?\s*# SOLUTION\s*$")
STUDENT_ANSWER = "✏️ *Write your answer here.*"


def tags(cell) -> list[str]:
    """Return the cell's tags (an empty list when it has none).

    >>> tags({"metadata": {"tags": ["exercise:head", "uses:data"]}}), tags({"metadata": {}})
    (['exercise:head', 'uses:data'], [])
    """
    return list(cell.get("metadata", {}).get("tags", []) or [])


def tags_value(cell, prefix: str) -> str | None:
    """Return `<id>` of the first tag ``<prefix>:<id>`` on the cell, or None.

    >>> cell = {"metadata": {"tags": ["uses:data", "uses:head"]}}
    >>> tags_value(cell, "uses"), tags_value(cell, "exercise")
    ('data', None)
    """
    for tag in tags(cell):
        if tag.startswith(prefix + ":"):
            return tag.split(":", 1)[1]
    return None


def needs(cell) -> list[str]:
    """Return every exercise the cell needs: the `<id>` of each of its ``uses:<id>`` tags.

    >>> needs({"metadata": {"tags": ["uses:data", "uses:head", "setup"]}}), needs({"metadata": {}})
    (['data', 'head'], [])
    """
    return [tag.split(":", 1)[1] for tag in tags(cell) if tag.startswith("uses:")]


def points(cell) -> float:
    """Return the points of an exercise or manual cell (1 when not given).

    >>> points({"metadata": {"points": 2}}), points({"metadata": {}})
    (2.0, 1.0)
    """
    return float(cell.get("metadata", {}).get("points", 1))


def is_instructor_only(cell) -> bool:
    """True for hidden checks and rubrics, which never reach students.

    >>> is_instructor_only({"metadata": {"tags": ["instructor-only", "hidden:head"]}})
    True
    >>> is_instructor_only({"metadata": {"tags": ["exercise:head"]}})
    False
    """
    return INSTRUCTOR_ONLY in tags(cell)


def is_course_check(cell) -> bool:
    """True for an instructor-only code cell that is neither a hidden check nor a rubric.

    Course checks assert the lab's measured effect (CI and the bench run them; students never see them).

    >>> is_course_check({"cell_type": "code", "metadata": {"tags": ["instructor-only"]}})
    True
    >>> is_course_check({"cell_type": "code", "metadata": {"tags": ["instructor-only", "hidden:head"]}})
    False
    """
    return (cell["cell_type"] == "code" and is_instructor_only(cell)
            and not tags_value(cell, "hidden") and not tags_value(cell, "rubric"))


def exercises(nb) -> dict[str, float]:
    """Return ``{exercise id: points}`` of the auto-graded exercises, in notebook order.

    >>> import nbformat.v4 as v4
    >>> exercises(v4.new_notebook(cells=[v4.new_code_cell("x = 1", metadata={"tags": ["exercise:x"], "points": 2}),
    ...                                  v4.new_code_cell("print(x)")]))
    {'x': 2.0}
    """
    return {tags_value(c, "exercise"): points(c) for c in nb.cells if tags_value(c, "exercise")}


def manual_questions(nb) -> dict[str, float]:
    """Return ``{question id: points}`` of the hand-marked answer cells, in notebook order.

    >>> import nbformat.v4 as v4
    >>> manual_questions(v4.new_notebook(cells=[v4.new_markdown_cell("Why?", metadata={"tags": ["manual:why"]})]))
    {'why': 1.0}
    """
    return {tags_value(c, "manual"): points(c) for c in nb.cells if tags_value(c, "manual")}


def strip_code(source: str, exercise: str) -> str:
    """Replace solution blocks by ``raise NotImplementedError`` and one-liners by ``...``.

    >>> print(strip_code("x = 1\\n    # BEGIN SOLUTION\\n    y = 2\\n    # END SOLUTION", "demo"))
    x = 1
        raise NotImplementedError("Exercise demo: replace this line with your code.")
    >>> strip_code("lr = 0.1  # SOLUTION", "demo")
    'lr = ...'
    """
    out, inside = [], False
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped.startswith(BEGIN):
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f'{indent}raise NotImplementedError("Exercise {exercise}: replace this line with your code.")')
        elif stripped.startswith(END):
            inside = False
        elif not inside:
            match = ONE_LINE.match(line)
            out.append(f"{match['indent']}{match['target']} = ..." if match else line)
    if inside:
        raise ValueError(f"Exercise {exercise}: '{BEGIN}' without '{END}'.")
    return "\n".join(out)


def strip_markdown(source: str) -> str:
    """Replace model answers between markdown solution markers by a prompt for the student.

    >>> strip_markdown("Why? <!-- BEGIN SOLUTION -->Because it is pretrained.<!-- END SOLUTION -->")
    'Why? ✏️ *Write your answer here.*'
    """
    pattern = re.compile(re.escape(MD_BEGIN) + r".*?" + re.escape(MD_END), re.DOTALL)
    return pattern.sub(STUDENT_ANSWER, source)


def hidden_checks(nb) -> dict[str, list[str]]:
    """Return ``{exercise id: [hidden check source, …]}`` from the ``hidden:<id>`` cells.

    >>> import nbformat.v4 as v4
    >>> nb = v4.new_notebook(cells=[v4.new_code_cell("assert f(2) == 4", metadata={"tags": ["instructor-only", "hidden:f"]})])
    >>> hidden_checks(nb)
    {'f': ['assert f(2) == 4']}
    """
    found: dict[str, list[str]] = {}
    for cell in nb.cells:
        exercise = tags_value(cell, "hidden")
        if exercise:
            found.setdefault(exercise, []).append(cell.source)
    return found


def rubrics(nb) -> dict[str, str]:
    """Return ``{manual question id: rubric text}`` from the ``rubric:<id>`` cells.

    >>> import nbformat.v4 as v4
    >>> rubrics(v4.new_notebook(cells=[v4.new_markdown_cell("2 points if…", metadata={"tags": ["rubric:why"]})]))
    {'why': '2 points if…'}
    """
    return {tags_value(c, "rubric"): c.source for c in nb.cells if tags_value(c, "rubric")}
