"""The TypeScript target's model and templates, without Node: names, signatures, docs, and the
positioned errors for surfaces TypeScript cannot express."""

from __future__ import annotations

from pathlib import Path

import pytest
from graftc import idl, targets
from graftc.diagnostics import DiagnosticError
from graftc.targets.typescript import TARGET, lower, render

ROOT = Path(__file__).resolve().parents[2]


def _model(text: str, tmp_path: Path) -> str:
    path = tmp_path / "m.graft"
    path.write_text(text)
    module = idl.load(str(path))
    model = lower(module, targets.TargetOptions(source=text, source_file=str(path)))
    return render(model)["src/index.ts"]


def test_registry_finds_the_target() -> None:
    assert targets.get("typescript") is TARGET


def test_sketch_surface(tmp_path: Path) -> None:
    ts = _model((ROOT / "docs" / "idl-sketch.graft").read_text(), tmp_path)
    # enums as const objects + value unions; records with Init twins, camelCase fields
    assert 'BOOKS: "books",' in ts and "export type Category = (typeof Category)" in ts
    assert "export interface LineItem {" in ts and "unitPrice: string;" in ts
    assert "export interface OrderInit {" in ts and "status?: OrderStatus;" in ts
    # errors: hierarchy and fields
    assert "export class OutOfStock extends ShopError {" in ts
    assert "export class ShopError extends RemoteError {" in ts
    assert "readonly available: number;" in ts
    # positional-only + keyword-only parameters: positional args, then an options object
    assert (
        "async checksum(data: Uint8Array, options?: ShopChecksumOptions): Promise<Uint8Array>" in ts
    )
    assert 'kind: "positional"' in ts and "seed?: number;" in ts
    # docs, deprecation, since
    assert "@deprecated use list_products" in ts and "@since 1.0.0" in ts
    assert "@throws {@link NotFound}" in ts
    # classes: constructor, statics, properties as get/set methods
    assert "async create(customer: string, options?: CartCreateOptions): Promise<Cart>" in ts
    assert "async withItems(" in ts and "async setNote(value: string" in ts
    assert "async getItems(options?: CallOptions): Promise<LineItem[]>" in ts
    # recursion through optional and list
    assert "children: Node[];" in ts and "parent: Node | null;" in ts


def test_reserved_member_names_are_renamed(tmp_path: Path) -> None:
    ts = _model(
        'module m version "1.0.0";\n'
        "class Thing {\n    constructor();\n    fn close() -> int;\n    fn then(default: int) -> int;\n}\n",
        tmp_path,
    )
    assert "async close_(options?: CallOptions)" in ts
    assert "async then_(default_: number, options?: CallOptions)" in ts
    assert 'member: "then"' in ts and 'wire: "default"' in ts


def test_keyword_clashing_with_call_options_is_a_positioned_error(tmp_path: Path) -> None:
    with pytest.raises(DiagnosticError) as e:
        _model('module m version "1.0.0";\nservice m {\n    fn f(*, signal: int);\n}\n', tmp_path)
    d = e.value.diagnostics[0]
    assert d.line == 3 and "signal" in d.message


def test_fields_colliding_after_camel_case_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DiagnosticError) as e:
        _model('module m version "1.0.0";\nrecord R {\n    a_b: int;\n    aB: int;\n}\n', tmp_path)
    assert "aB" in e.value.diagnostics[0].message


def test_error_field_hiding_an_error_property_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DiagnosticError) as e:
        _model('module m version "1.0.0";\nerror Bad {\n    message: str;\n}\n', tmp_path)
    assert "message" in e.value.diagnostics[0].message


def test_package_files_and_names(tmp_path: Path) -> None:
    text = 'module my.mod version "2.0.0";\nservice mod {\n    fn ping();\n}\n'
    path = tmp_path / "m.graft"
    path.write_text(text)
    model = lower(idl.load(str(path)), targets.TargetOptions(default_url="ws://h:1/"))
    files = render(model)
    assert set(files) == {"package.json", "tsconfig.json", "README.md", "src/index.ts"}
    assert '"name": "graft-my-mod"' in files["package.json"]
    assert '"graftcode-runtime": "^0.1.0"' in files["package.json"]
    assert "GRAFT_MY_MOD_URL" in files["README.md"]
    assert 'export const DEFAULT_URL: string | undefined = "ws://h:1/";' in files["src/index.ts"]
    assert "async ping(options?: CallOptions): Promise<void>" in files["src/index.ts"]


def test_top_level_name_clashes_are_positioned_errors(tmp_path: Path) -> None:
    with pytest.raises(DiagnosticError) as e:
        _model(
            'module m version "1.0.0";\nrecord Client {\n    a: int;\n}\n'
            "class Box {\n    constructor();\n}\nrecord BoxClass {\n    b: int;\n}\n",
            tmp_path,
        )
    messages = [(d.line, d.message) for d in e.value.diagnostics]
    assert any(line == 2 and "'Client'" in msg for line, msg in messages), messages
    assert any("'BoxClass'" in msg for _, msg in messages), messages


def test_shadowing_a_global_the_code_uses_is_refused_but_error_is_fine(tmp_path: Path) -> None:
    ts = _model('module m version "1.0.0";\nerror Error {\n    why: str;\n}\n', tmp_path)
    assert "export class Error extends RemoteError {" in ts
    with pytest.raises(DiagnosticError) as e:
        _model('module m version "1.0.0";\nrecord Map {\n    a: int;\n}\n', tmp_path)
    assert "standard library" in e.value.diagnostics[0].message


@pytest.mark.parametrize("name", ["Bad Name", "UPPER", ".hidden", "_x", "a" * 215])
def test_package_name_must_be_an_npm_name(name: str, tmp_path: Path) -> None:
    path = tmp_path / "m.graft"
    path.write_text('module mod version "2.0.0";\nservice mod {\n    fn ping();\n}\n')
    with pytest.raises(DiagnosticError, match="is not an npm package name"):
        lower(idl.load(str(path)), targets.TargetOptions(package_name=name))


@pytest.mark.parametrize("name", ["shop-client", "@acme/shop", "a.b_c~d"])
def test_scoped_and_plain_npm_names_are_accepted(name: str, tmp_path: Path) -> None:
    path = tmp_path / "m.graft"
    path.write_text('module mod version "2.0.0";\nservice mod {\n    fn ping();\n}\n')
    model = lower(idl.load(str(path)), targets.TargetOptions(package_name=name))
    assert f'"name": "{name}"' in render(model)["package.json"]


def test_a_positional_parameter_named_options_is_renamed(tmp_path: Path) -> None:
    # the generated signature ends with its own `options` (keywords and call options)
    ts = _model(
        'module m version "1.0.0";\nservice m {\n    fn f(options: int, *, limit: int = 1);\n}\n'
        "class C {\n    constructor(options: str);\n}\n",
        tmp_path,
    )
    assert "async f(options_: number, options?: MFOptions): Promise<void>" in ts
    assert "[options_], options)" in ts
    assert "async create(options_: string, options?: CallOptions): Promise<C>" in ts
    assert '{ name: "options_", wire: "options", kind: "either"' in ts
