"""Public checks: one ✓/✗ line with a hint, never a wall of traceback.

    >>> from helpers.checks import check
    >>> check("two plus two", lambda: 2 + 2 == 4)
    ✓ two plus two
    >>> check("the head has 10 outputs", False, hint="use nn.Linear(in_features, 10)")
    ✗ the head has 10 outputs — hint: use nn.Linear(in_features, 10)

Public checks help students; they do not grade. The grader runs its own hidden checks.
"""

from __future__ import annotations


def check(description: str, condition, hint: str = "") -> None:
    """Print ✓ or ✗ for `condition` (a bool, or a callable returning one).

    A callable that raises counts as ✗ and the error is shown in one line, e.g.
    ``NotImplementedError: Exercise head: …`` while an exercise is still open.

    >>> check("a fresh list is empty", lambda: len([]) == 0)
    ✓ a fresh list is empty
    >>> check("the ratio is finite", lambda: 1 / 0, hint="divide by the batch size")
    ✗ the ratio is finite — ZeroDivisionError: division by zero; hint: divide by the batch size
    """
    error = None
    if callable(condition):
        try:
            condition = condition()
        except Exception as exception:  # a check must report, not crash the notebook
            error = f"{type(exception).__name__}: {str(exception).splitlines()[0] if str(exception) else ''}"
            condition = False
    passed = bool(condition)
    line = f"{'✓' if passed else '✗'} {description}"
    if not passed:
        detail = "; ".join(part for part in (error, f"hint: {hint}" if hint else "") if part)
        line += f" — {detail}" if detail else ""
    print(line)
