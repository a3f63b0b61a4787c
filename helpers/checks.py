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


PLAIN_SCALARS = (bool, int, float, complex, str, bytes, type(None))


def plain(value):
    """A plain copy of a result, for checks that compare it: builtins of exactly their own type.

    Lists, tuples and dicts are copied element by element, NumPy arrays with ``copy=True`` (object
    arrays element by element) and NumPy scalars become Python numbers. Anything else, and any
    subclass (an ``int`` that claims to equal everything), raises `TypeError`, so ``==`` in a
    check compares real values.

    >>> plain([1, 2.5, "a", {"k": (True, None)}])
    [1, 2.5, 'a', {'k': (True, None)}]
    >>> class Always(int):
    ...     def __eq__(self, other): return True
    ...     __hash__ = int.__hash__
    >>> plain(Always(3))
    Traceback (most recent call last):
    TypeError: expected a plain value (int, float, str, list, dict, NumPy array…), got Always
    """
    kind = type(value)
    if kind in PLAIN_SCALARS:
        return value
    if kind in (list, tuple):
        return kind(plain(item) for item in value)
    if kind is dict:
        return {plain(key): plain(item) for key, item in value.items()}
    import numpy as np

    if kind is np.ndarray:
        copy = np.array(value, copy=True)
        return np.array([plain(item) for item in copy.ravel()], dtype=object).reshape(copy.shape) \
            if copy.dtype == object else copy
    if isinstance(value, np.generic) and kind.__module__ == "numpy":
        return value.item()
    raise TypeError(f"expected a plain value (int, float, str, list, dict, NumPy array…), got {kind.__name__}")
