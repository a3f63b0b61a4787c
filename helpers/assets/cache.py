"""The asset cache: one folder per asset, a sha256 manifest per folder, and its ``meta.json``.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_meta(folder, {"classes": ["cat", "dog"]}); write_manifest(folder, {})
    >>> verify(folder) is None, read_meta(folder)["classes"]
    (True, ['cat', 'dog'])
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from helpers.assets.downloads import ChecksumError, sha256_of
from helpers.config import cache_dir

MANIFEST = "MANIFEST.sha256.json"
META = "meta.json"  # what an asset folder holds: file names, classes, source…


def entry(name: str) -> Path:
    """Return the cache folder of asset `name` (it may not exist yet).

    >>> entry("cifar10").name
    'cifar10'
    """
    return cache_dir() / name


def write_meta(folder, meta: dict) -> None:
    """Write an asset folder's ``meta.json``: what it holds (file names, classes, source…).

    >>> import tempfile; write_meta(tempfile.mkdtemp(), {"weights": "model.pt"})
    """
    (Path(folder) / META).write_text(json.dumps(meta, indent=1))


def read_meta(asset) -> dict:
    """The ``meta.json`` of a resolved asset (or of an asset folder): the one way to read it.

    >>> import tempfile; folder = tempfile.mkdtemp(); write_meta(folder, {"width": 16})
    >>> read_meta(folder)["width"]
    16
    """
    return json.loads((Path(asset) / META).read_text())


def write_manifest(folder: Path, pinned: dict[str, str]) -> None:
    """Record the sha256 of every file in `folder`; fail if a `pinned` one differs.

    >>> import tempfile, pathlib; folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("a"); write_manifest(folder, {}); (folder / MANIFEST).exists()
    True
    """
    folder = Path(folder)
    sums = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            relative = path.relative_to(folder).as_posix()
            sums[relative] = sha256_of(path)
            if relative in pinned and pinned[relative] != sums[relative]:
                raise ChecksumError(f"{relative}: sha256 differs from the pinned value; not cached.")
    (folder / MANIFEST).write_text(json.dumps(sums, indent=1, sort_keys=True))


def verify(folder: Path) -> str | None:
    """Check a cache entry against its manifest; return None when intact, else what is wrong.

    >>> import tempfile, pathlib; verify(pathlib.Path(tempfile.mkdtemp()))
    'incomplete (no sha256 manifest)'
    """
    manifest = Path(folder) / MANIFEST
    if not manifest.exists():
        return "incomplete (no sha256 manifest)"
    for relative, expected in json.loads(manifest.read_text()).items():
        path = Path(folder) / relative
        if not path.exists():
            return f"{relative} is missing"
        if sha256_of(path) != expected:
            return f"{relative} fails its sha256 check"
    return None


def from_cache(asset) -> tuple[Path | None, str]:
    """Return (cache folder or None, why) for `asset`; a corrupt entry is removed, with a message.

    >>> from helpers.assets.registry import Asset
    >>> from_cache(Asset(name="never-cached-demo", kind="dataset", description="demo"))
    (None, 'not cached')
    """
    folder = entry(asset.name)
    if not folder.exists() or not any(folder.iterdir()):
        return None, "not cached"
    if not (folder / MANIFEST).exists():
        # Downloads are staged elsewhere and moved in with their manifest, so files without
        # one were put here by hand (e.g. copied from another machine): adopt them.
        try:
            write_manifest(folder, asset.files)
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


def cached_standin(key: str, build: Callable[[Path], None]) -> Path:
    """Return the folder of a stand-in the course makes itself, building it once under a lock.

    `build(folder)` writes the files; they are checked against their sha256 manifest on every
    later use, and rebuilt (with a message) when damaged. Two processes never build it at once.

    >>> key = f"doctest-demo-{os.getpid()}"
    >>> folder = cached_standin(key, lambda f: (f / "x.txt").write_text("x"))  # doctest: +ELLIPSIS
    stand-in doctest-demo-...: building it once (cached in ...).
    >>> cached_standin(key, lambda f: None) == folder  # built already: found, not rebuilt
    True
    >>> (folder / "x.txt").read_text()
    'x'
    >>> shutil.rmtree(folder); (folder.parent / f"{key}.lock").unlink()
    """
    import fcntl

    folder = cache_dir() / "standins" / key
    if folder.exists() and verify(folder) is None:
        return folder  # complete entries move in atomically, so reading one needs no lock (nor a writable cache)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        lock = open(folder.parent / f"{key}.lock", "w")
    except OSError as error:
        raise OSError(f"stand-in {key} is not built and the asset cache {cache_dir()} is not writable here "
                      f"({error.strerror}; the grading sandbox reads it read-only): run the lab once outside "
                      "it, or `make test`, to build it") from error
    with lock:
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
        write_manifest(staging, {})
        os.replace(staging, folder)
    return folder
