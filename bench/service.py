"""The benchmark workload, as a plain Python module every system serves.

`add(int, int)`, `echo(bytes)` and `get_user(int)`, which returns an 8-field record built fresh per
call. The peers' servers call these same functions so that only the RPC stack differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__version__ = "1.0.0"


@dataclass(frozen=True)
class Address:
    city: str
    zip: str


@dataclass(frozen=True)
class User:
    id: int
    name: str
    email: str
    score: float
    active: bool
    tags: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    address: Address | None = None


def add(a: int, b: int) -> int:
    return a + b


def echo(data: bytes) -> bytes:
    return data


def get_user(id: int) -> User:
    return User(
        id=id,
        name=f"user{id}",
        email=f"user{id}@example.com",
        score=id * 1.5,
        active=id % 2 == 0,
        tags=["a", "b", "c", "d", "e"],
        counts={"x": 1, "y": 2, "z": 3, "u": 4, "v": 5},
        address=Address("Lisbon", "1000-001"),
    )


def _user_dict(id: int) -> dict[str, object]:
    """The same record as a plain dict, for the peers that send dicts."""
    u = get_user(id)
    return {
        "id": u.id,
        "name": u.name,
        "email": u.email,
        "score": u.score,
        "active": u.active,
        "tags": u.tags,
        "counts": u.counts,
        "address": {"city": "Lisbon", "zip": "1000-001"},
    }
