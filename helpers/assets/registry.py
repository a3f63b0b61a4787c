"""The asset registry: named models and datasets, registered by the domain modules that use them.

    >>> from helpers.assets import registry
    >>> "cifar10" in registry.names()          # discovered by importing every domain module
    True
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

DOMAINS_PACKAGE = "helpers.domains"  # every module in it registers its assets when imported


class UnknownAssetError(KeyError):
    """An asset name that is not in the registry.

    >>> get("no-such-asset")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    helpers.assets.registry.UnknownAssetError: Unknown asset 'no-such-asset'. Known assets: ...
    """

    def __str__(self) -> str:
        return self.args[0]


class AssetUnavailableError(RuntimeError):
    """Neither the cache, the network nor a stand-in could provide the asset.

    >>> from unittest import mock
    >>> from helpers.assets import resolve
    >>> _ = register(Asset(name="demo-unavailable", kind="dataset", description="a demo"))
    >>> with mock.patch.dict("os.environ", {"COURSE_PROFILE": "cpu"}):
    ...     resolve("demo-unavailable")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    helpers.assets.registry.AssetUnavailableError: asset demo-unavailable: it has no online source, and it has no offline stand-in. ...
    >>> del REGISTRY["demo-unavailable"]  # a demo: do not leave it registered
    """


@dataclass(frozen=True)
class Asset:
    """One named model or dataset: how to fetch the real thing, and what stands in offline.

    `fetch(folder)` puts the real files into `folder` (the cache entry); `probe_url` is a
    host checked (3 s) before trying, so a dead network falls back at once. `files` pins
    ``{filename: sha256}`` where the checksums are known ahead; otherwise they are taken
    at download time and checked on every later use. `standin()` returns the local path
    of the stand-in.

    >>> Asset(name="demo", kind="dataset", description="a demo").standin is None
    True
    """

    name: str
    kind: str
    description: str
    fetch: Callable[[Path], None] | None = None
    probe_url: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    standin: Callable[[], Path] | None = None
    standin_description: str = ""


@dataclass(frozen=True)
class Resolved:
    """The outcome of `resolve`: where the asset is, which source gave it, and why.

    >>> str(Resolved("demo", Path("/tmp/demo"), "cache", "a demo", "found in the cache"))
    'asset demo: cache — a demo (found in the cache)'
    """

    name: str
    path: Path
    source: str  # "cache", "online" or "stand-in"
    used: str    # what was actually loaded, in words
    reason: str

    def __fspath__(self) -> str:
        return str(self.path)

    def __str__(self) -> str:
        return f"asset {self.name}: {self.source} — {self.used} ({self.reason})"


REGISTRY: dict[str, Asset] = {}
_DISCOVERED: list[bool] = []


def register(asset: Asset) -> Asset:
    """Add (or replace) an asset in the registry; domain modules call this when imported.

    >>> register(Asset(name="demo-asset", kind="dataset", description="a demo")).name
    'demo-asset'
    >>> del REGISTRY["demo-asset"]  # a demo without a stand-in: do not leave it registered
    """
    REGISTRY[asset.name] = asset
    return asset


def discover() -> None:
    """Import every module of ``helpers.domains`` once, so each registers its assets.

    >>> discover(); "emotion" in REGISTRY
    True
    """
    if _DISCOVERED:
        return
    package = importlib.import_module(DOMAINS_PACKAGE)
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{DOMAINS_PACKAGE}.{module.name}")
    _DISCOVERED.append(True)


def names() -> list[str]:
    """Return the registered asset names, sorted.

    >>> "resnet18-imagenet" in names()
    True
    """
    discover()
    return sorted(REGISTRY)


def get(name: str) -> Asset:
    """Return the registered asset `name`, or raise `UnknownAssetError` listing the known ones.

    >>> get("cifar10").kind
    'dataset'
    """
    if name not in REGISTRY:
        discover()
    if name not in REGISTRY:
        raise UnknownAssetError(f"Unknown asset {name!r}. Known assets: {', '.join(names())}.")
    return REGISTRY[name]
