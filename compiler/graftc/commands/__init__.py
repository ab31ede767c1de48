"""Subcommands of `graftc`, one module each (see graftc.cli)."""
