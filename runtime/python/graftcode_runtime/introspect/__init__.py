"""Python introspection: a module's public surface as a UGM module.

It lives in the runtime because the gateway needs it at run time (to host a module it must know
what is callable); it imports neither the compiler nor lark nor black. `graftc export` prints the
result as IDL. The rules, and the mapping from Python types, are in docs/type-mapping.md.
"""

from ._exporter import Export, export_module
from ._loader import load_module
from ._problems import ExportError, Problem

__all__ = ["Export", "ExportError", "Problem", "export_module", "load_module"]
