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
    """A checkpoint file that cannot be read."""


def save(path: str | os.PathLike, **state) -> Path:
    """Write `state` (model/optimizer state dicts, epoch, history, …) atomically to `path`."""
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    torch.save(state, temporary)
    os.replace(temporary, path)  # an interruption never leaves half a checkpoint
    return path


def load(path: str | os.PathLike) -> dict:
    """Read a checkpoint written by `save`; a damaged file raises `CheckpointError` saying so."""
    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)  # tensors and plain data only
    except FileNotFoundError:
        raise
    except Exception as error:
        raise CheckpointError(
            f"Checkpoint {path} is damaged ({type(error).__name__}); delete it to start the run afresh."
        ) from error
