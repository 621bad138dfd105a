"""Adapter: runs one shard's processes (hooks, test runners) and turns their results into a
shard report. `shard.run_shard` is the entry point; see its module docstring."""
