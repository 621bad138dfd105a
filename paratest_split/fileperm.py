"""Writing a file in place: beside its target under a unique name, then renamed over it.

Readers never see a half-written plan or report, and concurrent writers never mix. The file
gets the mode `open()` would give it under the process's umask: mkstemp creates files 0600,
but a plan, a report or a stored history file is shared like any other output (a root
container writes it, a CI agent of another user collects it).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_file", "file_mode"]


def file_mode() -> int:
    """0666 less the current umask (read now: a caller may have changed it). Read from
    /proc where it is there: setting the umask to read it would briefly change it for every
    thread of the process."""
    try:
        with Path("/proc/self/status").open(encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_file(
    path: Path, *, prefix: str, suffix: str = ".tmp", buffering: int = -1
) -> Iterator[BinaryIO]:
    """A binary file beside `path` that replaces `path` when the block ends without an
    exception, and is removed when it raises. `prefix`/`suffix` name the temporary file
    (hidden, and never ending like a report a glob could pick up). OSErrors reach the
    caller, who names the file in its own error."""
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb", buffering=buffering) as out:
            yield out
        tmp.chmod(file_mode())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
