"""Run one child process in its own process group, stream its output, stop it cleanly.

Every process starts a new session (`start_new_session=True`), so the whole tree it spawns
(pytest-xdist workers, a shell's children) can be signalled at once. Stopping (a deadline, or
the caller's `stop` event) sends SIGTERM to the group, waits `grace` seconds, then SIGKILLs it.
A test runner's group is also cleaned up when its leader exits on its own, so nothing it left
behind keeps running; a hook's group is not (a setup hook may start a service on purpose).

Output (stdout and stderr together) is read in this thread with `select`, delivered line by
line to `on_line`, and its tail kept for reports. A leftover child that holds the pipe open
after the leader exited does not block us: we return shortly after the leader is gone. For a
test runner the leftovers are killed. For a hook (`kill_leftovers=False`) they may be a
service started on purpose that logs to stdout: a daemon thread keeps reading (and delivering
lines to `on_line`) until they close the pipe, so they never die of SIGPIPE while we run. Those
threads never keep the interpreter alive: at exit they stop within about 0.1 s.
POSIX only (process groups, select on pipes).
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO

_POLL = 0.05  # seconds between checks of stop/deadline while a child runs
_DRAIN = 0.5  # seconds we keep reading after the leader exited (children holding the pipe)
TAIL_LIMIT = 64 * 1024  # characters of output kept for reports


@dataclass(frozen=True, kw_only=True, slots=True)
class ProcessResult:
    argv: tuple[str, ...]
    pid: int
    returncode: int | None  # None: we killed it (deadline or stop); negative: killed by signal
    elapsed: float
    output: str  # the tail of stdout+stderr (at most TAIL_LIMIT characters)
    timed_out: bool = False
    stopped: bool = False
    start_error: str = ""  # the process could not start at all (no such command...)

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class _Lines:
    """Split a byte stream into decoded lines for `on_line`; keep a bounded tail."""

    def __init__(self, on_line: Callable[[str], None] | None) -> None:
        self._on_line = on_line
        self._partial = b""
        self._tail: collections.deque[str] = collections.deque()
        self._tail_size = 0

    def feed(self, data: bytes) -> None:
        self._partial += data
        *complete, self._partial = self._partial.split(b"\n")
        for raw in complete:
            self._emit(raw)
        if len(self._partial) > TAIL_LIMIT:  # a huge line without newline: flush it anyway
            self._emit(self._partial)
            self._partial = b""

    def close(self) -> None:
        if self._partial:
            self._emit(self._partial)
            self._partial = b""

    def _emit(self, raw: bytes) -> None:
        line = raw.decode("utf-8", "replace").rstrip("\r")
        self._tail.append(line)
        self._tail_size += len(line) + 1
        while self._tail_size > TAIL_LIMIT and len(self._tail) > 1:
            self._tail_size -= len(self._tail.popleft()) + 1
        if self._on_line is not None:
            self._on_line(line)

    @property
    def text(self) -> str:
        return "\n".join(self._tail)


def signal_group(pgid: int, signum: int) -> bool:
    """Send `signum` to a process group; False when the group is already gone."""
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - a reused pgid we do not own
        return False
    return True


def group_alive(pgid: int) -> bool:
    return signal_group(pgid, 0)


def terminate_group(proc: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM the process group, wait up to `grace` s for the leader and the group, SIGKILL."""
    pgid = proc.pid
    if not signal_group(pgid, signal.SIGTERM):
        proc.wait()
        return
    end = time.monotonic() + grace
    while time.monotonic() < end:
        if proc.poll() is not None and not group_alive(pgid):
            return
        time.sleep(0.02)
    signal_group(pgid, signal.SIGKILL)
    proc.wait()


