"""Typed values over the wire: `ValueCodec` checks and converts between wire values (what
msgpack carries) and the Python values a module's UGM declares, both ways."""

from ._codec import ValueCodec
from ._converter import InstanceHooks, type_text

__all__ = ["InstanceHooks", "ValueCodec", "type_text"]
