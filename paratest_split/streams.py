"""The command's standard streams, guarded: a write to stdout or stderr never raises.

What a command prints is a view of what it did; the verdict (exit code) and the files it writes
(reports, plans, history) are decided and written whatever happens to the terminal. So a reader
that goes away (`| head -n3`: EPIPE), a full device (`>/dev/full`: ENOSPC) or a closed stream
(`>&-`) must neither stop a shard half-way nor turn its verdict into 0 or 3. A failed write is
recorded, the stream's file descriptor is pointed at /dev/null (so that the interpreter's own
flush at exit does not fail again) and later writes are dropped. `cli.main` then reports the
loss in one line and keeps the verdict; see `lost_output_code`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import threading
from pathlib import Path
from typing import IO, Any, TextIO

from paratest_split.core.errors import ExitCode


class GuardedStream:
    """A text stream whose `write`/`flush` never raise OSError; `lost` is the first error."""

    def __init__(self, raw: TextIO | None, name: str) -> None:
        self.name = name
        self.lost: OSError | None = None
        self._lock = threading.Lock()
        if raw is None:  # the descriptor was closed when the interpreter started
            self.lost = OSError(errno.EBADF, "the stream is closed")
            raw = Path(os.devnull).open("w", encoding="utf-8")  # noqa: SIM115 - as long as we are
        self._raw: TextIO = raw

    def write(self, text: str) -> int:
        if self.lost is None:
            try:
                return self._raw.write(text)
            except (OSError, ValueError) as exc:  # ValueError: the stream was closed
                self._lose(exc)
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self.lost is None:
            try:
                self._raw.flush()
            except (OSError, ValueError) as exc:
                self._lose(exc)

    def isatty(self) -> bool:
        if self.lost is not None:
            return False
        try:
            return self._raw.isatty()
        except (OSError, ValueError):
            return False

    def __getattr__(self, name: str) -> Any:  # encoding, fileno, ... (rich asks for some)
        return getattr(self._raw, name)

    def _lose(self, exc: Exception) -> None:
        with self._lock:
            if self.lost is not None:
                return
            self.lost = exc if isinstance(exc, OSError) else OSError(errno.EBADF, str(exc))
            _silence(self._raw)


def _silence(raw: IO[str]) -> None:
    """Point the stream's descriptor at /dev/null and drop what it still buffers."""
    try:
        fd = raw.fileno()
    except (OSError, ValueError, AttributeError):
        return
    _null_onto(fd)
    with contextlib.suppress(OSError, ValueError):  # the failed text, to /dev/null this time
        raw.flush()


def _null_onto(fd: int) -> None:
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_RDWR)
        if null != fd:
            os.dup2(null, fd)
            os.close(null)


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def reopen_closed_descriptors() -> None:
    """Descriptors 0-2 that were closed at start (`>&-`) get /dev/null, so that a file we open
    later cannot become some child's stdout by taking the free number."""
    for fd in (0, 1, 2):
        if not _is_open(fd):
            _null_onto(fd)


def guard() -> tuple[GuardedStream, GuardedStream]:
    """Install guarded sys.stdout/sys.stderr (returned; `restore` puts the old ones back)."""
    stdout_was_closed = sys.stdout is None
    stderr_was_closed = sys.stderr is None
    reopen_closed_descriptors()
    out = GuardedStream(None if stdout_was_closed else sys.stdout, "stdout")
    err = GuardedStream(None if stderr_was_closed else sys.stderr, "stderr")
    return out, err


def describe(stream: GuardedStream) -> str | None:
    """One line on what was lost, or None."""
    if stream.lost is None:
        return None
    reason = stream.lost.strerror or str(stream.lost)
    return f"{stream.name}: output lost: {reason}"


def lost_output_code(verdict: int, stream: GuardedStream) -> int:
    """The exit code once stdout failed. A failing verdict always stands. A reader that closed
    the pipe (EPIPE: `| head`) chose to stop reading: a passing verdict stands too. Any other
    loss (a full device, a closed stream) means output the user asked for is gone: exit 4."""
    if verdict != 0 or stream.lost is None or stream.lost.errno == errno.EPIPE:
        return verdict
    return int(ExitCode.USAGE_ERROR)
