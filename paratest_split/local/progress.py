"""Progress of `paratest-split local`: a state board fed by events, and two ways to show it.

- `Board`: pure state, one `WorkerState` per worker (tests done/total, failures, elapsed,
  predicted, what it is doing). Fed with `Event`s from the worker threads; thread-safe.
- `LiveDisplay`: on a TTY, a rich table redrawn a few times a second, one line per worker.
- `LineLog`: elsewhere (CI logs), one plain line per notable event: a unit starting or ending,
  hooks, retries, failed tests, and each quarter of a worker's tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TextIO

# Event kinds.
UNIT_START = "unit-start"  # a worker starts a unit (count: its test count, seconds: predicted)
PHASE = "phase"  # a worker does something: detail says what (setup_workspace, attempt 2...)
TEST = "test"  # one test finished: detail is the outcome, test the id
UNIT_END = "unit-end"  # detail: passed, failed, error, interrupted
WORKER_END = "worker-end"  # nothing more to do; detail: why it stopped early ("": finished)


@dataclass(frozen=True, kw_only=True, slots=True)
class Event:
    worker: int
    kind: str
    detail: str = ""
    test: str = ""
    count: int = 0
    seconds: float = 0.0


@dataclass(kw_only=True)
class WorkerState:
    index: int
    total: int = 0  # tests in the units started so far (static: the shard's tests)
    planned_total: int = 0  # all tests this worker is known to get (static) or 0
    done: int = 0
    failed: int = 0
    units: int = 0
    predicted: float = 0.0
    status: str = "waiting"
    started: float | None = None
    finished: float | None = None
    last_quarter: int = 0
    planned: bool = False  # predicted/planned_total came from the plan, not from units
    outcomes: dict[str, str] = field(default_factory=dict)  # test id -> latest outcome

    def elapsed(self, now: float) -> float:
        if self.started is None:
            return 0.0
        return (self.finished if self.finished is not None else now) - self.started


@dataclass(kw_only=True)
class Board:
    """The state of every worker; `apply` is the only mutator."""

    workers: int
    clock: Callable[[], float] = time.monotonic
    states: list[WorkerState] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if not self.states:
            self.states = [WorkerState(index=i) for i in range(self.workers)]

    def plan(self, worker: int, *, tests: int, predicted: float) -> None:
        with self._lock:
            state = self.states[worker]
            state.planned_total = tests
            state.predicted = predicted
            state.planned = True

    def apply(self, event: Event) -> WorkerState:
        """Update the worker's state with `event`; returns a snapshot copy."""
        now = self.clock()
        with self._lock:
            state = self.states[event.worker]
            if state.started is None:
                state.started = now
            if event.kind == UNIT_START:
                state.units += 1
                state.total += event.count
                if not state.planned:
                    state.planned_total = state.total
                    state.predicted += event.seconds
                state.status = "running"
            elif event.kind == PHASE:
                state.status = event.detail
            elif event.kind == TEST:
                # A retried test reports again: it counts once, failed only if its latest
                # attempt failed.
                previous = state.outcomes.get(event.test)
                state.outcomes[event.test] = event.detail
                if previous is None:
                    state.done += 1
                elif previous in _BAD:
                    state.failed -= 1
                if event.detail in _BAD:
                    state.failed += 1
            elif event.kind == UNIT_END:
                state.status = event.detail
            elif event.kind == WORKER_END:
                state.finished = now
                if event.detail:
                    state.status = event.detail
                elif state.failed:  # a later unit's "passed" must not hide an earlier failure
                    state.status = "failed"
            return _copy(state)

    def snapshot(self) -> list[WorkerState]:
        with self._lock:
            return [_copy(s) for s in self.states]

    def mark_quarter(self, worker: int, quarter: int) -> bool:
        """True the first time `worker` reaches `quarter` (LineLog's milestones)."""
        with self._lock:
            state = self.states[worker]
            if quarter <= state.last_quarter:
                return False
            state.last_quarter = quarter
            return True


_BAD = ("failed", "error")


def _copy(state: WorkerState) -> WorkerState:
    """A snapshot without the per-test map (callers need counts only)."""
    return replace(state, outcomes={})


def fmt_seconds(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{rest:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def row(state: WorkerState, now: float) -> tuple[str, str, str, str, str, str]:
    total = max(state.planned_total, state.total)
    return (
        str(state.index),
        f"{state.done}/{total}",
        str(state.failed),
        fmt_seconds(state.elapsed(now)),
        fmt_seconds(state.predicted),
        state.status,
    )


HEADERS = ("worker", "tests", "failed", "elapsed", "predicted", "status")


class Display(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...
    def event(self, event: Event) -> None: ...
    def message(self, text: str) -> None: ...


class LineLog:
    """Plain lines for logs: `[local] worker 2: ...`."""

    def __init__(self, board: Board, out: TextIO) -> None:
        self.board = board
        self.out = out
        self._lock = threading.Lock()

    def start(self) -> None:
        return None

    def stop(self) -> None:
        return None

    def message(self, text: str) -> None:
        with self._lock:
            print(f"[local] {text}", file=self.out, flush=True)

    def event(self, event: Event) -> None:
        state = self.board.apply(event)
        line = self._line(event, state)
        if line:
            self.message(f"worker {event.worker}: {line}")

    def _line(self, event: Event, state: WorkerState) -> str:
        now = self.board.clock()
        if event.kind == UNIT_START:
            predicted = fmt_seconds(event.seconds)
            return f"start {event.detail} ({event.count} tests, predicted {predicted})"
        if event.kind == PHASE:
            return event.detail
        if event.kind == TEST:
            if event.detail in ("failed", "error"):
                return f"{event.detail.upper()} {event.test}"
            total = max(state.total, 1)
            quarter = (4 * state.done) // total
            if quarter < 4 and self.board.mark_quarter(event.worker, quarter):
                return f"{state.done}/{state.total} tests, {fmt_seconds(state.elapsed(now))}"
            return ""
        if event.kind == UNIT_END:
            return (
                f"{event.detail}: {state.done}/{max(state.planned_total, state.total)} tests, "
                f"{state.failed} failed, {fmt_seconds(state.elapsed(now))}"
            )
        if event.kind == WORKER_END:
            return f"finished in {fmt_seconds(state.elapsed(now))}"
        return ""


class LiveDisplay:
    """A rich live table, one line per worker, redrawn 4 times a second."""

    def __init__(self, board: Board, out: TextIO, title: str = "") -> None:
        from rich.console import Console
        from rich.live import Live

        self.board = board
        self.title = title
        self.console = Console(file=out)
        self._live: Any = Live(
            get_renderable=self._render,
            console=self.console,
            refresh_per_second=4,
            transient=False,
        )

    def _render(self) -> Any:
        from rich.table import Table

        now = self.board.clock()
        table = Table(title=self.title or None, title_justify="left")
        for header in HEADERS:
            table.add_column(header, justify="left" if header == "status" else "right")
        for state in self.board.snapshot():
            table.add_row(*row(state, now))
        return table

    def start(self) -> None:
        self._live.start()

    def stop(self) -> None:
        self._live.stop()

    def event(self, event: Event) -> None:
        self.board.apply(event)

    def message(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)


def make_display(
    board: Board, out: TextIO, *, live: bool | None = None, title: str = ""
) -> Display:
    """Live table when `out` is a terminal (or `live=True`), plain lines otherwise."""
    if live is None:
        isatty = getattr(out, "isatty", None)
        live = bool(isatty and isatty())
    if live:
        return LiveDisplay(board, out, title)
    return LineLog(board, out)
