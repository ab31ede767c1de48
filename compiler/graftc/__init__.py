"""graftc: the graftcode compiler. Parses `.graft` IDL into the UGM, prints it canonically,
exports Python modules, checks compatibility and generates typed client packages."""

__version__ = "0.1.0"
