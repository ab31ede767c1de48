"""Prometheus metrics of a gateway (`GET /metrics`), in the text exposition format, with no
dependency (the format is a few lines per sample).

Cost on the hot path: every session owns a `SessionStats` that only its own driver touches
(under the session's lock, or in its trio task), so counting a call is a dict increment and a
bisect with no lock of its own. The gateway's `Metrics` sees the live sessions (registered once
per connection) and folds a session's counts into its totals when the connection ends; a scrape
adds the totals to the live sessions' counts. The gauges (connections, instances, calls in
flight) are read from the live sessions at scrape time and cost nothing per call.

Both drivers (threads for plain TCP; trio for TLS, WebSocket, in memory) count through the one
session policy (`_policy.Session`), so they count the same way.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left
from collections.abc import Iterable
from typing import Protocol

from .. import ugm

# seconds; the default of the Prometheus client libraries, widened a little at both ends
BUCKETS: tuple[float, ...] = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
)  # fmt: skip
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_clock = time.monotonic  # the same clock as the drivers' `now`


class SessionStats:
    """The counts of one connection, touched only by that connection's driver."""

    __slots__ = ("bytes_in", "bytes_out", "calls", "latency")

    def __init__(self) -> None:
        self.calls: dict[tuple[str, str, str], int] = {}  # (module, member, code) -> count
        # (module, member) -> per-bucket counts (the last is +Inf), then the sum of seconds
        self.latency: dict[tuple[str, str], list[float]] = {}
        self.bytes_in = 0
        self.bytes_out = 0

    def answered(self, module: str, member: str, code: str, started: float | None) -> None:
        """A call was answered with `code`; `started` is when it was accepted (None for a call
        refused before it ran: counted, but not timed)."""
        key = (module, member, code)
        calls = self.calls
        calls[key] = calls.get(key, 0) + 1
        if started is not None:
            seconds = _clock() - started
            h = self.latency.get((module, member))
            if h is None:
                h = self.latency[(module, member)] = [0.0] * (len(BUCKETS) + 2)
            h[bisect_left(BUCKETS, seconds)] += 1
            h[-1] += seconds

    def add(self, other: SessionStats) -> None:
        for key, n in list(other.calls.items()):
            self.calls[key] = self.calls.get(key, 0) + n
        for lkey, h in list(other.latency.items()):
            mine = self.latency.setdefault(lkey, [0.0] * len(h))
            for i, v in enumerate(h):
                mine[i] += v
        self.bytes_in += other.bytes_in
        self.bytes_out += other.bytes_out


class Observed(Protocol):
    """What a scrape reads from a live session (`_policy.Session`)."""

    stats: SessionStats

    @property
    def calls_in_flight(self) -> int: ...

    @property
    def instances(self) -> int: ...


class Metrics:
    """A gateway's metrics: the totals of ended connections plus the live ones."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # taken once per connection and per scrape, not per call
        self._live: dict[int, Observed] = {}
        self._ended = SessionStats()
        self._connections_total = 0
        self._members: dict[str, dict[tuple[str, str], str]] = {}

    def member_label(self, module: ugm.Module, target: str, member: str) -> str:
        """The `member` label of a call refused before it ran: the name its job would have had
        (`Dispatcher`'s `where`), or `(unknown)` for a name the module does not export, so a
        client sending made-up names cannot add label values without end."""
        names = self._members.get(module.name)
        if names is None:
            names = self._members[module.name] = _member_names(module)
        return names.get((target, member), "(unknown)")

    def opened(self, session: Observed) -> None:
        with self._lock:
            self._live[id(session)] = session
            self._connections_total += 1

    def closed(self, session: Observed) -> None:
        with self._lock:
            if self._live.pop(id(session), None) is not None:
                self._ended.add(session.stats)

    def add_ended(self, stats: SessionStats) -> None:
        """Counts from outside any connection (an MCP tool call): added to the totals."""
        with self._lock:
            self._ended.add(stats)

    def render(self) -> str:
        """The exposition text of every metric now."""
        with self._lock:
            live = list(self._live.values())
            total = SessionStats()
            total.add(self._ended)
            for s in live:
                total.add(s.stats)  # copied item by item; its driver may count on meanwhile
            opened = self._connections_total
        out: list[str] = []
        _family(out, "graftcode_calls_total", "counter", "Calls answered, by status code.")
        for (module, member, code), n in sorted(total.calls.items()):
            out.append(f"graftcode_calls_total{_labels(module, member, code=code)} {n}")
        _histogram(out, total.latency)
        _gauge(out, "connections", "Open connections.", len(live))
        _family(out, "graftcode_connections_total", "counter", "Connections accepted.")
        out.append(f"graftcode_connections_total {opened}")
        _gauge(out, "instances", "Live remote instances, over all connections.",
               sum(s.instances for s in live))  # fmt: skip
        _gauge(out, "calls_in_flight", "Calls accepted and not answered yet.",
               sum(s.calls_in_flight for s in live))  # fmt: skip
        _family(out, "graftcode_received_bytes_total", "counter", "Bytes read from clients.")
        out.append(f"graftcode_received_bytes_total {total.bytes_in}")
        _family(out, "graftcode_sent_bytes_total", "counter", "Bytes written to clients.")
        out.append(f"graftcode_sent_bytes_total {total.bytes_out}")
        return "\n".join(out) + "\n"


def _member_names(module: ugm.Module) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for d in module.decls:
        if isinstance(d, ugm.Service):
            for m in d.methods:
                out[(d.name, m.name)] = out[("", m.name)] = f"{module.name}.{m.name}"
        elif isinstance(d, ugm.Class):
            out[(d.name, "")] = f"{d.name}()"
            for m in d.methods:
                out[(d.name, m.name)] = f"{d.name}.{m.name}"
            for p in d.properties:
                out[(d.name, p.name)] = f"{d.name}.{p.name}"
    return out


def _histogram(out: list[str], latency: dict[tuple[str, str], list[float]]) -> None:
    name = "graftcode_call_duration_seconds"
    _family(out, name, "histogram", "Time from a call's arrival to its answer.")
    for (module, member), h in sorted(latency.items()):
        running = 0.0
        for le, n in zip((*map(_number, BUCKETS), "+Inf"), h[:-1], strict=True):
            running += n
            out.append(f"{name}_bucket{_labels(module, member, le=le)} {int(running)}")
        out.append(f"{name}_sum{_labels(module, member)} {_number(h[-1])}")
        out.append(f"{name}_count{_labels(module, member)} {int(running)}")


def _gauge(out: list[str], name: str, help_text: str, value: int) -> None:
    _family(out, f"graftcode_{name}", "gauge", help_text)
    out.append(f"graftcode_{name} {value}")


def _family(out: list[str], name: str, kind: str, help_text: str) -> None:
    out.append(f"# HELP {name} {help_text}")
    out.append(f"# TYPE {name} {kind}")


def _labels(module: str, member: str, **more: str) -> str:
    pairs: Iterable[tuple[str, str]] = (("module", module), ("member", member), *more.items())
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(x: float) -> str:
    return repr(float(x))
