"""Save and resume training runs, so a Colab disconnect does not lose the work.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "run.pt"
    >>> _ = save(path, epoch=3)
    >>> load(path)["epoch"]
    3
"""

from __future__ import annotations

import os
from pathlib import Path


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be read.

    >>> import tempfile; bad = Path(tempfile.mkdtemp()) / "bad.pt"; _ = bad.write_bytes(b"not a checkpoint")
    >>> load(bad)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    helpers.training.checkpoint.CheckpointError: Checkpoint .../bad.pt is damaged (...); delete it to start the run afresh.
    """


def save(path: str | os.PathLike, **state) -> Path:
    """Write `state` (model/optimizer state dicts, epoch, history, …) atomically to `path`.

    >>> import tempfile, torch
    >>> path = save(Path(tempfile.mkdtemp()) / "runs" / "last.pt", epoch=1, weights=torch.ones(2))
    >>> path.name, sorted(p.name for p in path.parent.iterdir())
    ('last.pt', ['last.pt'])
    """
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    torch.save(state, temporary)
    os.replace(temporary, path)  # an interruption never leaves half a checkpoint
    return path


def load(path: str | os.PathLike) -> dict:
    """Read a checkpoint written by `save`; a damaged file raises `CheckpointError` saying so.

    >>> import tempfile, torch
    >>> path = save(Path(tempfile.mkdtemp()) / "run.pt", epoch=2, weights=torch.zeros(3))
    >>> state = load(path)
    >>> state["epoch"], state["weights"].tolist()
    (2, [0.0, 0.0, 0.0])
    """
    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)  # tensors and plain data only
    except FileNotFoundError:
        raise
    except Exception as error:
        raise CheckpointError(
            f"Checkpoint {path} is damaged ({type(error).__name__}); delete it to start the run afresh."
        ) from error
