"""Development-time services of `graftc serve`: the Vision page and client packages served on
demand (a PEP 503/691 index with wheels, npm tarballs and packuments), all built from the UGM
the gateway runs. `routes()` gives the gateway's HTTP route list; `DevServer` is the sans-IO
core it wraps."""

from graftc.devserver.http import DevServer, Reply
from graftc.devserver.ledger import BuildLedger, fingerprint
from graftc.devserver.routes import default_cache_dir, make_routes
from graftc.devserver.store import GenerationError, PackageStore, UnknownPackage
from graftc.devserver.vision import Endpoints, members_of, render_vision

__all__ = [
    "BuildLedger",
    "DevServer",
    "Endpoints",
    "GenerationError",
    "PackageStore",
    "Reply",
    "UnknownPackage",
    "default_cache_dir",
    "fingerprint",
    "make_routes",
    "members_of",
    "render_vision",
]
