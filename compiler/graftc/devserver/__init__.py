"""Development-time services of `graftc serve`: the Vision page and client packages served on
demand through each language's package manager, all built from the UGM the gateway runs.
`make_routes()` gives the gateway's HTTP route list; `DevServer` is the sans-IO core it wraps.

Nothing here knows a language: tabs, install commands, snippets, package routes and artifacts
come from the registered targets (`graftc.targets`), so adding a target changes nothing here.
"""

from graftc.devserver.http import DevServer
from graftc.devserver.ledger import BuildLedger, fingerprint
from graftc.devserver.routes import default_cache_dir, make_routes
from graftc.devserver.store import PackageStore
from graftc.devserver.vision import render_vision
from graftc.targets.common.serving import Endpoints, GenerationError, Reply, UnknownPackage
from graftc.targets.common.walk import members_of

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