def run_process(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    on_line: Callable[[str], None] | None = None,
    on_tick: Callable[[], None] | None = None,
    stop: threading.Event | None = None,
    deadline: float | None = None,
    grace: float = 5.0,
    kill_leftovers: bool = True,
) -> ProcessResult:
    """Run `argv` (never through a shell) to completion, a deadline or `stop`.

    `deadline` is a `time.monotonic()` instant. `on_tick` is called about every 50 ms while the
    process runs (for polling progress files). `kill_leftovers`: once the leader exits, also
    terminate whatever is still running in its process group.
    """
    started = time.monotonic()
    argv = tuple(argv)
    try:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as exc:
        return ProcessResult(
            argv=argv,
            pid=0,
            returncode=127,
            elapsed=time.monotonic() - started,
            output="",
            start_error=f"cannot start {argv[0]!r}: {exc.strerror or exc}",
        )
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    lines = _Lines(on_line)
    timed_out = stopped = False
    eof = False
    handed_off = False
    output = ""
    exited_at: float | None = None
    try:
        while True:
            if not eof:
                ready, _, _ = select.select([fd], [], [], _POLL)
                if ready:
                    data = os.read(fd, 65536)
                    if data:
                        lines.feed(data)
                    else:
                        eof = True
            else:
                time.sleep(_POLL)
            if on_tick is not None:
                on_tick()
            if proc.poll() is not None:
                if exited_at is None:
                    exited_at = time.monotonic()
                if eof or time.monotonic() - exited_at > _DRAIN:
                    break
                continue
            now = time.monotonic()
            if stop is not None and stop.is_set():
                stopped = True
            elif deadline is not None and now >= deadline:
                timed_out = True
            if stopped or timed_out:
                terminate_group(proc, grace)
                _drain(fd, lines)
                break
        if not eof and not kill_leftovers and not (timed_out or stopped):
            # A hook's leftover (a service) still holds the pipe: keep reading in the background.
            output = lines.text
            _drain_in_background(proc.stdout, lines)
            handed_off = True
    finally:
        if proc.poll() is None:  # an exception in a callback: never leave it running
            terminate_group(proc, 0)
        if kill_leftovers and group_alive(proc.pid):
            terminate_group(proc, grace)
        if not handed_off:
            lines.close()
            proc.stdout.close()
    if not handed_off:
        output = lines.text
    if on_tick is not None:
        on_tick()
    return ProcessResult(
        argv=argv,
        pid=proc.pid,
        returncode=None if (timed_out or stopped) else proc.returncode,
        elapsed=time.monotonic() - started,
        output=output,
        timed_out=timed_out,
        stopped=stopped,
    )


def _drain(fd: int, lines: _Lines) -> None:
    """Read what a killed process left in the pipe, without blocking on lingering writers."""
    with contextlib.suppress(OSError):
        while True:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if not ready:
                return
            data = os.read(fd, 65536)
            if not data:
                return
            lines.feed(data)


# Background readers of hooks' leftover processes (see the module docstring).
_QUIT = threading.Event()
_READERS: set[threading.Thread] = set()
_READERS_LOCK = threading.Lock()


def _drain_in_background(stream: IO[bytes], lines: _Lines) -> threading.Thread:
    """Read `stream` to EOF in a daemon thread, feeding `lines` (and so `on_line`)."""

    def read() -> None:
        fd = stream.fileno()
        try:
            with contextlib.suppress(OSError, ValueError):
                while not _QUIT.is_set():
                    ready, _, _ = select.select([fd], [], [], _POLL * 2)
                    if not ready:
                        continue
                    data = os.read(fd, 65536)
                    if not data:
                        break
                    lines.feed(data)
            if not _QUIT.is_set():
                lines.close()
        finally:
            stream.close()
            with _READERS_LOCK:
                _READERS.discard(threading.current_thread())

    thread = threading.Thread(target=read, name="paratest-hook-output", daemon=True)
    with _READERS_LOCK:
        _READERS.add(thread)
    thread.start()
    return thread


@atexit.register
def stop_background_readers(timeout: float = 1.0) -> None:
    """Stop delivering leftovers' output (at interpreter exit: nothing prints during shutdown).

    Their pipes close; a leftover that writes again after we are gone gets SIGPIPE, as it would
    once our process has exited anyway."""
    _QUIT.set()
    with _READERS_LOCK:
        threads = list(_READERS)
    end = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, end - time.monotonic()))


def capture(
    command: Sequence[str] | str,
    *,
    cwd: Path,
    env: Mapping[str, str],
    what: str,
) -> subprocess.CompletedProcess[str]:
    """Run a short listing command (test discovery) to completion and capture its output.

    `command` is an argv, or a string run by the shell (only the user's own command lines, e.g.
    `--lines-from CMD --lines-command`, never test ids). `env` is added to our environment. A
    command that cannot start is a PluginError naming `what` (the plugin) and the program.
    """
    shell = isinstance(command, str)
    try:
        return subprocess.run(
            command,
            shell=shell,
            cwd=cwd,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            check=False,
        )
    except OSError as exc:
        from paratest_split.core.errors import PluginError

        program = command if shell else command[0]
        raise PluginError(f"{what}: cannot start {program!r}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def on_signals(handler: Callable[[int], None]) -> Iterator[None]:
    """While inside, SIGINT and SIGTERM call `handler(signum)`; the handlers before are put back
    after. Signal handlers can only be set from the main thread: elsewhere (e.g. tests) nothing
    is installed. A handler that raises (an `Interrupted`) raises in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        del frame
        handler(signum)

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def stop_on_signals(stop: threading.Event) -> contextlib.AbstractContextManager[None]:
    """While inside, SIGINT and SIGTERM set `stop` instead of raising (main thread only).

    The handler does nothing else: printing from a signal handler can re-enter a print of the
    main thread. The main thread notices `stop` and says so.
    """

    def handler(signum: int) -> None:
        del signum
        stop.set()

    return on_signals(handler)
