"""paratest-split: split slow test suites into equal-time shards across CI executors."""

__version__ = "0.1.0"
