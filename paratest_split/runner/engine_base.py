"""The shard engine's ground floor: what a shard run is given (`ShardRun`) and returns
(`ShardOutcome`), the state its stages share, and the words for a test that did not run.

The engine (`runner.shard._Engine`) is one object built in layers, one module each, every layer a
subclass of the one below: this base, `engine_hooks` (running hooks), `invocations` (building
and running the runner's processes, reading their reports), `recovery` (crashes, live progress,
runners that cannot run, verdicts by exit code), `attempts` (attempts, retries, per-test mode)
and `shard_report` (folding and writing the report, the verdict). `runner.shard` puts them
together and is the only module callers import.
"""

from __future__ import annotations

import enum
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from paratest_split.config import Settings
from paratest_split.core.errors import BadInputError, ExitCode, ParatestError, PluginError
from paratest_split.core.model import Attempt, CaseResult, Invocation, Outcome, Plan, TestItem
from paratest_split.core.placeholders import placeholder_values
from paratest_split.discovery.base import Discoverer
from paratest_split.manifest import item_map
from paratest_split.runner import events as ev
from paratest_split.runner.results import Matcher, placeholder_case

PROGRESS_ENV = "PYTEST_PARATEST_PROGRESS"
NO_RESULT = "no result: the runner crashed or did not run it"
SUITE = "paratest-split"

_A = TypeVar("_A")
_R = TypeVar("_R")


def report_path(output: Path, index: int) -> Path:
    return output / f"shard-{index}.xml"


def check_index(plan: Plan, index: int, where: object = "plan") -> None:
    """BadInputError (exit 10) when the plan has no shard `index`."""
    if not 0 <= index < plan.shards:
        last = f" (0-{plan.shards - 1}, 0-based)" if plan.shards else ""
        raise BadInputError(
            where,
            f"plan has {plan.shards} shard{'s' if plan.shards != 1 else ''}{last}, "
            f"index {index} requested",
        )


@dataclass(frozen=True, kw_only=True)
class ShardRun:
    """Everything one shard needs. `workspace` is where hooks and tests run (cwd); `source`
    the project it was made from (the same directory for `run`). `plan_hooks`: also run the
    once-per-plan `setup`/`teardown` hooks (`run --plan-hooks` on a single executor; `local`
    runs them itself, once; on a CI executor they belong to the plan or merge job)."""

    plan: Plan
    index: int
    settings: Settings
    workspace: Path
    source: Path
    output: Path
    env: Mapping[str, str]
    discoverer: Discoverer
    plan_hooks: bool = False

    @property
    def report(self) -> Path:
        return report_path(self.output, self.index)


@dataclass(frozen=True, kw_only=True)
class ShardOutcome:
    exit_code: ExitCode
    report: Path
    results: tuple[CaseResult, ...]  # the report's cases, final verdicts with earlier attempts
    attempts: int  # attempts made (1 + retries used; 0 when no test ran)
    flaky: int  # planned tests that passed only on a retry
    failed: int  # cases whose final verdict is failed/error
    elapsed: float
    message: str  # one line for the user: the summary, or why it failed
    warnings: tuple[str, ...] = ()


class Stopped(enum.Enum):
    NO = "no"
    INTERRUPTED = "interrupted"
    TIMEOUT = "timeout"


@dataclass(kw_only=True)
class State:
    stopped: Stopped = Stopped.NO
    hook_failure: str = ""  # first hook failure's message
    runner_failure: str = ""  # a runner exited non-zero without reporting a failure
    error: ParatestError | None = None  # a plugin or usage error that stopped the shard
    attempts: int = 0
    warnings: list[str] = field(default_factory=list)
    said_no_junit: bool = False
    said_other_args: bool = False
    cost_properties: tuple[tuple[str, str], ...] = ()  # the first attempt's paratest.startup...
    # wall time of the first attempt's test processes (not hooks, not retries): the suite time,
    # from which the next plan learns the runner's start-up and per-test cost
    runner_seconds: float = 0.0
    crashers: set[str] = field(default_factory=set)  # ran alone on every later attempt


@dataclass(frozen=True, kw_only=True)
class Single:
    """One test of a per-test attempt: its hook values and its invocations."""

    values: Mapping[str, str]
    invocations: list[Invocation]


@dataclass(frozen=True, kw_only=True)
class Batch:
    """Tests run together by one set of runner processes, with one progress file."""

    tests: list[str]
    invocations: list[Invocation]
    directory: Path


@dataclass(frozen=True, kw_only=True)
class Prepared:
    """The processes of one attempt, built before anything of it runs."""

    batches: list[Batch]  # the shard's tests, then each test that crashed its runner, alone
    single: dict[str, Single]  # per-test mode, in order


@dataclass(kw_only=True)
class Crash:
    """What one attempt's runner crashes left: tests it kept from running (not failures of
    their own, for --max-retry-fraction) and the tests it crashed on."""

    not_run: set[str] = field(default_factory=set)
    crashers: set[str] = field(default_factory=set)


