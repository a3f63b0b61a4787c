"""Course-wide settings kept in one place (repository address, cache folder, environment variables)."""

from __future__ import annotations

import os
from pathlib import Path

#: The course's GitHub repository ("owner/name"). Badges, the Colab setup cell and Binder links
#: are all generated from this one setting: change it here and run `python -m helpers build`.
REPOSITORY = "finetune-course/finetune-zero-to-hero"
BRANCH = "main"

ENV_PROFILE = "COURSE_PROFILE"
ENV_OFFLINE = "COURSE_OFFLINE"
ENV_CACHE = "COURSE_CACHE"
ENV_RESULTS = "COURSE_RESULTS_DIR"


def repository_url() -> str:
    """Return the https address of the course repository.

    >>> repository_url().startswith("https://github.com/")
    True
    """
    return f"https://github.com/{REPOSITORY}"


def cache_dir() -> Path:
    """Return the asset cache folder (``$COURSE_CACHE`` or ``~/.cache/finetune-course``).

    >>> cache_dir().name in {"finetune-course"} or "COURSE_CACHE" in os.environ
    True
    """
    folder = os.environ.get(ENV_CACHE) or Path.home() / ".cache" / "finetune-course"
    return Path(folder).expanduser()


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"", "0", "false", "no", "off"}


def flag(name: str) -> bool:
    """Read an on/off environment variable the one way the course does: 1/true/yes/on is on.

    Unset, empty, 0/false/no/off are off, so ``TQDM_DISABLE=0`` disables nothing; any other
    value is an error that names the variable (a typo should not silently mean "off").

    >>> os.environ["COURSE_EXAMPLE_FLAG"] = "0"; flag("COURSE_EXAMPLE_FLAG")
    False
    >>> os.environ["COURSE_EXAMPLE_FLAG"] = "Yes"; flag("COURSE_EXAMPLE_FLAG")
    True
    """
    value = os.environ.get(name, "").strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ValueError(f"{name}={os.environ[name]!r} is not an on/off value: use 1 or 0.")


def offline_forced() -> bool:
    """Return True when ``COURSE_OFFLINE`` is on (see `flag`).

    >>> isinstance(offline_forced(), bool)
    True
    """
    return flag(ENV_OFFLINE)


def repo_root() -> Path:
    """Return the course repository's root folder (the one holding ``solutions/`` and ``labs/``).

    >>> (repo_root() / "helpers" / "config.py").exists()
    True
    """
    return Path(__file__).resolve().parent.parent
