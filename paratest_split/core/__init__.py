"""The pure core: what a plan is and how it is made, with no input or output.

model (the data), errors (exit codes), identity and matching (test ids and JUnit keys),
timings (durations from history), partition and planner (the bin packing), completeness (did
every planned test run), retry (what to re-run), placeholders (the command template rules).
It imports nothing from the adapters (junit, discovery, runner, render, store, history,
plugins) nor from the face (cli, commands, local, report): `tests/unit/test_layout.py` checks
the import graph. Everything here is deterministic and reads no clock, file or environment.
"""
