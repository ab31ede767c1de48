"""The compiler's wheel: the grammar travels as package data, the demo stays out."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_wheel_carries_its_grammar_and_parses_without_the_repository(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path), str(ROOT)],
        check=True,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("graftcode-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        z.extractall(tmp_path / "site")
    assert "graftc/graft.lark" in names
    assert not [n for n in names if n.split("/")[0] in ("examples", "tests", "grammar", "demo")]
    # -S: no .pth files, so graftc comes from the unpacked wheel, never from this checkout
    path = [tmp_path / "site", ROOT / "runtime/python", Path(sysconfig.get_paths()["purelib"])]
    code = (
        "import graftc, graftc.idl; assert graftc.__file__.startswith({!r}), graftc.__file__; "
        "print(graftc.idl.parse('module m version \"1.0.0\";\\nrecord R {{ a: int; }}\\n').name)"
    ).format(str(tmp_path / "site"))
    out = subprocess.run(
        [sys.executable, "-S", "-c", code],
        env={"PYTHONPATH": ":".join(map(str, path))},
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "m"
