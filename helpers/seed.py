"""Make runs repeatable.

    >>> from helpers.seed import set_seed
    >>> set_seed(0)
    0
"""

from __future__ import annotations

import os
import random


def set_seed(seed: int = 0, deterministic: bool = False) -> int:
    """Seed Python, NumPy and torch (CPU and every GPU); optionally ask for deterministic kernels.

    `deterministic=True` makes cuDNN pick reproducible algorithms (slower) and warns where an
    operation has no deterministic version. Returns the seed so it can be recorded.

    >>> import torch
    >>> first = set_seed(7), torch.rand(3)
    >>> second = set_seed(7), torch.rand(3)
    >>> first[0], torch.equal(first[1], second[1])
    (7, True)
    """
    import numpy as np
    import torch

    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    if deterministic:
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
        torch.use_deterministic_algorithms(True, warn_only=True)
    return seed


def seed_worker(worker_id: int) -> None:
    """`worker_init_fn` for DataLoader: give each worker its own NumPy/random seed from torch's.

    >>> import torch
    >>> loader = torch.utils.data.DataLoader(range(4), worker_init_fn=seed_worker,
    ...                                      generator=generator(0))
    """
    import numpy as np
    import torch

    worker_seed = torch.initial_seed() % 2**32
    np.random.seed(worker_seed)
    random.seed(worker_seed)


def generator(seed: int = 0):
    """Return a seeded `torch.Generator`, for DataLoader shuffling that repeats run to run.

    >>> import torch
    >>> torch.equal(torch.randperm(10, generator=generator(1)), torch.randperm(10, generator=generator(1)))
    True
    """
    import torch

    return torch.Generator().manual_seed(seed)
