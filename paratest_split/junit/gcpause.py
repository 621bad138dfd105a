"""Pausing the cyclic garbage collector while millions of report rows are read.

Reading a large JUnit report (or many: a timing history, a merge) makes millions of new tuples
and model objects and no reference cycles, so the collector's passes over them only cost time
(15-20% of loading a 1M-case history). `paused_gc()` turns it off for the block and back on
after it, only if it was on.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside the block; the collector's state is kept."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
