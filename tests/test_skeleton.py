"""The project skeleton: the command exists and the UGM's JSON form round-trips."""

from __future__ import annotations

import subprocess
import sys

from graftcode_runtime import ugm


def test_graftc_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "graftc.cli", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("graftc ")


def test_usage_error_exit_code_is_2() -> None:
    out = subprocess.run([sys.executable, "-m", "graftc.cli", "nope"], capture_output=True)
    assert out.returncode == 2


def test_ugm_json_round_trip_and_hash() -> None:
    m = ugm.Module(
        "shop",
        "1.0.0",
        (
            ugm.Record("P", (ugm.Field("b", ugm.Primitive("bytes"), ugm.BytesLit(b"\x00")),)),
            ugm.Service(
                "shop",
                (ugm.Method("f", (ugm.Param("x", ugm.Optional(ugm.Named("P")), ugm.NoneLit()),)),),
                doc="d",
            ),
        ),
    )
    again = ugm.loads(ugm.dumps(m))
    assert again == m
    # docs and version do not change the schema hash; a type does
    import dataclasses

    assert ugm.schema_hash(dataclasses.replace(m, doc="x", version="2.0.0")) == ugm.schema_hash(m)
    other = dataclasses.replace(m, decls=m.decls[:1])
    assert ugm.schema_hash(other) != ugm.schema_hash(m)
