"""Binding a call's arguments to a parameter list, by Python's rules, converting each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .. import ugm
from ..protocol._errors import InvalidValue
from ._converter import InstanceHooks

if TYPE_CHECKING:
    from ._codec import ValueCodec


class _ArgBinder:
    """Python's argument binding for one parameter list, against wire or Python values."""

    def __init__(self, codec: ValueCodec, params: tuple[ugm.Param, ...]) -> None:
        self.codec = codec
        self.params = params
        self.positional = tuple(p for p in params if p.kind != "keyword")
        self.by_name = {p.name: p for p in params}
        self._dec = {p.name: codec.decoder(p.type) for p in params}
        self._enc = {p.name: codec.encoder(p.type) for p in params}
        # Fast path for the common shape: every argument given positionally.
        self._pos_dec = tuple(self._dec[p.name] for p in self.positional)
        self._pos_enc = tuple(self._enc[p.name] for p in self.positional)
        self._index = {p.name: i for i, p in enumerate(self.positional)}
        self._all_positional_required = all(
            p.kind != "keyword" and p.default is None for p in params
        )

    def bind(
        self,
        args: Sequence[Any],
        kwargs: Mapping[str, Any],
        h: InstanceHooks | None,
        *,
        decode: bool,
    ) -> tuple[list[Any], dict[str, Any]]:
        convs = self._pos_dec if decode else self._pos_enc
        n = len(args)
        if n > len(convs):
            raise InvalidValue(
                f"takes {len(convs)} positional argument{'s' if len(convs) != 1 else ''} "
                f"but {n} {'were' if n != 1 else 'was'} given"
            )
        pos: list[Any] = []
        i = 0
        try:
            for i in range(n):
                pos.append(convs[i](args[i], h))
        except InvalidValue as e:
            raise e.within(self.positional[i].name) from None
        if not kwargs and n == len(self.params) and self._all_positional_required:
            return pos, {}
        table = self._dec if decode else self._enc
        kw: dict[str, Any] = {}
        for name, value in kwargs.items():
            p = self.by_name.get(name) if type(name) is str else None
            if p is None:
                raise InvalidValue(f"unexpected keyword argument {name!r}")
            if p.kind == "positional":
                raise InvalidValue(f"positional-only argument {name!r} passed by keyword")
            if p.kind == "either" and self._index[name] < n:
                raise InvalidValue(f"got multiple values for argument {name!r}")
            try:
                kw[name] = table[name](value, h)
            except InvalidValue as e:
                raise e.within(name) from None
        if n + len(kw) == len(self.params):
            return pos, kw  # each parameter got exactly one value (duplicates raised above)
        for p in self.params:
            if p.default is None and p.name not in kw and self._index.get(p.name, n) >= n:
                raise InvalidValue(f"missing required argument {p.name!r}")
        return pos, kw
