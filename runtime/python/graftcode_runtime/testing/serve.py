"""`python -m graftcode_runtime.testing.serve CONFIG_JSON MODULE...`: the process behind
`GatewayProcess`. Prints `LISTENING <url>` per listener; stops on SIGTERM."""

from __future__ import annotations

import json
import sys
from typing import Any

from ..gateway import GatewayConfig, load_modules, run_gateway


def main(argv: list[str]) -> None:
    raw: dict[str, Any] = json.loads(argv[0])
    fields: dict[str, Any] = {}
    for key, value in raw.items():  # JSON has no tuples
        fields[key] = tuple(value) if isinstance(value, list) else value
    config = GatewayConfig(**fields)
    local = ("127.0.0.1", 0)
    run_gateway(
        load_modules(argv[1:]),
        config,
        tcp=local,
        ws=local,
        http=local,
        on_listen=lambda url: print("LISTENING", url, flush=True),
    )


if __name__ == "__main__":
    main(sys.argv[1:])
