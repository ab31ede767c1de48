"""Per-connection bookkeeping of the instances a gateway holds for its client (protocol 6.5).

Ids start at 1 and are never reused on a connection, so a stale reference can never reach a
newer object. The same object returned twice gets the same id (an identity map), so a client
holding one handle per id sees one remote object as one proxy.
"""

from __future__ import annotations

from typing import Any

from ._errors import RemoteError, StatusCode
from ._events import InstanceRef


class InstanceTable:
    """Maps ids to live objects for one connection; enforces `max_instances`."""

    __slots__ = ("_by_id", "_by_obj", "_next", "max_instances")

    def __init__(self, max_instances: int) -> None:
        self.max_instances = max_instances
        self._by_id: dict[int, tuple[Any, str]] = {}
        self._by_obj: dict[int, int] = {}  # id(obj) -> instance id; objects are kept alive
        self._next = 1

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, instance_id: object) -> bool:
        return instance_id in self._by_id

    def add(self, obj: Any, class_name: str) -> InstanceRef:
        """The reference for `obj`, registering it if new. Raises RemoteError
        RESOURCE_EXHAUSTED when the connection already holds `max_instances`."""
        known = self._by_obj.get(id(obj))
        if known is not None:
            return InstanceRef(known, self._by_id[known][1])
        if len(self._by_id) >= self.max_instances:
            raise RemoteError(
                StatusCode.RESOURCE_EXHAUSTED,
                f"this connection already holds {self.max_instances} instances; release some first",
            )
        iid = self._next
        self._next += 1
        self._by_id[iid] = (obj, class_name)
        self._by_obj[id(obj)] = iid
        return InstanceRef(iid, class_name)

    def get(self, ref: InstanceRef | int, class_name: str | None = None) -> Any:
        """The object for `ref`. Raises RemoteError NOT_FOUND for an unknown or released id and
        INVALID_ARGUMENT when `class_name` is given and the instance is of another class."""
        iid = ref if isinstance(ref, int) else ref.id
        entry = self._by_id.get(iid)
        if entry is None:
            raise RemoteError(StatusCode.NOT_FOUND, f"instance {iid} was released or never existed")
        if class_name is not None and entry[1] != class_name:
            raise RemoteError(
                StatusCode.INVALID_ARGUMENT,
                f"instance {iid} is a {entry[1]}, not a {class_name}",
            )
        return entry[0]

    def class_of(self, ref: InstanceRef | int) -> str | None:
        entry = self._by_id.get(ref if isinstance(ref, int) else ref.id)
        return None if entry is None else entry[1]

    def release(self, ids: tuple[int, ...] | list[int]) -> list[Any]:
        """Forget these ids (unknown ones are ignored); returns the released objects."""
        out = []
        for iid in ids:
            entry = self._by_id.pop(iid, None)
            if entry is not None:
                self._by_obj.pop(id(entry[0]), None)
                out.append(entry[0])
        return out

    def release_all(self) -> list[Any]:
        """Forget every instance (the connection closed); returns them, e.g. for close hooks."""
        out = [obj for obj, _ in self._by_id.values()]
        self._by_id.clear()
        self._by_obj.clear()
        return out

    # The hooks ValueCodec uses to turn objects into references and back (InstanceHooks).
    def to_ref(self, obj: Any, class_name: str) -> InstanceRef:
        return self.add(obj, class_name)

    def from_ref(self, ref: InstanceRef, class_name: str) -> Any:
        return self.get(ref, class_name)
