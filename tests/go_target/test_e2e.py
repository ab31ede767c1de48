"""End to end from Go: generated clients of the example shop and of a fixture module call a
`graftc serve` gateway (ephemeral ports) over TCP and over WebSocket: records, errors, unions
(both ways, a record member included), literal sets (one outside its set is refused before
sending) and tuples, deadlines, cancellation, configuration; and a client older than the
gateway's result union, which gets DATA_LOSS for the member it does not know."""

from __future__ import annotations

import os
from pathlib import Path

import gohelp
import pytest

from examples.demo._gateway import gateway

pytestmark = pytest.mark.slow
FIXTURE = Path(__file__).parent / "fixtures" / "gofixture.py"

PROGRAM = """\
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	graft "graftcode.dev/runtime"
	gofixture "graftcode.dev/g/gofixture"
	shop "graftcode.dev/g/shop"
)

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func main() {
	ctx := context.Background()
	url := os.Args[1]
	var s *shop.Client
	var f *gofixture.Client
	if url == "configured" { // the environment or graftcode.toml says where
		s, f = shop.New(), gofixture.New()
	} else {
		s, f = shop.New(shop.WithURL(url)), gofixture.New(gofixture.WithURL(url))
	}
	defer s.Close()
	defer f.Close()

	books, err := s.ListProducts(ctx, &shop.ListProductsOptions{Category: shop.Ptr(shop.CategoryBooks)})
	must(err)
	fmt.Println("books", len(books), books[0].Category, books[0].Category == shop.CategoryBooks)
	p, err := s.GetProduct(ctx, "B-1")
	must(err)
	fmt.Println("product", p.Sku, p.Price != "")

	cart, err := s.NewCart(ctx, "ann", nil)
	must(err)
	_, err = cart.Add(ctx, "B-1", &shop.CartAddOptions{Quantity: shop.Ptr[int64](2)})
	must(err)
	must(cart.SetNote(ctx, "gift"))
	note, err := cart.Note(ctx)
	must(err)
	items, err := cart.Items(ctx)
	must(err)
	fmt.Println("cart", note, len(items), items[0].Quantity)
	_, err = cart.Add(ctx, "G-1", &shop.CartAddOptions{Quantity: shop.Ptr[int64](500)})
	var oos *shop.OutOfStock
	var base *shop.ShopError
	fmt.Println("outofstock", errors.As(err, &oos), errors.As(err, &base), oos != nil && oos.Sku == "G-1")
	_, err = s.GetProduct(ctx, "nope")
	var nf *shop.NotFound
	fmt.Println("notfound", errors.As(err, &nf), nf != nil && nf.Sku == "nope")
	order, err := cart.Checkout(ctx, &shop.CartCheckoutOptions{Note: shop.Ptr("thanks")})
	must(err)
	fmt.Println("order", order.Status, order.Note != nil && *order.Note == "thanks")
	full, err := s.CartWithItems(ctx, "bob", map[string]int64{"B-1": 1})
	must(err)
	must(full.Close(ctx))

	rev, err := f.Reverse(ctx, []byte{1, 2, 3})
	must(err)
	fmt.Println("bytes", bytes.Equal(rev, []byte{3, 2, 1}))
	sq, err := f.Squares(ctx, 4)
	must(err)
	fmt.Println("map", len(sq), sq[3])
	none, err := f.Double(ctx, nil)
	must(err)
	two, err := f.Double(ctx, &gofixture.DoubleOptions{Value: gofixture.Ptr[int64](21)})
	must(err)
	fmt.Println("optional", none == nil, *two)
	day, err := f.NextDay(ctx, time.Date(2024, 2, 28, 0, 0, 0, 0, time.UTC))
	must(err)
	at, err := f.Later(ctx, time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600)))
	must(err)
	clock, err := f.Noon(ctx, time.Date(0, 1, 1, 8, 30, 15, 250000000, time.UTC))
	must(err)
	h, err := f.Half(ctx, "3.50")
	must(err)
	id, err := f.Same(ctx, "12345678-1234-5678-1234-567812345678")
	must(err)
	fmt.Println("time", day.Format("2006-01-02"), at.UTC().Format(time.RFC3339Nano), clock.Format("15:04:05.000"))
	fmt.Println("text", h, id)
	d, err := f.Longer(ctx, 90*time.Minute+1500*time.Nanosecond, nil)
	must(err)
	back, err := f.Longer(ctx, -time.Second, &gofixture.LongerOptions{By: gofixture.Ptr(250 * time.Millisecond)})
	must(err)
	fmt.Println("duration", d, back)
	moved, err := f.Move(ctx, gofixture.NewPoint(1), &gofixture.MoveOptions{Dx: gofixture.Ptr[int64](2)})
	must(err)
	labelled, err := f.Move(ctx, gofixture.Point{X: 5, Y: 7, Label: gofixture.Ptr("p")}, nil)
	must(err)
	fmt.Println("record", moved.X, moved.Y, moved.Label == nil, labelled.X, labelled.Y, *labelled.Label)
	got, err := f.Pick(ctx, gofixture.PickValueInt(3), nil)
	must(err)
	fmt.Println("union", got.V0, got.V1, got.V1 == gofixture.PickResultV1Int(3))
	pair := &gofixture.PickOptions{Unit: gofixture.Ptr(gofixture.PickUnitLb), Pair: &gofixture.PickPair{V0: 4, V1: "b"}}
	got, err = f.Pick(ctx, gofixture.PickValuePoint{X: 2, Y: 5}, pair)
	must(err)
	pt, isPoint := got.V1.(gofixture.PickResultV1Point)
	fmt.Println("union", got.V0, isPoint, pt.X, pt.Y)
	got, err = f.Pick(ctx, gofixture.PickValueStr("1.5"), nil)
	must(err)
	fl, isFloat := got.V1.(gofixture.PickResultV1Float)
	fmt.Println("union", got.V0, isFloat, fl)
	got, err = f.Pick(ctx, gofixture.PickValueStr(""), nil)
	must(err)
	fmt.Println("union none", got.V1 == nil)
	_, err = f.Pick(ctx, gofixture.PickValueInt(1), &gofixture.PickOptions{Unit: gofixture.Ptr(gofixture.PickUnit("g"))})
	fmt.Println("literal", graft.CodeOf(err), strings.Contains(fmt.Sprint(err), `PickUnit("g") is not one of`))
	_, err = f.Pick(ctx, nil, nil)
	fmt.Println("nil union", graft.CodeOf(err))
	_, err = f.Check(ctx, 11)
	var big *gofixture.TooBig
	var ge *graft.Error
	fmt.Println("declared", errors.As(err, &big), big != nil && big.Limit == 10, errors.As(err, &ge))

	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = f.Slow(short, 30)
	cancel()
	fmt.Println("deadline", graft.CodeOf(err), errors.Is(err, context.DeadlineExceeded))
	cctx, stop := context.WithCancel(ctx)
	go func() { time.Sleep(200 * time.Millisecond); stop() }()
	_, err = f.Slow(cctx, 30)
	fmt.Println("cancel", graft.CodeOf(err))

	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int64) {
			defer wg.Done()
			n, err := f.Check(ctx, i%10)
			if err == nil && n == i%10 {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}(int64(i))
	}
	wg.Wait()
	fmt.Println("concurrent", ok)
}
"""

