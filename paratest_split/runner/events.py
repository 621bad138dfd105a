"""What a running shard reports as it goes (for `run`'s log and `local`'s live display).

`run_shard(..., on_event=callback)` calls the callback from the thread that runs the shard, in
order. Every event carries the shard index. The callback must be quick and must not raise.
"""

from __future__ import annotations

from dataclasses import dataclass

from paratest_split.core.model import Outcome


@dataclass(frozen=True, kw_only=True, slots=True)
class ShardStarted:
    shard: int
    tests: int


@dataclass(frozen=True, kw_only=True, slots=True)
class HookStarted:
    shard: int
    hook: str  # setup, setup_workspace, setup_test, teardown_test, teardown_workspace, teardown
    command: str  # after placeholder substitution
    test: str | None = None  # setup_test/teardown_test: the test


@dataclass(frozen=True, kw_only=True, slots=True)
class HookFinished:
    shard: int
    hook: str
    exit_code: int | None  # None: killed on timeout/stop
    elapsed: float
    test: str | None = None

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


@dataclass(frozen=True, kw_only=True, slots=True)
class AttemptStarted:
    shard: int
    attempt: int  # 1 for the first run, 2 for the first retry...
    tests: tuple[str, ...]
    not_run: int = 0  # of `tests`, how many the previous attempt never reached (a crash)


@dataclass(frozen=True, kw_only=True, slots=True)
class AttemptFinished:
    shard: int
    attempt: int
    failed: tuple[str, ...]  # planned tests whose result this attempt was failed/error


@dataclass(frozen=True, kw_only=True, slots=True)
class TestStarted:
    """Known in per-test mode only (a batch runner does not say when a test starts)."""

    __test__ = False

    shard: int
    test: str
    attempt: int


@dataclass(frozen=True, kw_only=True, slots=True)
class TestFinished:
    """A test finished; `outcome` is None when it is not known yet (read from JUnit later)."""

    __test__ = False

    shard: int
    test: str
    attempt: int
    outcome: Outcome | None


@dataclass(frozen=True, kw_only=True, slots=True)
class Output:
    """One line a hook or a runner printed (stdout and stderr together)."""

    shard: int
    source: str  # a hook name, or "tests"
    line: str

    @property
    def prefixed(self) -> str:
        return f"[shard {self.shard} {self.source}] {self.line}"


@dataclass(frozen=True, kw_only=True, slots=True)
class Message:
    """Something the engine says: a retry decision, a warning, why it stopped."""

    shard: int
    text: str
    warning: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class ShardFinished:
    shard: int
    exit_code: int
    message: str


Event = (
    ShardStarted
    | HookStarted
    | HookFinished
    | AttemptStarted
    | AttemptFinished
    | TestStarted
    | TestFinished
    | Output
    | Message
    | ShardFinished
)
