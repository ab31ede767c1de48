"""The Python client step of `make demo`: export the example shop, build its client, start the
gateway, call the shop through the client in another process, print what came back."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from .._gateway import gateway

TITLE = "Python client: export the shop, build its client, serve it, call it"

CALLER = textwrap.dedent(
    """\
    from graft_shop import Cart, Category, OutOfStock, shop

    for p in shop.list_products(Category.BOOKS):
        print(f"    {p.sku}  {p.name:<28} {p.price:>6}  stock {p.stock}")
    print("    price_of('B-2', 3) =", shop.price_of("B-2", 3))
    with Cart("ann") as cart:
        cart.add("B-1", 2)
        cart.note = "gift wrap"
        print("    cart total:", cart.total, "| note:", cart.note)
        try:
            cart.add("G-1", 5)
        except OutOfStock as e:
            print(f"    OutOfStock raised on the caller: sku={e.sku} available={e.available}")
        order = cart.checkout("thanks")
        print(f"    order #{order.id}: {len(order.items)} line(s), {order.total}, {order.status.name}")
    """
)


def run(root: Path) -> int:
    """Print each step; returns 0 when the call through the generated client worked."""
    with tempfile.TemporaryDirectory(prefix="graftc-demo-") as tmp:
        return _run(root, Path(tmp))


def _run(root: Path, work: Path) -> int:
    from graftc import idl
    from graftc.cli import main as graftc
    from graftcode_runtime.introspect import export_module, load_module

    graft = work / "shop.graft"
    graft.write_text(
        idl.print_module(export_module(load_module(str(root / "examples/shop.py"))).module)
    )
    print(f"  graftc export examples/shop.py > {graft}")
    project = work / "graft-shop"
    graftc(["build", str(graft), "--target", "python", "-o", str(project)])
    print(f"  graftc build {graft.name} --target python -o {project}")
    shop = str(root / "examples/shop.py")
    with gateway(shop, "--tcp", "127.0.0.1:0") as (url,):
        print(f"  graftc serve examples/shop.py --tcp 127.0.0.1:0   -> {url}")
        print("  python caller.py   (from graft_shop import shop, Cart; ...)")
        script = work / "caller.py"
        script.write_text(CALLER)
        env = {**os.environ, "GRAFT_SHOP_URL": url, "PYTHONPATH": str(project)}
        result = subprocess.run([sys.executable, str(script)], env=env, timeout=60)
        return result.returncode
