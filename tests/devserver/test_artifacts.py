"""Wheels, tarballs (the targets' `package.py`) and the build ledger, checked byte-level
without any package manager."""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest
from graftc.devserver.ledger import BuildLedger, fingerprint
from graftc.targets.common.serving import RuntimeUnavailable
from graftc.targets.python.package import (
    WheelMetadata,
    build_wheel,
    requires_python,
    runtime_wheel,
    wheel_from_project,
)
from graftc.targets.typescript.package import (
    build_tarball,
    directory_files,
    retarget,
    runtime_tarball,
    with_package_json,
)
from graftcode_runtime import ugm

from .fixtures import calculator


def _check_record(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        record_name = next(n for n in names if n.endswith(".dist-info/RECORD"))
        rows = list(csv.reader(io.StringIO(zf.read(record_name).decode())))
        listed = {r[0] for r in rows}
        assert listed == set(names)  # every file is in RECORD, and nothing else
        for path, digest, size in rows:
            if path == record_name:
                assert digest == size == ""
                continue
            content = zf.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=")
            assert digest == "sha256=" + expected.decode()
            assert int(size) == len(content)
        return {n: zf.read(n) for n in names}


def test_wheel_has_a_valid_record_and_metadata() -> None:
    meta = WheelMetadata(
        "graft-calc",
        "1.0.0",
        summary="A\nclient",
        requires_python=">=3.11",
        requires_dist=("graftcode-runtime==0.1.0",),
    )
    wheel = build_wheel(
        meta, [("graft_calc/__init__.py", b"x = 1\n"), ("graft_calc/py.typed", b"")]
    )
    assert wheel.filename == "graft_calc-1.0.0-py3-none-any.whl"
    files = _check_record(wheel.data)
    metadata = files["graft_calc-1.0.0.dist-info/METADATA"].decode()
    assert "Name: graft-calc\n" in metadata and "Version: 1.0.0\n" in metadata
    assert "Requires-Dist: graftcode-runtime==0.1.0\n" in metadata
    assert "Summary: A client\n" in metadata  # headers stay on one line
    assert "Tag: py3-none-any" in files["graft_calc-1.0.0.dist-info/WHEEL"].decode()


def test_wheels_are_reproducible() -> None:
    meta = WheelMetadata("graft-calc", "1.0.0")
    files = [("graft_calc/__init__.py", b"x = 1\n")]
    assert build_wheel(meta, files).data == build_wheel(meta, list(reversed(files))).data


def test_wheel_from_a_generated_project_directory(tmp_path: Path) -> None:
    (tmp_path / "graft_calc").mkdir()
    (tmp_path / "graft_calc" / "__init__.py").write_text("x = 1\n")
    (tmp_path / "graft_calc" / "__pycache__").mkdir()
    (tmp_path / "graft_calc" / "__pycache__" / "x.pyc").write_bytes(b"junk")
    (tmp_path / "README.md").write_text("# hello\n")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "graft-calc"\nversion = "1.0.0"\nreadme = "README.md"\n'
        'dependencies = ["graftcode-runtime==0.1.0"]\n'
    )
    wheel = wheel_from_project(tmp_path, version="1.0.0.post1")
    assert wheel.filename == "graft_calc-1.0.0.post1-py3-none-any.whl"
    files = _check_record(wheel.data)
    assert "graft_calc/__init__.py" in files
    assert not any("__pycache__" in n for n in files)
    assert files["graft_calc-1.0.0.post1.dist-info/METADATA"].decode().endswith("# hello\n")
    assert requires_python(wheel) is None


def test_runtime_wheel_carries_the_installed_runtime() -> None:
    wheel = runtime_wheel()
    assert wheel.filename.startswith("graftcode_runtime-")
    files = _check_record(wheel.data)
    assert "graftcode_runtime/ugm.py" in files
    meta = next(v for k, v in files.items() if k.endswith("METADATA")).decode()
    assert "Requires-Dist: msgpack" in meta


