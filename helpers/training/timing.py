"""Time a model the two ways that matter: latency of one request, or time per item in a batch.

    >>> double = lambda rows: [r * 2 for r in rows]
    >>> ms_per_item(double, list(range(100)), mode="batch") < ms_per_item(double, list(range(100)), mode="request") * 10
    True
"""

from __future__ import annotations

import time

MODES = ("request", "batch")


def ms_per_item(predict, items, *, mode: str, repeats: int = 3) -> float:
    """Milliseconds per item of `predict`, the best of `repeats` passes over `items`.

    ``mode="request"`` is **latency**: each item is sent alone, ``predict(items[i:i + 1])``, as a
    user's single request would be. ``mode="batch"`` is **throughput**: all items go in one
    ``predict(items)`` call, and the time is shared out. The two differ by an order of magnitude
    for a neural network, so a caller must say which one it measures.

    >>> ms_per_item(lambda rows: [r + 1 for r in rows], [1, 2, 3], mode="request") < 1
    True
    """
    if mode not in MODES:
        raise ValueError(f"mode must be 'request' (latency of one item) or 'batch' (one call for all), not {mode!r}")
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        if mode == "batch":
            predict(items)
        else:
            for index in range(len(items)):
                predict(items[index:index + 1])
        best = min(best, time.perf_counter() - started)
    return 1000 * best / len(items)