EXPECTED = [
    "books 2 BOOKS true",
    "product B-1 true",
    "cart gift 1 2",
    "outofstock true true true",
    "notfound true true",
    "order PENDING true",
    "bytes true",
    "map 4 9",
    "optional true 42",
    "time 2024-02-29 2024-01-02T03:04:05.000005Z 12:30:15.250",
    "text 1.75 12345678-1234-5678-1234-567812345678",
    # 1.5µs is sent as 1µs (the wire's resolution), plus the default 1µs
    "duration 1h30m0.000002s -750ms",
    "record 3 0 true 6 7 p",
    "union int:kg 3 true",
    "union Point:lb:4b true 4 5",
    "union str:kg true 1.5",
    "union none true",
    "literal INVALID_ARGUMENT true",
    "nil union INVALID_ARGUMENT",
    "declared true true true",
    "deadline DEADLINE_EXCEEDED true",
    "cancel CANCELLED",
    "concurrent 200",
]


def test_go_calls_the_python_gateway_over_tcp_and_websocket(tmp_path: Path) -> None:
    go = gohelp.go_bin()
    shop = gohelp.build(gohelp.ROOT / "examples" / "shop.py", tmp_path / "shop")
    fixture = gohelp.build(FIXTURE, tmp_path / "gofixture")
    app = gohelp.consumer(tmp_path / "app", shop, "graftcode.dev/g/shop", PROGRAM)
    with open(app / "go.mod", "a") as f:
        f.write(
            f"require graftcode.dev/g/gofixture v0.0.0\n"
            f"replace graftcode.dev/g/gofixture => {fixture}\n"
        )
    binary = tmp_path / "caller"
    gohelp.run([go, "build", "-o", str(binary), "."], app)
    modules = (str(gohelp.ROOT / "examples" / "shop.py"), str(FIXTURE))
    with gateway(*modules, "--tcp", "127.0.0.1:0", "--ws", "127.0.0.1:0", listeners=2) as urls:
        for url in urls:
            out = gohelp.run([str(binary), url], tmp_path, timeout=120)
            assert out.splitlines() == EXPECTED, f"over {url}:\n{out}"
        # configuration, not code: the variables, then graftcode.toml, beat the baked default
        env = {k: v for k, v in os.environ.items() if not k.startswith("GRAFT")}
        variables = {**env, "GRAFT_SHOP_URL": urls[1], "GRAFT_GOFIXTURE_URL": urls[0]}
        out = gohelp.run([str(binary), "configured"], tmp_path, env=variables, timeout=120)
        assert out.splitlines() == EXPECTED
        (tmp_path / "graftcode.toml").write_text(
            f'[modules.shop]\nurl = "{urls[0]}"\n\n[modules.gofixture]\nurl = "{urls[1]}"\n'
        )
        out = gohelp.run([str(binary), "configured"], tmp_path, env=env, timeout=120)
        assert out.splitlines() == EXPECTED


