"""The retry policy of idempotent calls, driven by hand (sans-IO: the clock and the random
draw are given), and the `@idempotent` annotation from Python to the IDL."""

from __future__ import annotations

import pytest
from graftc.diagnostics import DiagnosticError
from graftc.idl import check, parse
from graftcode_runtime import ConnectionLost, RemoteError, RetryPolicy, StatusCode, idempotent
from graftcode_runtime.retry import Retrier, RetryBudget, run_with_retry

LOST = ConnectionLost("connection lost")


def retrier(policy: RetryPolicy = RetryPolicy(), deadline: float | None = None) -> Retrier:
    return Retrier(policy, RetryBudget(policy), deadline, rng=lambda: 1.0)


def test_backoff_grows_exponentially_up_to_its_cap_with_full_jitter() -> None:
    policy = RetryPolicy(max_attempts=5, initial_backoff=0.1, multiplier=2.0, max_backoff=0.3)
    r = retrier(policy)
    assert [r.delay(LOST, 0.0) for _ in range(5)] == [0.1, 0.2, 0.3, 0.3, None]
    half = Retrier(policy, RetryBudget(policy), None, rng=lambda: 0.5)
    assert half.delay(LOST, 0.0) == 0.05  # a random point in [0, cap]


def test_only_unavailable_is_retried() -> None:
    r = retrier()
    assert r.delay(RemoteError(StatusCode.INVALID_ARGUMENT, "no"), 0.0) is None
    assert r.delay(RemoteError(StatusCode.DEADLINE_EXCEEDED, "late"), 0.0) is None
    assert r.delay(ValueError("not a call failure"), 0.0) is None
    assert r.delay(RemoteError(StatusCode.UNAVAILABLE, "draining"), 0.0) is not None


def test_no_retry_would_end_past_the_deadline() -> None:
    r = retrier(RetryPolicy(initial_backoff=1.0), deadline=10.0)
    assert r.delay(LOST, 9.5) is None
    assert r.delay(LOST, 8.0) == 1.0


def test_the_budget_stops_retries_while_failures_dominate_and_successes_refill_it() -> None:
    policy = RetryPolicy(max_attempts=100, budget_tokens=4, budget_ratio=0.5)
    budget = RetryBudget(policy)
    calls = [Retrier(policy, budget, None, rng=lambda: 0.0) for _ in range(3)]
    assert calls[0].delay(LOST, 0.0) == 0.0  # 3 tokens left: > half
    assert calls[1].delay(LOST, 0.0) is None  # 2 left: not above half, no retry
    for _ in range(2):
        calls[2].succeeded()  # +0.5 each
    assert budget.tokens == 3.0
    assert calls[2].delay(LOST, 0.0) is None  # 2 left again


def test_max_attempts_one_disables_retries_and_bad_policies_are_refused() -> None:
    assert retrier(RetryPolicy(max_attempts=1)).delay(LOST, 0.0) is None
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(multiplier=0.5)


def test_run_with_retry_sleeps_the_backoff_and_passes_the_time_left() -> None:
    now = [0.0]
    seen: list[float | None] = []
    slept: list[float] = []

    def attempt(left: float | None) -> str:
        seen.append(left)
        if len(seen) < 3:
            raise LOST
        return "ok"

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    r = retrier(RetryPolicy(initial_backoff=1.0, max_backoff=5.0), deadline=10.0)
    assert run_with_retry(attempt, r, lambda: now[0], sleep) == "ok"
    assert slept == [1.0, 2.0]
    assert seen == [10.0, 9.0, 7.0]
    failing = retrier(RetryPolicy(max_attempts=2))
    with pytest.raises(ConnectionLost):
        run_with_retry(lambda left: (_ for _ in ()).throw(LOST), failing, lambda: 0.0, sleep)


def test_the_idempotent_annotation_is_checked_in_the_idl() -> None:
    ok = parse('module m version "1.0.0";\nservice m {\n    @idempotent\n    fn get() -> int;\n}\n')
    assert check(ok) == []
    with pytest.raises(DiagnosticError, match="@idempotent marks functions and methods"):
        parse('module m version "1.0.0";\n@idempotent\nrecord R {\n    x: int;\n}\n')
    with pytest.raises(DiagnosticError, match="takes no arguments"):
        parse('module m version "1.0.0";\nservice m {\n    @idempotent(1)\n    fn f();\n}\n')


def test_export_writes_idempotent_for_the_python_decorator() -> None:
    from graftcode_runtime.introspect._callables import annotations_of

    @idempotent
    def get() -> int:
        return 1

    assert [a.name for a in annotations_of(get)] == ["idempotent"]
    assert get() == 1
