"""Helpers for the Fine-Tuning, Zero to Hero course.

The names below load their module on first use, so `import helpers` stays fast:

    >>> import helpers
    >>> helpers.current_profile().name in {"full", "cpu", "smoke"}
    True
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> (module, attribute)
_EXPORTS = {
    "start": ("helpers.lab", "start"),
    "system_report": ("helpers.device", "system_report"),
    "detect_device": ("helpers.device", "detect"),
    "current_profile": ("helpers.profile", "current"),
    "set_seed": ("helpers.seed", "set_seed"),
    "seed_worker": ("helpers.seed", "seed_worker"),
    "record": ("helpers.results", "record"),
    "resolve_asset": ("helpers.assets", "resolve"),
    "asset_meta": ("helpers.assets", "read_meta"),
    "check": ("helpers.checks", "check"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        module, attribute = _EXPORTS[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_EXPORTS))
