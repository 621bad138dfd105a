"""One `paratest-split local` at a time per source tree.

Two runs in one directory would share the workspaces (`.paratest/workspaces/shard-<i>`), the
plan directory, the shard reports and the stored history: one run's merge would read the other's
reports and store the mix as timings. The second run is refused up front (exit 4) with the
first one's pid. The lock is an advisory `flock` on `.paratest/local.lock`: the kernel releases
it when its holder exits, so a killed run leaves no stale lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from paratest_split.core.errors import UsageError

LOCK_FILE = Path(".paratest") / "local.lock"


@contextlib.contextmanager
def exclusive(source: Path) -> Iterator[Path]:
    """Hold the lock of `source` for the block; UsageError when another run holds it."""
    path = source / LOCK_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise UsageError(f"{path}: cannot create the lock of local runs: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            raise UsageError(
                f"another paratest-split local {holder}is running in {source} (lock {path}): "
                "wait for it to finish, or run from another directory"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield path
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the flock


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f"(pid {text}) " if text.isdigit() else ""
