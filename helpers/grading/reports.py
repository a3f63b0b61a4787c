"""Write the grader's outputs: grades.csv, Gradescope results.json, feedback and manual review.

Feedback shows each exercise's score and reason and the public ✓/✗ check lines; it never
contains the source of a hidden check.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from helpers.grading.scoring import NO_SANDBOX


def problem_text(result: dict) -> str:
    """The CSV's ``problem`` cell: why the file could not be graded, and whether it ran unsandboxed.

    >>> problem_text({"problem": "", "sandbox": "off"}), problem_text({"problem": "empty", "sandbox": "bubblewrap"})
    ('graded without the sandbox (--no-sandbox)', 'empty')
    """
    parts = [result["problem"], NO_SANDBOX if result.get("sandbox") == "off" else ""]
    return "; ".join(part for part in parts if part)


def gradescope(result: dict) -> dict:
    """Return `result` in Gradescope's results.json format.

    >>> from helpers.grading.intake import Lab, Submission
    >>> from helpers.grading.scoring import grade
    >>> lab = Lab("demo", [], {"f": 1.0}, {"why": 2.0}, {}, {"why": "2 points if…"})
    >>> result = grade(Submission(Path("alice.ipynb"), "alice", lab="demo", problem="the file is empty"), {"demo": lab}, None)
    >>> report = gradescope(result)
    >>> report["score"], report["output"], [test["name"] for test in report["tests"]]
    (0.0, 'the file is empty', ['Exercise f', 'Question why (marked by hand)'])
    """
    tests = [
        {"name": f"Exercise {exercise}", "score": item["score"], "max_score": item["max"],
         "output": item["reason"], "visibility": "visible"}
        for exercise, item in result["exercises"].items()
    ]
    tests += [
        {"name": f"Question {question} (marked by hand)", "score": 0, "max_score": item["max"],
         "output": "awaiting manual marking", "visibility": "visible"}
        for question, item in result["manual"].items()
    ]
    output = result["problem"] or "; ".join(result["notes"]) or "Graded automatically."
    return {"score": result["total"], "execution_time": result["seconds"], "output": output,
            "tests": tests, "stdout_visibility": "hidden"}


def feedback(result: dict) -> str:
    """Return the student's feedback as markdown.

    >>> from helpers.grading.intake import Lab, Submission
    >>> from helpers.grading.scoring import grade
    >>> lab = Lab("demo", [], {"f": 1.0}, {"why": 2.0}, {}, {"why": "2 points if…"})
    >>> result = grade(Submission(Path("alice.ipynb"), "alice", lab="demo", problem="the file is empty"), {"demo": lab}, None)
    >>> print(feedback(result), end="")
    # Feedback — demo — alice
    <BLANKLINE>
    **Automatic score: 0 / 1**
    <BLANKLINE>
    ⚠️ Your submission could not be graded: the file is empty.
    <BLANKLINE>
    Note: graded without the sandbox (--no-sandbox)
    <BLANKLINE>
    | exercise | points | result |
    |---|---|---|
    | f | 0 / 1 | the file is empty |
    <BLANKLINE>
    Marked by hand later: why (2 points)
    """
    lines = [f"# Feedback — {result['lab'] or 'unknown lab'} — {result['student']}", "",
             f"**Automatic score: {result['total']:g} / {result['max_total']:g}**", ""]
    if result["problem"]:
        lines += [f"⚠️ Your submission could not be graded: {result['problem']}.", ""]
    lines += [f"Note: {note}" for note in result["notes"] if note != result["problem"]]
    if result["exercises"]:
        lines += ["", "| exercise | points | result |", "|---|---|---|"]
        lines += [f"| {e} | {i['score']:g} / {i['max']:g} | {i['reason'].replace('|', '/')} |"
                  for e, i in result["exercises"].items()]
    if result["checks"]:
        lines += ["", "Public checks as they ran in your notebook:", "", "```", *result["checks"], "```"]
    if result["manual"]:
        lines += ["", "Marked by hand later: " + ", ".join(
            f"{q} ({i['max']:g} points)" for q, i in result["manual"].items())]
    return "\n".join(lines) + "\n"


def write_student(out: Path, result: dict) -> None:
    """Write `<student>/results.json`, `feedback.md` and `grading.json` under `out`.

    >>> from helpers.grading.intake import Lab, Submission
    >>> from helpers.grading.scoring import grade
    >>> lab = Lab("demo", [], {"f": 1.0}, {"why": 2.0}, {}, {"why": "2 points if…"})
    >>> result = grade(Submission(Path("alice.ipynb"), "alice", lab="demo", problem="the file is empty"), {"demo": lab}, None)
    >>> import tempfile; out = Path(tempfile.mkdtemp())
    >>> write_student(out, result)
    >>> sorted(path.name for path in (out / "alice").iterdir())
    ['feedback.md', 'grading.json', 'results.json']
    """
    folder = out / result["student"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(gradescope(result), indent=2))
    (folder / "feedback.md").write_text(feedback(result))
    # Everything the grader knows, for the instructor: failed cells, notes, timings.
    (folder / "grading.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))


def write_batch(out: Path, results: list[dict]) -> None:
    """Write grades.csv (a row per student, a column per exercise) and manual_review.md.

    >>> from helpers.grading.intake import Lab, Submission
    >>> from helpers.grading.scoring import grade
    >>> lab = Lab("demo", [], {"f": 1.0}, {"why": 2.0}, {}, {"why": "2 points if…"})
    >>> result = grade(Submission(Path("alice.ipynb"), "alice", lab="demo", problem="the file is empty"), {"demo": lab}, None)
    >>> import tempfile; out = Path(tempfile.mkdtemp())
    >>> write_batch(out, [result])
    >>> print((out / "grades.csv").read_text(), end="")
    student,lab,f,total,max_total,manual_max,problem,file
    alice,demo,0.0,0.0,1.0,2.0,the file is empty; graded without the sandbox (--no-sandbox),alice.ipynb
    >>> (out / "manual_review.md").read_text().splitlines()[2]
    '## alice — demo — why (2 points)'
    """
    several = len({r["lab"] for r in results if r["lab"]}) > 1
    columns: list[str] = []
    for result in results:
        for exercise in result["exercises"]:
            name = f"{result['lab']}/{exercise}" if several else exercise
            if name not in columns:
                columns.append(name)
    with open(out / "grades.csv", "w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["student", "lab", *columns, "total", "max_total", "manual_max", "problem", "file"])
        for r in sorted(results, key=lambda r: r["student"]):
            scores = {(f"{r['lab']}/{e}" if several else e): i["score"] for e, i in r["exercises"].items()}
            writer.writerow([r["student"], r["lab"], *[scores.get(c, "") for c in columns],
                             r["total"], r["max_total"], sum(i["max"] for i in r["manual"].values()),
                             problem_text(r), r["file"]])
    lines = ["# Answers to mark by hand", ""]
    for r in sorted(results, key=lambda r: r["student"]):
        for question, item in r["manual"].items():
            lines += [f"## {r['student']} — {r['lab']} — {question} ({item['max']:g} points)", "",
                      item["answer"].strip() or "*(no answer)*", "", "<details><summary>Rubric</summary>", "",
                      item["rubric"].strip(), "", "</details>", ""]
    (out / "manual_review.md").write_text("\n".join(lines))
