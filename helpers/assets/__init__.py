"""Named models and datasets, resolved cache → online source → honest offline stand-in.

Each domain module (``helpers.domains.*``) registers the assets it needs when imported; the
registry finds them all. A notebook asks for one by name and is told which source was used:

    >>> from helpers import assets
    >>> "bert-base-uncased" in assets.names()
    True
    >>> assets.resolve("bert-base-uncased").source  # doctest: +ELLIPSIS
    asset bert-base-uncased: stand-in — all-MiniLM-L6-v2 ... (smoke profile uses offline stand-ins)
    'stand-in'

The rooms: `registry` (what exists), `cache` (sha256 manifests, ``meta.json``), `downloads`
(resumable, checked), `sources` (`resolve`: cache → online → stand-in).
"""

from helpers.assets.cache import cached_standin, entry, read_meta, verify, write_meta
from helpers.assets.downloads import ChecksumError, download, reachable, sha256_of
from helpers.assets.registry import (
    Asset,
    AssetUnavailableError,
    Resolved,
    UnknownAssetError,
    get,
    names,
    register,
)
from helpers.assets.sources import HUB_URL, fetch_hub, fetch_url, resolve

__all__ = [
    "HUB_URL", "Asset", "AssetUnavailableError", "ChecksumError", "Resolved", "UnknownAssetError",
    "cached_standin", "download", "entry", "fetch_hub", "fetch_url", "get", "names", "reachable",
    "read_meta", "register", "resolve", "sha256_of", "verify", "write_meta",
]
