"""The Go client step of `make demo`: start the gateway, `go get` the shop's Go module from its
GOPROXY in a fresh module (exactly the commands Vision shows), build a tiny program and call
the shop from Go over TCP and WebSocket."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import textwrap
import urllib.request
from pathlib import Path

from .._gateway import gateway

TITLE = "Go client: go get the shop's module from the gateway's GOPROXY, call it from Go"

CALLER = textwrap.dedent(
    """\
    package main

    import (
    \t"context"
    \t"errors"
    \t"fmt"
    \t"os"
    \t"time"

    \tshop "graftcode.dev/g/shop"
    )

    func main() {
    \tfor _, url := range os.Args[1:] {
    \t\tclient := shop.New(shop.WithURL(url))
    \t\tctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
    \t\tfmt.Println("    over", url)
    \t\tbooks, err := client.ListProducts(ctx, &shop.ListProductsOptions{Category: shop.Ptr(shop.CategoryBooks)})
    \t\tif err != nil {
    \t\t\tpanic(err)
    \t\t}
    \t\tfor _, p := range books {
    \t\t\tfmt.Printf("      %s  %-28s %6s  stock %d\\n", p.Sku, p.Name, p.Price, p.Stock)
    \t\t}
    \t\tcart, err := client.NewCart(ctx, "ann", nil)
    \t\tif err != nil {
    \t\t\tpanic(err)
    \t\t}
    \t\t_, _ = cart.Add(ctx, "B-1", &shop.CartAddOptions{Quantity: shop.Ptr[int64](2)})
    \t\t_ = cart.SetNote(ctx, "gift wrap")
    \t\ttotal, _ := cart.Total(ctx)
    \t\tnote, _ := cart.Note(ctx)
    \t\tfmt.Printf("      cart total: %s | note: %s\\n", total, note)
    \t\t_, err = cart.Add(ctx, "G-1", &shop.CartAddOptions{Quantity: shop.Ptr[int64](5)})
    \t\tvar oos *shop.OutOfStock
    \t\tif errors.As(err, &oos) {
    \t\t\tfmt.Printf("      OutOfStock caught in Go: sku=%s available=%d\\n", oos.Sku, oos.Available)
    \t\t}
    \t\torder, err := cart.Checkout(ctx, &shop.CartCheckoutOptions{Note: shop.Ptr("thanks")})
    \t\tif err != nil {
    \t\t\tpanic(err)
    \t\t}
    \t\tfmt.Printf("      order #%d: %d line(s), %s, status %s\\n", order.ID, len(order.Items), order.Total, order.Status)
    \t\t_ = cart.Close(ctx)
    \t\tcancel()
    \t\t_ = client.Close()
    \t}
    }
    """
)
LISTEN = ("--tcp", "127.0.0.1:0", "--ws", "127.0.0.1:0", "--http", "127.0.0.1:0")


def run(root: Path) -> int:
    """Print each step; returns 0 when the calls from Go worked (or Go is not installed)."""
    go = shutil.which("go")
    if go is None:
        print("  (skipped: Go 1.22+ is needed for the Go client)")
        return 0
    with tempfile.TemporaryDirectory(prefix="graftc-demo-go-") as tmp:
        work = Path(tmp)
        try:
            return _run(root, work, go)
        finally:  # the module cache is read-only; go itself removes it
            subprocess.run([go, "clean", "-modcache"], env=_env(work), capture_output=True)


def _env(work: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAFT", "GOPROXY"))}
    gopath = work / "gopath"
    env.update(GOPATH=str(gopath), GOMODCACHE=str(gopath / "pkg" / "mod"), GOTOOLCHAIN="local")
    env.update(extra)
    return env


def _run(root: Path, work: Path, go: str) -> int:
    shop = str(root / "examples/shop.py")
    with gateway(shop, *LISTEN, listeners=3) as urls:
        http = next(u for u in urls if u.startswith("http")).rstrip("/")
        print(
            f"  graftc serve examples/shop.py --tcp ... --ws ... --http ...   -> {' '.join(urls)}"
        )
        with urllib.request.urlopen(f"{http}/go", timeout=120) as r:
            shown = r.read().decode()  # what Vision's Go tab shows
        exports = [
            ln.removeprefix("export ") for ln in shown.splitlines() if ln.startswith("export ")
        ]
        get = next(ln for ln in shown.splitlines() if ln.startswith("go get "))
        env = _env(work, **dict(item.split("=", 1) for e in exports for item in e.split()))
        app = work / "app"
        app.mkdir()
        steps = [[go, "mod", "init", "example.com/app"], get.split()]
        for cmd in steps:
            print("  go " + " ".join(cmd[1:]))
            subprocess.run(cmd, cwd=app, env=env, check=True, capture_output=True)
        print("    (with " + " ".join(exports) + ")")
        (app / "main.go").write_text(CALLER)
        print("  go build   (main.go: shop.New(shop.WithURL(url)); ...)")
        subprocess.run([go, "build", "-o", "caller", "."], cwd=app, env=env, check=True)
        calls = [u for u in urls if not u.startswith("http")]
        return subprocess.run([str(app / "caller"), *calls], timeout=60).returncode
