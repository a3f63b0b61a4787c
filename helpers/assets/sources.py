"""Resolve a named asset: cache → real source online → announced offline stand-in.

    >>> found = resolve("cifar10", verbose=False)    # the smoke profile uses the stand-in
    >>> found.source
    'stand-in'
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from helpers import profile
from helpers.assets.cache import entry, from_cache, write_manifest
from helpers.assets.downloads import download, reachable
from helpers.assets.registry import Asset, AssetUnavailableError, Resolved, get
from helpers.config import ENV_OFFLINE, offline_forced

HUB_URL = "https://huggingface.co"


def from_online(asset: Asset) -> tuple[Path | None, str]:
    """Download `asset` into its cache entry (staged, then moved in); return (folder or None, why).

    >>> from_online(Asset(name="demo", kind="dataset", description="no source"))
    (None, 'it has no online source')
    """
    if asset.fetch is None:
        return None, "it has no online source"
    if offline_forced():
        return None, f"{ENV_OFFLINE}=1"
    if asset.probe_url and not reachable(asset.probe_url):
        return None, f"no network: {asset.probe_url} did not answer within 3 s"
    folder = entry(asset.name)
    staging = folder.with_name(folder.name + ".partial")
    staging.mkdir(parents=True, exist_ok=True)
    try:
        asset.fetch(staging)
        write_manifest(staging, asset.files)
    except Exception as error:  # any failure online means: fall back, keep the partial files
        return None, f"download failed: {type(error).__name__}: {str(error)[:200]}"
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(staging, folder)
    return folder, "downloaded and cached"


def resolve(name: str, verbose: bool = True) -> Resolved:
    """Return the local path of asset `name` and say (print) which source provided it and why.

    In the `smoke` profile the stand-in is used, always. Otherwise the cache (sha256-checked),
    then the real source online unless ``COURSE_OFFLINE=1`` or the network is down, then the
    stand-in; an asset without one stops with a message that says what to do.

    >>> print(resolve("cifar10"))  # doctest: +ELLIPSIS
    asset cifar10: stand-in — scikit-learn's real handwritten digits ... (smoke profile uses offline stand-ins)
    ...
    """
    from helpers import results

    asset = get(name)
    path, source, used = None, "", asset.description
    if profile.current().use_standins:
        reason = f"{profile.current().name} profile uses offline stand-ins"
    else:
        path, reason = from_cache(asset)
        source = "cache"
        if path is None:
            path, reason = from_online(asset)
            source = "online"
    if path is None:
        if asset.standin is None:
            raise AssetUnavailableError(
                f"asset {name}: {reason}, and it has no offline stand-in. Connect to the internet "
                f"and rerun, or put its files in {entry(name)}."
            )
        path, source, used = Path(asset.standin()), "stand-in", asset.standin_description
    found = Resolved(name=name, path=Path(path), source=source, used=used, reason=reason)
    if verbose:
        print(found)
    used_so_far = results.load().get("assets", {})
    used_so_far[name] = {"source": source, "used": used, "reason": reason}
    results.record("assets", used_so_far)
    return found


def fetch_url(url: str, filename: str, sha256: str | None = None) -> Callable[[Path], None]:
    """Return a `fetch` that downloads one file (resumable, sha256-checked) into the entry.

    >>> callable(fetch_url("https://example.org/data.csv", "data.csv"))
    True
    """

    def fetch(folder: Path) -> None:
        download(url, folder / filename, sha256=sha256)

    return fetch


def fetch_hub(repo_id: str, allow_patterns: list[str] | None = None) -> Callable[[Path], None]:
    """Return a `fetch` that downloads a Hugging Face Hub repository snapshot into the entry.

    >>> callable(fetch_hub("bert-base-uncased", ["config.json"]))
    True
    """

    def fetch(folder: Path) -> None:
        from huggingface_hub import snapshot_download

        snapshot_download(repo_id=repo_id, local_dir=folder, allow_patterns=allow_patterns)

    return fetch