OLD_CLIENT = """\
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	graft "graftcode.dev/runtime"
	gofixture "graftcode.dev/g/gofixture"
)

func main() {
	f := gofixture.New(gofixture.WithURL(os.Args[1]))
	defer f.Close()
	got, err := f.Pick(context.Background(), gofixture.PickValueInt(3), nil)
	fmt.Println("known", got.V1 == gofixture.PickValueInt(3), err) // one union type now: the same members
	_, err = f.Pick(context.Background(), gofixture.PickValueStr("1.5"), nil)
	fmt.Println("unknown", graft.CodeOf(err), strings.Contains(fmt.Sprint(err), `"float"`))
}
"""


def test_a_union_member_the_client_does_not_know_is_data_loss(tmp_path: Path) -> None:
    """A client built before the gateway's result union gained `float` still gets the members
    it knows; a float result is a DATA_LOSS error naming the tag (docs/compatibility.md)."""
    go = gohelp.go_bin()
    idl = tmp_path / "gofixture.graft"
    assert gohelp.graftc("export", str(FIXTURE), "-o", str(idl)) == 0
    text = idl.read_text("utf-8")
    older = text.replace(
        "tuple<str, int | float | str | Point | none>", "tuple<str, int | str | Point | none>"
    )
    assert older != text
    idl.write_text(older)
    module = gohelp.build(idl, tmp_path / "gofixture")
    app = gohelp.consumer(tmp_path / "app", module, "graftcode.dev/g/gofixture", OLD_CLIENT)
    gohelp.run([go, "build", "-o", str(tmp_path / "old"), "."], app)
    with gateway(str(FIXTURE), "--tcp", "127.0.0.1:0") as urls:
        out = gohelp.run([str(tmp_path / "old"), urls[0]], tmp_path, timeout=60)
    assert out.splitlines() == ["known true <nil>", "unknown DATA_LOSS true"]
