"""`InstanceId`, a remote instance's id bound to its connection's call table.

Kept out of `_call_table` because an `int` subclass cannot be a mypyc native class: this module
stays interpreted when the call table is compiled (docs/performance.md, "Compiled modules").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from ._call_table import CallTable


class InstanceId(int):
    """A remote instance's id, bound to the connection whose gateway holds the instance.

    Instance ids are per connection (docs/protocol.md 6.5): after a reconnect the same number
    names another object, or none. Proxies keep their id in this form so that a call, a release
    or an argument through an old proxy fails clearly instead of reaching another object."""

    table: CallTable

    def __new__(cls, value: int, table: CallTable) -> InstanceId:
        self = super().__new__(cls, value)
        self.table = table
        return self


# An instance id as the call table takes it: a plain `int` or an `InstanceId`. Spelled as a union
# so that mypyc keeps such a value as the object it is: a value typed `int` is unboxed to a
# machine integer when compiled, and `type(value) is InstanceId` would never be true again.
AnyId: TypeAlias = "int | InstanceId"