class EngineBase:
    """State and helpers every stage of the shard engine shares."""

    def __init__(
        self, run: ShardRun, on_event: Callable[[ev.Event], None], stop: threading.Event
    ) -> None:
        self.run_ = run
        self.settings = run.settings
        self.emit = on_event
        self.stop = stop
        self.shard = run.index
        self.state = State()
        self.closed = False  # set when the shard is over: late hook output is dropped
        self.plugin = run.plan.discover or str(getattr(run.discoverer, "name", "plugin"))
        self.started = time.monotonic()
        timeout = run.settings.timeout
        self.deadline = self.started + timeout if timeout else None
        self.tests = run.plan.shard(run.index).tests
        self.items = self._items()
        self.matcher = Matcher([self.items[t] for t in self.tests])
        self.history: dict[str, list[list[CaseResult]]] = {t: [] for t in self.tests}
        self.extras: dict[tuple[str, str], list[CaseResult]] = {}
        self.crash = Crash()  # of the attempt being run
        self.unrun_last: set[str] = set()  # tests whose last history entry is "not run (crash)"
        self.workdir = Path(tempfile.mkdtemp(prefix=f"paratest-shard{run.index}-"))
        self.tests_file = self.workdir / "tests.txt"
        write_ids(self.tests_file, self.tests)

    def _items(self) -> dict[str, TestItem]:
        known = item_map(self.run_.plan)
        items = {}
        for test in self.tests:
            item = known.get(test) or TestItem(id=test)
            if not (item.classname or item.name or item.file or item.command):
                try:
                    item = self._plugin_call(self.run_.discoverer.item_for_id, test)
                except ParatestError as exc:
                    self._fail(exc)
            items[test] = item
        return items

    def _plugin_call(self, function: Callable[[_A], _R], argument: _A) -> _R:
        """Call the discovery plugin's code: any exception but ours becomes a PluginError."""
        try:
            return function(argument)
        except ParatestError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure of a plugin's code is its error
            message = " ".join(f"{type(exc).__name__}: {exc}".split())
            raise PluginError(f"discovery plugin '{self.plugin}' failed: {message}") from None

    def _fail(self, error: ParatestError) -> None:
        """A plugin or usage error: the shard stops (teardowns still run)."""
        if self.state.error is None:
            self.state.error = error
            self.emit(ev.Message(shard=self.shard, text=str(error), warning=True))

    def values(self, tests_file: Path | None = None, junit: Path | None = None) -> dict[str, str]:
        run = self.run_
        return placeholder_values(
            shard=run.index,
            shards=run.plan.shards,
            workspace=run.workspace,
            source=run.source,
            output=run.output,
            tests_file=tests_file or self.tests_file,
            junit=junit or run.report,
        )

    def _halted(self) -> bool:
        if self.stop.is_set() and self.state.stopped is Stopped.NO:
            self.state.stopped = Stopped.INTERRUPTED
        if (
            self.deadline is not None
            and time.monotonic() >= self.deadline
            and self.state.stopped is Stopped.NO
        ):
            self.state.stopped = Stopped.TIMEOUT
        return (
            self.state.stopped is not Stopped.NO
            or bool(self.state.hook_failure)
            or self.state.error is not None
        )

    def _warn(self, text: str) -> None:
        self.state.warnings.append(text)
        self.emit(ev.Message(shard=self.shard, text=text, warning=True))

    def _not_run(self, test: str, reason: str = "") -> CaseResult:
        if not reason:
            stopped = self.state.stopped
            if self.state.error is not None:
                reason = f"not run: {self.state.error}"
            elif stopped is Stopped.TIMEOUT:
                reason = (
                    f"timeout: not run, the shard's --timeout of {self.settings.timeout:g} s "
                    "expired"
                )
            elif stopped is Stopped.INTERRUPTED:
                reason = "interrupted: not run, the shard was stopped"
            elif self.state.hook_failure:
                reason = f"not run: {self.state.hook_failure}"
            else:
                reason = NO_RESULT
        return placeholder_case(
            self.items[test],
            Attempt(outcome=Outcome.ERROR, message=reason, type="paratest-split", time_known=False),
        )

    def _cut_short(self, test: str, *, running: bool) -> CaseResult:
        """A test of a runner killed by a stop or the shard's timeout, with no result of its own.
        `running`: it is known to have been running then; else it may not have started."""
        if self.state.stopped is Stopped.TIMEOUT:
            cause = f"the shard's --timeout of {self.settings.timeout:g} s expired"
            head = "timeout"
        else:
            cause = "the shard was stopped"
            head = "interrupted"
        if running:
            reason = f"{head} while running: {cause}"
        else:
            reason = f"{head}: {cause} before this test finished (running or not yet started)"
        return self._not_run(test, reason)


def write_ids(path: Path, tests: Sequence[str]) -> None:
    path.write_text("".join(f"{t}\n" for t in tests), encoding="utf-8", newline="\n")


def some_of(names: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def tests_of(invocation: Invocation, tests: Sequence[str], invocations: int) -> tuple[str, ...]:
    """The planned tests an invocation runs (all of them when it is the only one and does not
    say)."""
    if invocation.tests:
        wanted = set(invocation.tests)
        return tuple(t for t in tests if t in wanted)
    return tuple(tests) if invocations == 1 else ()
