"""The first call of every notebook: choose the profile, seed, name the results file, report.

    >>> from helpers.lab import start
    >>> P = start("00_setup", profile_name="smoke", report=False)
    >>> P.name
    'smoke'
"""

from __future__ import annotations

import os

from helpers import profile, results
from helpers.config import ENV_PROFILE
from helpers.seed import set_seed


def start(lab: str, profile_name: str | None = None, seed: int = 0, report: bool = True):
    """Set up a lab run and return its `Profile`.

    `profile_name` (from the notebook's parameters cell) overrides ``$COURSE_PROFILE``; results
    recorded later go to ``<lab>.results.json``; every random generator is seeded with `seed`.

    >>> import tempfile
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"COURSE_RESULTS_DIR": tempfile.mkdtemp()}):
    ...     P = start("demo_lab", profile_name="smoke", seed=3, report=False)
    ...     recorded = results.load()
    >>> P.name, recorded["profile"], recorded["seed"]
    ('smoke', 'smoke', 3)
    """
    if profile_name:
        profile.get(profile_name)  # fail early, with the list of valid names
        os.environ[ENV_PROFILE] = profile_name
    active = profile.current()
    results.use(lab)
    results.record("profile", active.name)
    results.record("seed", set_seed(seed))
    if report:
        from helpers.device import system_report

        system_report()
        print(f"\nProfile '{active.name}': {active.description}")
    return active
