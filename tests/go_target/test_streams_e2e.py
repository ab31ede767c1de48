"""Streams end to end from a generated Go client (tests/typescript/fixtures/tsstream.py hosted
by `graftc serve`, over TCP and WebSocket): a generator read with `for s.Next()` and with a Go
1.23 `range s.All()` loop, a declared error after 3 items as the generated error type, Close
and break closing the generator on the gateway (its `finally` writes a marker file), a client
stream from an iterator function and a bidirectional one."""

from __future__ import annotations

from pathlib import Path

import gohelp
import pytest

from examples.demo._gateway import gateway

pytestmark = pytest.mark.slow
FIXTURE = gohelp.ROOT / "tests" / "typescript" / "fixtures" / "tsstream.py"

PROGRAM = """\
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	tsstream "graftcode.dev/g/tsstream"
)

// closed waits (boundedly) for the marker a generator's finally writes.
func closed(marker string) bool {
	for i := 0; i < 400; i++ {
		if _, err := os.Stat(marker); err == nil {
			return true
		}
		time.Sleep(25 * time.Millisecond)
	}
	return false
}

func main() {
	ctx := context.Background()
	dir := os.Args[2]
	c := tsstream.New(tsstream.WithURL(os.Args[1]))
	defer c.Close()

	s := c.Count(ctx, 10000, nil)
	n, inOrder := int64(0), true
	for s.Next() {
		inOrder = inOrder && s.Item() == n
		n++
	}
	fmt.Println("count", n, inOrder, s.Err())

	var got []int64
	var tooFar *tsstream.TooFar
	for x, err := range c.FailAfter(ctx, 3).All() {
		if err != nil {
			fmt.Println("error", got, errors.As(err, &tooFar) && tooFar.At == 3)
			break
		}
		got = append(got, x)
	}

	marker := filepath.Join(dir, "close")
	s = c.Count(ctx, 1000000, &tsstream.CountOptions{Marker: tsstream.Ptr(marker)})
	for i := 0; i < 3 && s.Next(); i++ {
	}
	s.Close()
	fmt.Println("close", closed(marker))

	marker = filepath.Join(dir, "break")
	k := 0
	for _, err := range c.Count(ctx, 1000000, &tsstream.CountOptions{Marker: tsstream.Ptr(marker)}).All() {
		if k++; err != nil || k == 3 {
			break
		}
	}
	fmt.Println("break", closed(marker))

	total, err := c.Total(ctx, slices.Values([]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}))
	fmt.Println("total", total, err)
	var words []string
	for w, err := range c.Shout(ctx, slices.Values([]string{"a", "b", "c"})).All() {
		if err != nil {
			panic(err)
		}
		words = append(words, w)
	}
	fmt.Println("shout", words)

	feed, err := c.NewFeed(ctx, "x")
	if err != nil {
		panic(err)
	}
	defer feed.Close(ctx)
	lines := feed.Lines(ctx, 3)
	defer lines.Close()
	var got3 []string
	for lines.Next() {
		got3 = append(got3, lines.Item())
	}
	fmt.Println("instance", got3, lines.Err())
}
"""

EXPECTED = [
    "count 10000 true <nil>",
    "error [0 1 2] true",
    "close true",
    "break true",
    "total 210 <nil>",
    "shout [A B C]",
    "instance [x0 x1 x2] <nil>",
]


def test_go_streams_against_the_python_gateway(tmp_path: Path) -> None:
    go = gohelp.go_bin()
    pkg = gohelp.build(FIXTURE, tmp_path / "tsstream")
    app = gohelp.consumer(tmp_path / "app", pkg, "graftcode.dev/g/tsstream", PROGRAM)
    # the consumer uses range-over-func (Go 1.23); the generated package itself needs only 1.22
    mod = app / "go.mod"
    mod.write_text(mod.read_text().replace("\ngo 1.22\n", "\ngo 1.23\n"))
    binary = tmp_path / "caller"
    gohelp.run([go, "build", "-o", str(binary), "."], app)
    with gateway(str(FIXTURE), "--tcp", "127.0.0.1:0", "--ws", "127.0.0.1:0", listeners=2) as urls:
        for url in urls:
            out = gohelp.run([str(binary), url, str(tmp_path)], tmp_path, timeout=120)
            assert out.splitlines() == EXPECTED, f"over {url}:\n{out}"
            for marker in ("close", "break"):
                (tmp_path / marker).unlink()
