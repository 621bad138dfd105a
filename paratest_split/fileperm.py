"""The mode of the files we write through `tempfile.mkstemp` + rename.

mkstemp creates files 0600; a plan, a report or a stored history file is shared like any
other output (a root container writes it, a CI agent of another user collects it), so it gets
the mode `open()` would give it under the process's umask.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["file_mode"]


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
