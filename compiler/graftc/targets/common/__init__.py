"""What every target shares, whatever its language: one module per concern.

- `naming`: package names and environment-variable prefixes (one rule for every package
  manager), and the error for a version a package manager cannot spell;
- `values`: the one walk over `ugm.Value`s; each language (and the IDL printer) supplies the
  spelling hooks;
- `docs`: `Raises:` sections and the order errors are declared in (bases first);
- `scopes`: reserved-name escaping, name collisions and positioned diagnostics;
- `walk`: walks over a module (selectable members, typed positions, spans);
- `examples`: example argument values for Vision's snippets, as `ugm.Value`s;
- `model`: the parts of the typed models that only differ by their doc format;
- `serving`: what a target's package routes and snippets receive from the dev server and
  give back (requests, replies, artifacts, endpoints, errors);
- `files`: writing generated files.

Nothing here imports a target, so a target may import any of it.
"""
