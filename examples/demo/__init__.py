"""`make demo`: graftcode's main job end to end (`python -m examples.demo [--serve]`).

Kept out of the `graftcode` distribution. Each registered target may add a step as
`targets/<target name>.py` with `TITLE` and `run(root) -> int`; the demo finds it by name.
"""
