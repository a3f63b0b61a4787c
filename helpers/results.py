"""Store named results of a run in a JSON sidecar that tests and benchmarks read.

    >>> import tempfile
    >>> from helpers import results
    >>> folder = tempfile.mkdtemp()
    >>> results.use("00_setup", folder=folder)
    >>> results.record("accuracy", 0.91)
    0.91
    >>> results.load("00_setup", folder=folder)["accuracy"]
    0.91
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

from helpers.config import ENV_RESULTS

SUFFIX = ".results.json"
_target: dict[str, str | None] = {"notebook": None, "folder": None}


def use(notebook: str, folder: str | os.PathLike | None = None) -> None:
    """Send later `record()` calls to ``<folder>/<notebook>.results.json``.

    `folder` defaults to ``$COURSE_RESULTS_DIR`` or the working directory (the notebook's own).

    >>> folder = tempfile.mkdtemp()
    >>> use("demo", folder=folder)
    >>> sidecar_path() == Path(folder) / "demo.results.json"
    True
    """
    _target["notebook"] = notebook
    _target["folder"] = str(folder) if folder is not None else None


def sidecar_path(notebook: str | None = None, folder: str | os.PathLike | None = None) -> Path:
    """Return the path of the sidecar file for `notebook` (default: the one chosen by `use`).

    >>> sidecar_path("00_setup", folder="/tmp/results").as_posix()
    '/tmp/results/00_setup.results.json'
    """
    notebook = notebook or _target["notebook"] or "results"
    folder = folder or _target["folder"] or os.environ.get(ENV_RESULTS) or os.getcwd()
    return Path(folder) / f"{notebook}{SUFFIX}"


def _plain(value):
    """Turn NumPy/torch scalars and arrays, tuples and paths into JSON-ready Python values."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def load(notebook: str | None = None, folder: str | os.PathLike | None = None) -> dict:
    """Return every value recorded for `notebook` ({} when nothing was recorded yet).

    >>> load("never_recorded", folder=tempfile.mkdtemp())
    {}
    """
    path = sidecar_path(notebook, folder)
    if not path.exists():
        return {}
    return json.loads(path.read_text())


def record(name: str, value):
    """Store `value` under `name` in the sidecar (replacing an earlier value) and return it.

    NumPy and torch values are stored as plain JSON numbers and lists:

    >>> import numpy as np
    >>> use("demo", folder=tempfile.mkdtemp())
    >>> record("scores", np.array([0.5, 1.0])).dtype
    dtype('float64')
    >>> _ = record("epochs", 1); _ = record("epochs", 2)
    >>> load("demo", folder=sidecar_path().parent)
    {'epochs': 2, 'scores': [0.5, 1.0]}
    """
    path = sidecar_path()
    results = load(folder=path.parent, notebook=path.name[: -len(SUFFIX)])
    results[name] = _plain(value)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write to a temporary file and rename, so an interrupted run never leaves half a file.
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "w") as stream:
        json.dump(results, stream, indent=2, sort_keys=True)
    os.replace(temporary, path)
    return value
