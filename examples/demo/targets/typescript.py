"""The TypeScript client step of `make demo`: build the example shop's npm package, compile it
against the runtime, start the gateway, call the shop from Node over WebSocket and TCP."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import textwrap
from pathlib import Path

from .._gateway import gateway

TITLE = "TypeScript client: build the shop's npm package, call the gateway from Node"

CALLER = textwrap.dedent(
    """\
    import { connect, Category, OutOfStock } from "./graft-shop/dist/index.js";

    for (const url of process.argv.slice(2)) {
      const client = await connect({ url });
      console.log(`    over ${url}`);
      for (const p of await client.shop.listProducts(Category.BOOKS)) {
        console.log(`      ${p.sku}  ${p.name.padEnd(28)} ${p.price.padStart(6)}  stock ${p.stock}`);
      }
      console.log("      priceOf('B-2', 3) =", await client.shop.priceOf("B-2", 3));
      const cart = await client.Cart.create("ann");
      await cart.add("B-1", 2);
      await cart.setNote("gift wrap");
      console.log(`      cart total: ${await cart.getTotal()} | note: ${await cart.getNote()}`);
      try {
        await cart.add("G-1", 5);
      } catch (e) {
        if (e instanceof OutOfStock) console.log(`      OutOfStock caught in Node: sku=${e.sku} available=${e.available}`);
        else throw e;
      }
      const order = await cart.checkout("thanks");
      console.log(`      order #${order.id}: ${order.items.length} line(s), ${order.total}, status ${order.status}`);
      await cart.close();
      await client.close();
    }
    """
)


LISTEN = ("--tcp", "127.0.0.1:0", "--ws", "127.0.0.1:0")


def run(root: Path) -> int:
    """Print each step; returns 0 when the calls from Node worked (or Node is not installed)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        print("  (skipped: Node.js 20+ and npm are needed for the TypeScript client)")
        return 0
    with tempfile.TemporaryDirectory(prefix="graftc-demo-ts-") as tmp:
        return _run(root, Path(tmp))


def _run(root: Path, work: Path) -> int:
    from graftc.cli import main as graftc

    runtime = root / "runtime" / "typescript"
    if not (runtime / "node_modules" / "@msgpack").is_dir():
        print("  bash scripts/setup-node.sh   (npm packages for the TypeScript runtime)")
        subprocess.run(["bash", str(root / "scripts" / "setup-node.sh")], cwd=root, check=True)
    tsc = runtime / "node_modules" / ".bin" / "tsc"
    subprocess.run([str(tsc), "-p", "tsconfig.json"], cwd=runtime, check=True)
    project = work / "graft-shop"
    shop = str(root / "examples/shop.py")
    code = graftc(["build", "--from-module", shop, "--target", "typescript", "-o", str(project)])
    if code != 0:
        return code
    print(f"  graftc build --from-module examples/shop.py --target typescript -o {project}")
    (project / "node_modules").mkdir()
    (project / "node_modules" / "graftcode-runtime").symlink_to(runtime)
    subprocess.run([str(tsc), "-p", "tsconfig.json"], cwd=project, check=True)
    print("  tsc -p graft-shop   (ESM + .d.ts, against graftcode-runtime)")
    with gateway(shop, *LISTEN, listeners=2) as urls:
        print(f"  graftc serve examples/shop.py --tcp ... --ws ...   -> {' '.join(urls)}")
        print("  node caller.mjs   (import { connect } from 'graft-shop'; ...)")
        script = work / "caller.mjs"
        script.write_text(CALLER)
        ws = next(u for u in urls if u.startswith("ws"))
        tcp = next(u for u in urls if u.startswith("tcp"))
        result = subprocess.run(
            ["node", str(script), ws, tcp], cwd=work, env=os.environ, timeout=60
        )
        return result.returncode
