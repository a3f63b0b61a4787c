"""Run profiles: one notebook, three sizes (``full`` on a GPU, ``cpu`` without one, ``smoke`` in tests).

Notebooks read sizes from the active profile instead of hard-coding them:

    >>> from helpers import profile
    >>> P = profile.get("smoke")
    >>> P.epochs, P.pick(full=50_000, cpu=5_000, smoke=200)
    (1, 200)
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

from helpers.config import ENV_PROFILE, offline_forced


@dataclass(frozen=True)
class Profile:
    """The sizes of one profile; the same code path runs in every profile, only these change.

    >>> P = PROFILES["cpu"]
    >>> P.name, P.epochs, P.use_standins
    ('cpu', 2, False)
    """

    name: str
    description: str
    epochs: int             # passes over the training subset
    train_size: int | None  # training examples per lab (None: the whole dataset)
    eval_size: int | None   # evaluation examples per lab (None: the whole split)
    batch_size: int
    image_size: int         # pixels per side for vision labs
    max_length: int         # tokens per text example for NLP labs
    time_limit_s: int       # per training run where a library takes a limit (AutoGluon, YOLO)
    notebook_budget_s: int  # what the whole notebook should take in this profile
    use_standins: bool      # use the offline stand-in assets instead of real downloads

    def pick(self, *, full, cpu, smoke):
        """Return the value given for this profile: `P.pick(full=50_000, cpu=5_000, smoke=200)`.

        >>> PROFILES["cpu"].pick(full=50_000, cpu=5_000, smoke=200)
        5000
        """
        return {"full": full, "cpu": cpu, "smoke": smoke}[self.name]

    def table(self) -> str:
        """Return the profile as a small two-column text table.

        >>> lines = PROFILES["smoke"].table().splitlines()
        >>> lines[0].split(), lines[2].split(), len(lines)
        (['name', 'smoke'], ['epochs', '1'], 11)
        """
        rows = asdict(self)
        width = max(len(key) for key in rows)
        return "\n".join(f"{key:<{width}}  {value}" for key, value in rows.items())


PROFILES: dict[str, Profile] = {
    "full": Profile(
        name="full", description="a GPU: real models and datasets (free Colab T4: ≤ 10 min per lab)",
        epochs=3, train_size=None, eval_size=None, batch_size=32, image_size=224, max_length=128,
        time_limit_s=300, notebook_budget_s=600, use_standins=False,
    ),
    "cpu": Profile(
        name="cpu", description="no GPU: real models and data, subsets, fewer epochs (≤ 15 min on a laptop)",
        epochs=2, train_size=2_000, eval_size=500, batch_size=16, image_size=96, max_length=64,
        time_limit_s=120, notebook_budget_s=900, use_standins=False,
    ),
    "smoke": Profile(
        name="smoke", description="tests and CI: offline stand-ins, tiny data (≤ 60 s on 2 cores)",
        epochs=1, train_size=256, eval_size=128, batch_size=32, image_size=32, max_length=32,
        time_limit_s=10, notebook_budget_s=60, use_standins=True,
    ),
}


class UnknownProfileError(ValueError):
    """Raised for a profile name that is not one of PROFILES.

    >>> get("huge")
    Traceback (most recent call last):
    ...
    helpers.profile.UnknownProfileError: Unknown profile 'huge': choose one of full, cpu, smoke (set COURSE_PROFILE).
    """


def get(name: str) -> Profile:
    """Return the profile called `name` ('full', 'cpu' or 'smoke'), or raise a clear error.

    >>> get("cpu").name
    'cpu'
    """
    key = name.strip().lower()
    if key not in PROFILES:
        valid = ", ".join(PROFILES)
        raise UnknownProfileError(f"Unknown profile {name!r}: choose one of {valid} (set {ENV_PROFILE}).")
    return PROFILES[key]


def automatic() -> Profile:
    """Return the profile the hardware suggests: 'full' with a CUDA GPU, else 'cpu'.

    >>> automatic().name in {"full", "cpu"}
    True
    """
    import torch

    return PROFILES["full" if torch.cuda.is_available() else "cpu"]


def current() -> Profile:
    """Return the active profile: ``$COURSE_PROFILE`` when set, otherwise `automatic()`.

    >>> current().name in PROFILES
    True
    """
    name = os.environ.get(ENV_PROFILE, "").strip()
    return get(name) if name else automatic()


def offline() -> bool:
    """True when assets must not be fetched online: ``COURSE_OFFLINE=1`` or the smoke profile.

    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"COURSE_PROFILE": "smoke", "COURSE_OFFLINE": "0"}):
    ...     offline()
    True
    >>> with mock.patch.dict(os.environ, {"COURSE_PROFILE": "cpu", "COURSE_OFFLINE": "0"}):
    ...     offline()
    False
    """
    return offline_forced() or current().use_standins
