"""Retrying calls that are safe to repeat (docs/deploy.md, "Retry policy").

A call whose connection was lost while it was in flight may or may not have run, so the client
never sends it again by itself: it fails with UNAVAILABLE. Members marked `@idempotent` (here
in Python, `@idempotent` in the IDL) may run twice without harm; for them a `RetryPolicy`
retries UNAVAILABLE failures with exponential backoff and full jitter, within the call's own
deadline and a shared retry budget (gRPC-style throttling: every failure spends a token, every
success earns a fraction back, and retries stop while fewer than half the tokens are left, so a
dead cluster is not hammered by retries).

This module is sans-IO: `Retrier` is told the time and an error and answers with a delay or
None; the clients' `invoke` loops do the sleeping (`binding._channel`, `client._sync`).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from .protocol._errors import GraftError, StatusCode

F = TypeVar("F", bound=Callable[..., Any])

IDEMPOTENT_ATTR = "__graft_idempotent__"


def idempotent(fn: F) -> F:
    """Mark a hosted function or method as safe to run more than once: `graftc export` writes
    `@idempotent` on it in the IDL, and clients may retry it after a lost connection."""
    setattr(fn, IDEMPOTENT_ATTR, True)
    return fn


@dataclass(frozen=True)
class RetryPolicy:
    """How idempotent calls are retried. `max_attempts` counts the first try (1 disables
    retrying); the n-th retry waits a random time in [0, min(max_backoff, initial_backoff *
    multiplier**(n-1))]. `budget_tokens`/`budget_ratio` are the retry budget."""

    max_attempts: int = 3
    initial_backoff: float = 0.05
    max_backoff: float = 1.0
    multiplier: float = 2.0
    budget_tokens: float = 10.0
    budget_ratio: float = 0.1

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.initial_backoff < 0 or self.max_backoff < 0 or self.multiplier < 1:
            raise ValueError("backoffs must be >= 0 and the multiplier >= 1")
        if self.budget_tokens <= 0 or self.budget_ratio < 0:
            raise ValueError("budget_tokens must be > 0 and budget_ratio >= 0")


DEFAULT_RETRY = RetryPolicy()
NO_RETRY = RetryPolicy(max_attempts=1)

RETRYABLE = frozenset({StatusCode.UNAVAILABLE})


def retryable(error: BaseException) -> bool:
    """An error worth retrying an idempotent call for: the gateway or the way to it is gone
    (UNAVAILABLE). Every other code is the call's answer."""
    return isinstance(error, GraftError) and error.code in RETRYABLE


class RetryBudget:
    """The shared token bucket (thread-safe; one per client or channel)."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.max_tokens = policy.budget_tokens
        self.ratio = policy.budget_ratio
        self.tokens = policy.budget_tokens
        self._lock = threading.Lock()

    def succeeded(self) -> None:
        with self._lock:
            self.tokens = min(self.max_tokens, self.tokens + self.ratio)

    def failed(self) -> bool:
        """Spend a token for a failure; True when a retry is still allowed."""
        with self._lock:
            self.tokens = max(0.0, self.tokens - 1)
            return self.tokens > self.max_tokens / 2


class Retrier:
    """One call's retries: `delay(error, now)` is how long to wait before the next attempt, or
    None to raise `error` (not retryable, attempts or budget spent, or past the deadline)."""

    def __init__(
        self,
        policy: RetryPolicy,
        budget: RetryBudget,
        deadline: float | None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.policy = policy
        self.budget = budget
        self.deadline = deadline
        self.rng = rng
        self.attempts = 1

    def delay(self, error: BaseException, now: float) -> float | None:
        if not retryable(error):
            return None
        allowed = self.budget.failed()
        if not allowed or self.attempts >= self.policy.max_attempts:
            return None
        p = self.policy
        cap = min(p.max_backoff, p.initial_backoff * p.multiplier ** (self.attempts - 1))
        wait = self.rng() * cap
        if self.deadline is not None and now + wait >= self.deadline:
            return None
        self.attempts += 1
        return wait

    def succeeded(self) -> None:
        self.budget.succeeded()


T = TypeVar("T")


def run_with_retry(
    attempt: Callable[[float | None], T],
    retrier: Retrier,
    clock: Callable[[], float],
    sleep: Callable[[float], object],
) -> T:
    """Call `attempt(seconds_left)` until it returns or `retrier` says to give up (then its last
    error is raised). Only for idempotent members: the caller decides that."""
    while True:
        left = None if retrier.deadline is None else max(retrier.deadline - clock(), 0.0)
        try:
            value = attempt(left)
        except GraftError as e:
            wait = retrier.delay(e, clock())
            if wait is None:
                raise
            sleep(wait)
            continue
        retrier.succeeded()
        return value


async def run_with_retry_async(
    attempt: Callable[[float | None], Awaitable[T]],
    retrier: Retrier,
    clock: Callable[[], float],
    sleep: Callable[[float], Awaitable[object]],
) -> T:
    """`run_with_retry` for trio callers (`clock` is then trio's, as the deadline is)."""
    while True:
        left = None if retrier.deadline is None else max(retrier.deadline - clock(), 0.0)
        try:
            value = await attempt(left)
        except GraftError as e:
            wait = retrier.delay(e, clock())
            if wait is None:
                raise
            await sleep(wait)
            continue
        retrier.succeeded()
        return value