@pytest.mark.node
def test_runtime_tarball_is_built_and_has_no_build_scripts() -> None:
    try:
        t = runtime_tarball()
    except RuntimeUnavailable as e:
        pytest.skip(f"TypeScript runtime not built: {e}")
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(t.data))) as tar:
        names = tar.getnames()
        f = tar.extractfile("package/package.json")
        assert f is not None
        doc = json.loads(f.read())
    assert "package/dist/node.js" in names and "package/dist/node.d.ts" in names
    assert doc["name"] == "graftcode-runtime" and "ws" in doc["dependencies"]
    assert "scripts" not in doc and "devDependencies" not in doc
    # its dependencies travel inside it, so no npm registry is needed to install it
    assert doc["bundleDependencies"] == sorted(doc["dependencies"])
    for dep in doc["dependencies"]:
        assert f"package/node_modules/{dep}/package.json" in names


def test_tarball_layout_and_package_json_rewrite(tmp_path: Path) -> None:
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "index.js").write_text("export {};\n")
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "node_modules" / "x" / "y.js").write_text("")
    (tmp_path / "notes.txt").write_text("not in files")
    (tmp_path / "package.json").write_text(
        json.dumps(
            {
                "name": "graft-calc",
                "version": "1.0.0",
                "files": ["dist"],
                "dependencies": {"graftcode-runtime": "^0.1.0", "other": "1"},
                "scripts": {"prepare": "tsc -p tsconfig.json"},
                "devDependencies": {"typescript": "^7.0.2"},
            }
        )
    )
    files = directory_files(tmp_path, ["dist"])
    assert sorted(n for n, _ in files) == ["dist/index.js", "package.json"]
    files = with_package_json(
        files,
        {"version": "1.0.0-build.1", "dependencies": {"graftcode-runtime": "http://h/rt.tgz"}},
    )
    t = build_tarball("graft-calc-1.0.0-build.1.tgz", files)
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(t.data))) as tar:
        assert sorted(tar.getnames()) == ["package/dist/index.js", "package/package.json"]
        f = tar.extractfile("package/package.json")
        assert f is not None
        doc = json.loads(f.read())
    assert doc["version"] == "1.0.0-build.1"
    assert doc["dependencies"] == {"graftcode-runtime": "http://h/rt.tgz", "other": "1"}
    # never built by npm as a tarball dependency; a `prepare` script only draws npm warnings
    assert "scripts" not in doc and "devDependencies" not in doc
    assert t.integrity.startswith("sha512-") and len(t.sha1) == 40
    assert build_tarball(t.filename, files).data == t.data  # reproducible
    # rewriting package.json in a built tarball gives what building it so would have
    plain = build_tarball(t.filename, with_package_json(directory_files(tmp_path, ["dist"]), {}))
    update = {"version": "1.0.0-build.1", "dependencies": {"graftcode-runtime": "http://h/rt.tgz"}}
    assert retarget(plain, update).data == t.data


def test_ledger_numbers_each_new_surface_and_survives_restarts(tmp_path: Path) -> None:
    path = tmp_path / "state" / "builds.json"
    first, second = fingerprint(calculator()), fingerprint(calculator(extra=True))
    ledger = BuildLedger(path)
    assert ledger.build_number("calculator", "1.0.0", first) == 0
    assert ledger.build_number("calculator", "1.0.0", second) == 1
    assert ledger.build_number("calculator", "1.0.0", first) == 0
    assert ledger.build_number("calculator", "2.0.0", second) == 0  # a new version starts over
    again = BuildLedger(path)  # a restarted gateway
    assert again.build_number("calculator", "1.0.0", second) == 1


def test_ledger_without_a_writable_file_still_numbers(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    ledger = BuildLedger(blocker / "sub" / "builds.json")  # cannot create a dir under a file
    assert ledger.build_number("m", "1", "a") == 0
    assert ledger.build_number("m", "1", "b") == 1


def test_fingerprint_sees_docs_but_not_positions_or_version() -> None:
    m = calculator()
    assert fingerprint(m) == fingerprint(ugm.Module(m.name, "9.9.9", m.decls, m.doc))
    assert fingerprint(m) != fingerprint(ugm.Module(m.name, m.version, m.decls, "new doc"))
