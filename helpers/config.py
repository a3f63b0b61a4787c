"""Course-wide settings kept in one place (repository address, cache folder, environment variables)."""

from __future__ import annotations

import os
from pathlib import Path

#: The course's GitHub repository ("owner/name"). Badges, the Colab setup cell and Binder links
#: are all generated from this one setting: change it here and run `python -m helpers.build`.
REPOSITORY = "finetune-course/finetune-zero-to-hero"
BRANCH = "main"

ENV_PROFILE = "COURSE_PROFILE"
ENV_OFFLINE = "COURSE_OFFLINE"
ENV_CACHE = "COURSE_CACHE"
ENV_RESULTS = "COURSE_RESULTS_DIR"


def repository_url() -> str:
    """Return the https address of the course repository, e.g. 'https://github.com/o/r'."""
    return f"https://github.com/{REPOSITORY}"


def cache_dir() -> Path:
    """Return the asset cache folder (``$COURSE_CACHE`` or ``~/.cache/finetune-course``).

    >>> cache_dir().name in {"finetune-course"} or "COURSE_CACHE" in os.environ
    True
    """
    folder = os.environ.get(ENV_CACHE) or Path.home() / ".cache" / "finetune-course"
    return Path(folder).expanduser()


def offline_forced() -> bool:
    """Return True when ``COURSE_OFFLINE`` is set to a true value (1, true, yes)."""
    return os.environ.get(ENV_OFFLINE, "").strip().lower() in {"1", "true", "yes", "on"}
