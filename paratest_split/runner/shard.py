"""The shard engine: setup hooks, the shard's tests with retries, teardown hooks, the report.

`run_shard(ShardRun(...))` is the library entry point of `paratest-split run` and of each
shard of `paratest-split local`. It never installs signal handlers: a caller that wants to
cancel sets the `stop` event (the `run` command does so on SIGTERM/SIGINT), and the engine
then stops the running process group (SIGTERM, `grace` seconds, SIGKILL), runs the teardowns
and writes a partial report.

Order: the first attempt's invocations are built (so a plugin or usage error stops the shard
before any hook runs), `setup` (only with `plan_hooks`), `setup_workspace`, attempts of the
tests (each test in per-test mode between `setup_test` and `teardown_test`),
`teardown_workspace`, `teardown`. A teardown runs when its setup stage was reached, whether
that setup failed or not, on failures, timeouts and interruptions, for at most
`teardown_timeout` seconds (then its process group is killed: exit 12). A failing setup stops
the shard (exit 12). A ParatestError (a plugin's own, or any exception of a plugin's code,
turned into a PluginError naming it) stops the shard too: teardowns run, the report lists every
test that did not run as an error, the exit code is the error's (11 for a plugin).

Before any hook runs, every hook's placeholders are checked (`placeholders.check_hook`): one
without a value here, `{tests}` or an unknown `{name}` is a usage error (exit 4). A runner that
cannot run any test is not "all tests failed": the user's COMMAND that does not start is a
usage error (exit 4), pytest that cannot load our plugin (another interpreter first on PATH) a
plugin error (exit 11), pytest refusing its command line a usage error; the tests are reported
as not run. A SIGTERM/SIGINT (`stop`) at any time, also while the teardowns run (they still run
to their end, within `teardown_timeout`), makes the shard interrupted (exit 2).

A runner that dies without its report (a segfault, `os._exit`, SIGKILL) loses nothing it
reported on the way: the live progress (`PYTEST_PARATEST_PROGRESS`) gives the verdicts of the
tests that finished, the test that was running gets an error naming the crash (with the
runner's last output), the tests it did not reach are "not run". Those are re-run within the
retry budget but are no failures for `--max-retry-fraction`; a test that crashed its runner
runs alone on later attempts, so a test that always crashes does not take the others down.

Verdicts come from the runner's JUnit report. An invocation with no report (a COMMAND that
names no `{junit}`, a `files` test run as its own program) gives each of its tests its exit
code: 0 passed, anything else failed. The report's suites carry `paratest.attempt`: the CI
job's attempt (`ci.job_attempt`), which `merge` uses to order re-runs of the same shard.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import shlex
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TypeVar

from paratest_split import ci
from paratest_split.config import Settings
from paratest_split.discovery.base import Discoverer, RunRequest
from paratest_split.discovery.files import no_junit_warning
from paratest_split.errors import BadInputError, ExitCode, ParatestError, PluginError, UsageError
from paratest_split.junit.writer import write_report
from paratest_split.manifest import item_map
from paratest_split.model import Attempt, CaseResult, Invocation, Outcome, Plan, TestItem
from paratest_split.placeholders import (
    HOOKS,
    RUNNER_PLACEHOLDERS,
    check_hook,
    substitute_argv,
    substitute_shell,
)
from paratest_split.retry import RetryPolicy, decide, fold
from paratest_split.runner import events as ev
from paratest_split.runner.hooks import HookResult, run_hook
from paratest_split.runner.process import ProcessResult, run_process
from paratest_split.runner.results import (
    Matcher,
    dedupe,
    placeholder_case,
    read_progress,
    read_report,
    worst,
)

# Read by paratest_split.pytest_plugin (same name there; that module imports pytest).
PROGRESS_ENV = "PYTEST_PARATEST_PROGRESS"
NO_RESULT = "no result: the runner crashed or did not run it"
SUITE = "paratest-split"
PYTEST_USAGE_ERROR = 4  # pytest.ExitCode.USAGE_ERROR (pytest is not imported here)
# pytest's words when the interpreter it runs in cannot import our plugin (`-p
# paratest_split.pytest_plugin`), or when the plugin is not there to add its options
_PLUGIN_MISSING = re.compile(r'Error importing plugin "paratest_split|arguments: .*--paratest-')
_USAGE_ERROR = re.compile(r": error: ")

_A = TypeVar("_A")
_R = TypeVar("_R")


def _ignore(event: ev.Event) -> None:
    del event


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


class _Stopped(enum.Enum):
    NO = "no"
    INTERRUPTED = "interrupted"
    TIMEOUT = "timeout"


@dataclass(kw_only=True)
class _State:
    stopped: _Stopped = _Stopped.NO
    hook_failure: str = ""  # first hook failure's message
    runner_failure: str = ""  # a runner exited non-zero without reporting a failure
    error: ParatestError | None = None  # a plugin or usage error that stopped the shard
    attempts: int = 0
    warnings: list[str] = field(default_factory=list)
    said_no_junit: bool = False
    # wall time of the first attempt's test processes (not hooks, not retries): the suite time,
    # from which the next plan learns the runner's start-up and per-test cost
    runner_seconds: float = 0.0
    crashers: set[str] = field(default_factory=set)  # ran alone on every later attempt


@dataclass(frozen=True, kw_only=True)
class _Single:
    """One test of a per-test attempt: its hook values and its invocations."""

    values: Mapping[str, str]
    invocations: list[Invocation]


@dataclass(frozen=True, kw_only=True)
class _Batch:
    """Tests run together by one set of runner processes, with one progress file."""

    tests: list[str]
    invocations: list[Invocation]
    directory: Path


@dataclass(frozen=True, kw_only=True)
class _Prepared:
    """The processes of one attempt, built before anything of it runs."""

    batches: list[_Batch]  # the shard's tests, then each test that crashed its runner, alone
    single: dict[str, _Single]  # per-test mode, in order


@dataclass(kw_only=True)
class _Crash:
    """What one attempt's runner crashes left: tests it kept from running (not failures of
    their own, for --max-retry-fraction) and the tests it crashed on."""

    not_run: set[str] = field(default_factory=set)
    crashers: set[str] = field(default_factory=set)


def run_shard(
    run: ShardRun,
    *,
    on_event: Callable[[ev.Event], None] = _ignore,
    stop: threading.Event | None = None,
) -> ShardOutcome:
    """Run shard `run.index` of `run.plan` and write `run.output/shard-<index>.xml`.

    Raises BadInputError for an index the plan does not have; everything that goes wrong
    later (hooks, tests, timeouts, `stop`, plugin errors) is reported in the ShardOutcome and
    the report.
    """
    check_index(run.plan, run.index)
    engine = _Engine(run, on_event, stop or threading.Event())
    return engine.run()


class _Engine:
    def __init__(
        self, run: ShardRun, on_event: Callable[[ev.Event], None], stop: threading.Event
    ) -> None:
        self.run_ = run
        self.settings = run.settings
        self.emit = on_event
        self.stop = stop
        self.shard = run.index
        self.state = _State()
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
        self.crash = _Crash()  # of the attempt being run
        self.unrun_last: set[str] = set()  # tests whose last history entry is "not run (crash)"
        self.workdir = Path(tempfile.mkdtemp(prefix=f"paratest-shard{run.index}-"))
        self.tests_file = self.workdir / "tests.txt"
        _write_ids(self.tests_file, self.tests)

    # -- setup

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
        return {
            "shard": str(run.index),
            "shards": str(run.plan.shards),
            "workspace": str(run.workspace),
            "source": str(run.source),
            "output": str(run.output),
            "tests_file": str(tests_file or self.tests_file),
            "junit": str(junit or run.report),
        }

    # -- main flow

    def run(self) -> ShardOutcome:
        self.emit(ev.ShardStarted(shard=self.shard, tests=len(self.tests)))
        try:
            if self.tests:  # an empty shard runs nothing, not even its hooks, and passes
                self._check_settings()
                try:
                    self._hooks_and_tests()
                except ParatestError as exc:  # teardowns ran (finally): report it like the rest
                    self._fail(exc)
            return self._finish()
        finally:
            self.closed = True
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _check_settings(self) -> None:
        settings = self.settings
        if (
            settings.test_timeout
            and not settings.per_test
            and not any(self.items[t].command for t in self.tests)
        ):
            self._warn(
                f"--test-timeout {settings.test_timeout:g} is ignored without --per-test (only "
                "a test run as its own process can be timed out alone); --timeout limits the "
                "whole shard"
            )

    def _hooks_and_tests(self) -> None:
        if self.state.error is not None:
            return
        try:  # before any hook: a plugin that cannot run these tests stops the shard here
            first = self._prepare(1, self.tests)
            self._check_hooks()
        except ParatestError as exc:
            self._fail(exc)
            return
        settings = self.settings
        stages = []
        if self.run_.plan_hooks:
            stages.append(("setup", settings.setup, "teardown", settings.teardown))
        stages.append(
            (
                "setup_workspace",
                settings.setup_workspace,
                "teardown_workspace",
                settings.teardown_workspace,
            )
        )
        teardowns: list[tuple[str, str | None]] = []
        try:
            for setup_name, setup_cmd, teardown_name, teardown_cmd in stages:
                if self._halted():
                    return
                teardowns.append((teardown_name, teardown_cmd))
                if setup_cmd and not self._setup_hook(setup_name, setup_cmd):
                    return
            self._attempts(first)
        finally:
            for name, command in reversed(teardowns):
                if command:
                    self._teardown_hook(name, command)

    def _check_hooks(self) -> None:
        """Every hook this shard would run, checked before the first runs: a placeholder
        without a value (`{tests}`, a typo) is a UsageError naming the hook."""
        values = self.values()
        for hook in HOOKS:
            if hook in ("setup", "teardown") and not self.run_.plan_hooks:
                continue
            command = getattr(self.settings, hook)
            if command:
                check_hook(hook, command, values)

    def _halted(self) -> bool:
        if self.stop.is_set() and self.state.stopped is _Stopped.NO:
            self.state.stopped = _Stopped.INTERRUPTED
        if (
            self.deadline is not None
            and time.monotonic() >= self.deadline
            and self.state.stopped is _Stopped.NO
        ):
            self.state.stopped = _Stopped.TIMEOUT
        return (
            self.state.stopped is not _Stopped.NO
            or bool(self.state.hook_failure)
            or self.state.error is not None
        )

    def _hook(
        self,
        name: str,
        command: str,
        *,
        cancellable: bool,
        test: str | None = None,
        values: Mapping[str, str] | None = None,
        deadline: float | None = None,
    ) -> HookResult:
        values = values or self.values()

        def on_line(line: str) -> None:
            if not self.closed:  # a service a setup hook started may print after the shard
                self.emit(ev.Output(shard=self.shard, source=name, line=line))

        shown = substitute_shell(command, values)
        self.emit(ev.HookStarted(shard=self.shard, hook=name, command=shown, test=test))
        result = run_hook(
            name,
            command,
            values=values,
            cwd=self.run_.workspace,
            env=self.run_.env,
            on_line=on_line,
            stop=self.stop if cancellable else None,
            deadline=self.deadline if cancellable else deadline,
            grace=self.settings.grace,
        )
        self.emit(
            ev.HookFinished(
                shard=self.shard,
                hook=name,
                exit_code=result.process.returncode,
                elapsed=result.process.elapsed,
                test=test,
            )
        )
        return result

    def _setup_hook(
        self,
        name: str,
        command: str,
        *,
        test: str | None = None,
        values: Mapping[str, str] | None = None,
    ) -> bool:
        result = self._hook(name, command, cancellable=True, test=test, values=values)
        if result.ok:
            return True
        if result.process.stopped:
            self.state.stopped = _Stopped.INTERRUPTED
        elif result.process.timed_out:
            self.state.stopped = _Stopped.TIMEOUT
        self._hook_failed(result)
        return False

    def _teardown_hook(
        self,
        name: str,
        command: str,
        *,
        test: str | None = None,
        values: Mapping[str, str] | None = None,
    ) -> None:
        limit = self.settings.teardown_timeout
        deadline = time.monotonic() + limit if limit else None
        result = self._hook(
            name, command, cancellable=False, test=test, values=values, deadline=deadline
        )
        if not result.ok:
            self._hook_failed(result, teardown=True)

    def _hook_failed(self, result: HookResult, *, teardown: bool = False) -> None:
        text = result.describe()
        if result.process.timed_out and teardown:
            text += (
                f" (--teardown-timeout {self.settings.teardown_timeout:g} s; its process group "
                "was killed)"
            )
        elif result.process.timed_out:
            text += f" (--timeout {self.settings.timeout:g} s)"
        text += f": {result.command}"
        self.emit(ev.Message(shard=self.shard, text=text, warning=True))
        if not self.state.hook_failure:
            self.state.hook_failure = text

    # -- attempts

    def _attempts(self, first: _Prepared) -> None:
        policy = RetryPolicy(
            retries=self.settings.retries, max_fraction=self.settings.max_retry_fraction
        )
        pending = list(self.tests)
        prepared: _Prepared | None = first
        while pending and not self._halted():
            self.state.attempts += 1
            attempt = self.state.attempts
            if prepared is None:
                prepared = self._prepare(attempt, pending)
            self.emit(ev.AttemptStarted(shard=self.shard, attempt=attempt, tests=tuple(pending)))
            self.crash = _Crash()
            results = self._attempt(attempt, pending, prepared)
            prepared = None
            failed = []
            for test in pending:
                cases = results[test]
                if test in self.unrun_last:  # kept from running by a crash: now it has run
                    self.history[test].pop()
                    self.unrun_last.discard(test)
                self.history[test].append(cases)
                if test in self.crash.not_run:
                    self.unrun_last.add(test)
                if (worst(c.final.outcome for c in cases) or Outcome.ERROR).is_bad:
                    failed.append(test)
            self.emit(ev.AttemptFinished(shard=self.shard, attempt=attempt, failed=tuple(failed)))
            self.state.crashers |= self.crash.crashers
            if self._halted():
                return
            not_run = sum(t in self.crash.not_run for t in failed)
            decision = decide(
                policy,
                failed=len(failed) - not_run,
                not_run=not_run,
                total=len(self.tests),
                attempts_done=attempt,
            )
            if failed:
                self.emit(ev.Message(shard=self.shard, text=decision.reason))
            if not decision.retry:
                return
            pending = failed

    def _prepare(self, attempt: int, tests: Sequence[str]) -> _Prepared:
        """Every process of an attempt, built before any of it runs (plugin errors raise)."""
        per_test = [t for t in tests if self.settings.per_test or self.items[t].command]
        alone = set(per_test)
        batch = [t for t in tests if t not in alone]
        directory = self.workdir / f"attempt-{attempt}"
        directory.mkdir(parents=True, exist_ok=True)
        # a test that crashed its runner runs alone: if it crashes again, the others still run
        crashers = [t for t in batch if t in self.state.crashers]
        groups = [[t for t in batch if t not in self.state.crashers]] + [[t] for t in crashers]
        batches = []
        for position, group in enumerate(g for g in groups if g):
            where = directory if position == 0 else directory / f"alone-{position}"
            batches.append(
                _Batch(tests=group, invocations=self._invocations(group, where), directory=where)
            )
        single: dict[str, _Single] = {}
        for position, test in enumerate(per_test):
            test_dir = directory / f"test-{position}"
            test_dir.mkdir(parents=True, exist_ok=True)
            tests_file = test_dir / "test.txt"
            _write_ids(tests_file, [test])
            values = self.values(tests_file=tests_file, junit=test_dir / "junit.xml")
            command = self.items[test].command
            if command:
                invocations = [Invocation(argv=substitute_argv(command, values), tests=(test,))]
            else:
                invocations = self._invocations([test], test_dir / "run")
            single[test] = _Single(values=values, invocations=invocations)
        return _Prepared(batches=batches, single=single)

    def _attempt(
        self, attempt: int, tests: Sequence[str], prepared: _Prepared
    ) -> dict[str, list[CaseResult]]:
        results: dict[str, list[CaseResult]] = {}
        for batch in prepared.batches:
            if self._halted():
                break
            results.update(self._batch(attempt, batch))
        per_test = list(prepared.single)
        for position, test in enumerate(per_test):
            if self._halted():
                for rest in per_test[position:]:
                    results[rest] = [self._not_run(rest)]
                break
            results[test] = self._single(attempt, test, prepared.single[test])
        for test in tests:  # never silently lose a test
            results.setdefault(test, [self._not_run(test)])
        return results

    def _not_run(self, test: str, reason: str = "") -> CaseResult:
        if not reason:
            stopped = self.state.stopped
            if self.state.error is not None:
                reason = f"not run: {self.state.error}"
            elif stopped is _Stopped.TIMEOUT:
                reason = (
                    f"timeout: not run, the shard's --timeout of {self.settings.timeout:g} s "
                    "expired"
                )
            elif stopped is _Stopped.INTERRUPTED:
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
        if self.state.stopped is _Stopped.TIMEOUT:
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

    def _runner_env(self, invocation: Invocation, progress: Path | None) -> dict[str, str]:
        env = dict(self.run_.env)
        env.update(dict(invocation.env))
        env.setdefault("PYTHONUNBUFFERED", "1")
        if progress is not None:
            env[PROGRESS_ENV] = str(progress)
        else:
            env.pop(PROGRESS_ENV, None)
        return env

    def _user_command(self) -> tuple[str, ...] | None:
        """The user's COMMAND with the shard's values filled in every argument (shell-quoted in
        a `sh -c` script); `{tests}`, `{tests_file}`, `{junit}` are left for the discoverer."""
        if not self.settings.command:
            return None
        return substitute_argv(self.settings.command, self.values(), leave=RUNNER_PLACEHOLDERS)

    def _invocations(self, tests: Sequence[str], directory: Path) -> list[Invocation]:
        directory.mkdir(parents=True, exist_ok=True)
        tests_file = directory / "tests.txt"
        _write_ids(tests_file, tests)
        junit_dir = directory / "junit"
        junit_dir.mkdir(exist_ok=True)
        request = RunRequest(
            tests=tuple(tests),
            tests_file=tests_file,
            junit_dir=junit_dir,
            root=self.run_.workspace,
            user_command=self._user_command(),
            args=self.settings.discover_args,
            env=self.run_.env,
        )
        invocations = self._plugin_call(self.run_.discoverer.invocations, request)
        for invocation in invocations:
            candidate: object = invocation  # third-party code: trust no type
            argv = getattr(candidate, "argv", None)
            if (
                not isinstance(candidate, Invocation)
                or not isinstance(argv, tuple)
                or not argv
                or not all(isinstance(a, str) for a in argv)
            ):
                raise PluginError(
                    f"discovery plugin '{self.plugin}' returned an invalid invocation "
                    f"(argv must be a non-empty tuple of strings): {invocation!r:.200}"
                )
        if (
            self.settings.command
            and not self.state.said_no_junit
            and any(i.junit is None for i in invocations)
        ):
            self.state.said_no_junit = True
            self._warn(no_junit_warning(self.settings.command))
        return list(invocations)

    def _run_invocation(
        self,
        invocation: Invocation,
        *,
        progress: Path | None,
        deadline: float | None,
        on_tick: Callable[[], None] | None = None,
    ) -> ProcessResult:
        result = run_process(
            invocation.argv,
            cwd=Path(invocation.cwd) if invocation.cwd else self.run_.workspace,
            env=self._runner_env(invocation, progress),
            on_line=lambda line: self.emit(ev.Output(shard=self.shard, source="tests", line=line)),
            on_tick=on_tick,
            stop=self.stop,
            deadline=deadline,
            grace=self.settings.grace,
        )
        if self.state.attempts <= 1:
            self.state.runner_seconds += result.elapsed
        return result

    def _note_process(self, process: ProcessResult) -> None:
        if process.stopped:
            self.state.stopped = _Stopped.INTERRUPTED
        elif process.timed_out and self.state.stopped is _Stopped.NO:
            self.state.stopped = _Stopped.TIMEOUT
        if process.start_error:
            self.emit(ev.Message(shard=self.shard, text=process.start_error, warning=True))

    def _batch(self, attempt: int, batch: _Batch) -> dict[str, list[CaseResult]]:
        tests = batch.tests
        invocations = batch.invocations
        progress = batch.directory / "progress.txt"
        seen: dict[str, Outcome | None] = {}
        started: list[str] = []
        offset = 0

        def poll() -> None:
            nonlocal offset
            lines, offset = read_progress(progress, offset, started=started)
            for outcome, test in lines:
                seen[test] = outcome
                self.emit(
                    ev.TestFinished(shard=self.shard, test=test, attempt=attempt, outcome=outcome)
                )

        ran: list[tuple[Invocation, ProcessResult]] = []
        for invocation in invocations:
            if self._halted():
                break
            process = self._run_invocation(
                invocation, progress=progress, deadline=self.deadline, on_tick=poll
            )
            ran.append((invocation, process))
            error = self._cannot_run(invocation, process)
            if error is not None:  # no test ran: a usage or plugin error, not failed tests
                self._fail(error)
                return {t: [self._not_run(t)] for t in tests}
            self._note_process(process)
        cases: list[CaseResult] = []
        for invocation in invocations:
            cases.extend(self._junit_cases(invocation))
        results = self._assign(attempt, tests, cases)
        self._judge_by_exit_code(results, tests, ran, total=len(invocations))
        cut = [i for i, p in ran if p.stopped or p.timed_out]
        cut_tests = _covered(cut[0], tests, len(invocations)) if cut else ()
        unfinished = [t for t in cut_tests if not results[t] and t not in seen]
        running = {t for t in started if t not in seen}
        if len(unfinished) == 1:
            running.add(unfinished[0])
        crashes = self._crashes(
            attempt, tests, ran, results, seen=seen, running=running, total=len(invocations)
        )
        for test in tests:
            if results[test]:
                continue
            outcome = seen.get(test)
            crash = crashes.get(test)
            if outcome is not None and (self.state.stopped is not _Stopped.NO or crash):
                # Killed before writing its report: trust what the progress file said.
                why = crash or "was stopped"
                results[test] = [
                    placeholder_case(
                        self.items[test],
                        Attempt(
                            outcome=outcome,
                            message=f"{outcome.value} (from the live progress; the runner "
                            f"{why} before it wrote its report)",
                            type="paratest-split",
                            time_known=False,
                        ),
                    )
                ]
                continue
            if test in cut_tests and self.state.stopped is not _Stopped.NO:
                results[test] = [self._cut_short(test, running=test in running)]
                continue
            reason = ""
            if self.state.stopped is _Stopped.NO:
                codes = ", ".join(str(p.returncode) for _, p in ran if not p.ok)
                reason = NO_RESULT + (f" (runner exit code {codes})" if codes else "")
            results[test] = [self._not_run(test, reason)]
        bad_exit = [p for _, p in ran if p.returncode not in (0, None)]
        if (
            bad_exit
            and not any(
                (worst(c.final.outcome for c in results[t]) or Outcome.ERROR).is_bad for t in tests
            )
            and not any(c.final.outcome.is_bad for c in cases)
        ):
            codes = ", ".join(str(p.returncode) for p in bad_exit)
            text = f"attempt {attempt}: the runner exited {codes} but reported no failure"
            self.emit(ev.Message(shard=self.shard, text=text, warning=True))
            self.state.runner_failure = text
        return results

    def _crashes(
        self,
        attempt: int,
        tests: Sequence[str],
        ran: Sequence[tuple[Invocation, ProcessResult]],
        results: dict[str, list[CaseResult]],
        *,
        seen: Mapping[str, Outcome | None],
        running: set[str],
        total: int,
    ) -> dict[str, str]:
        """Runners that died without their report (a segfault, `os._exit`, SIGKILL from an
        OOM killer): the test each was running gets an error naming the crash (in `results`),
        the tests it had not reached are `self.crash.not_run` (not failures of their own);
        returns {test without a result: how its runner died} (the caller keeps what the live
        progress said of each). A runner without live progress cannot say where it died: its
        tests keep the plain "no result" (and count as failed)."""
        crashes: dict[str, str] = {}
        for invocation, process in ran:
            if not self._crashed(invocation, process):
                continue
            how = exit_words(process.returncode)
            covered = [t for t in _covered(invocation, tests, total) if not results[t]]
            crashers = [t for t in covered if t in running]
            if not crashers and not any(t in seen for t in covered):
                continue  # no live progress: nothing to tell
            for test in covered:
                crashes[test] = how
            for test in crashers:
                results[test] = [
                    placeholder_case(
                        self.items[test],
                        Attempt(
                            outcome=Outcome.ERROR,
                            message=f"the runner crashed while running this test: it {how} "
                            "before writing its report",
                            type="paratest-split",
                            time_known=False,
                            stdout=process.output,
                        ),
                    )
                ]
            self.crash.crashers.update(crashers)
            kept = sum(t in seen for t in covered)
            lost = [t for t in covered if t not in seen and t not in crashers]
            if crashers:
                where = f"while running {_some(crashers)}"
                self.crash.not_run.update(lost)
            else:
                where = "between tests"
            for test in lost:
                results[test] = [self._not_run(test, f"not run: the runner {how} {where}")]
            self._warn(
                f"attempt {attempt}: the runner {how} {where}: {kept} result(s) it reported "
                f"before are kept, {len(lost)} test(s) it did not reach are not run"
            )
        return crashes

    def _crashed(self, invocation: Invocation, process: ProcessResult) -> bool:
        """The runner died on its own (not stopped by us) without writing its report."""
        if process.returncode in (0, None) or process.start_error:
            return False
        path = self._junit_path(invocation)
        if path is None:
            return False  # the exit code is the verdict (_judge_by_exit_code)
        return not (path.is_file() or (path.is_dir() and any(path.rglob("*.xml"))))

    def _cannot_run(self, invocation: Invocation, process: ProcessResult) -> ParatestError | None:
        """A runner that could not run any test: the user's COMMAND does not start (a usage
        error), pytest cannot load our plugin (a plugin error: another interpreter) or refuses
        its command line (a usage error). None when it ran."""
        argv = invocation.argv
        user = self._user_command()
        if process.start_error:
            if user and argv[0] == user[0]:
                return UsageError(
                    f"{process.start_error}: the test command given after -- (is it installed "
                    "and on PATH?)"
                )
            return None
        if process.returncode != PYTEST_USAGE_ERROR or not _is_pytest(argv):
            return None
        if not self._crashed(invocation, process):
            return None
        lines = [line.strip() for line in process.output.splitlines() if line.strip()]
        plugin = next((line for line in lines if _PLUGIN_MISSING.search(line)), None)
        if plugin is not None:
            program = self._program(invocation)
            if PurePath(program).name.startswith("python"):
                where = f"that interpreter's environment ({program} -m pip install paratest-split)"
            else:
                where = f"the environment {program} runs in"
            return PluginError(
                f"{program} cannot load paratest-split's pytest plugin "
                f"({plugin.removeprefix('ERROR: ')}): install paratest-split in {where}, put a "
                "python that has it first on PATH, or give the test command after --"
            )
        error = next((line for line in lines if _USAGE_ERROR.search(line)), None)
        error = error or next((line for line in lines if line.startswith("ERROR:")), None)
        if error is None:
            return None
        return UsageError(
            f"the test runner refused its command line (pytest exit code 4): "
            f"{error.removeprefix('ERROR: ')}: {shlex.join(argv)[:300]}"
        )

    def _program(self, invocation: Invocation) -> str:
        program = invocation.argv[0]
        if "/" in program:
            return program
        env = self._runner_env(invocation, None)
        return shutil.which(program, path=env.get("PATH")) or program

    def _judge_by_exit_code(
        self,
        results: dict[str, list[CaseResult]],
        tests: Sequence[str],
        ran: Sequence[tuple[Invocation, ProcessResult]],
        *,
        total: int,
    ) -> None:
        """Invocations without a report: their exit code is the verdict of each of their tests."""
        for invocation, process in ran:
            if invocation.junit is not None or process.returncode is None:
                continue  # a report decides; or it was killed (the caller says why)
            covered = [t for t in _covered(invocation, tests, total) if not results[t]]
            if not covered:
                continue
            alone = len(covered) == 1  # else a share of the command's time: not a test's own
            if process.ok:
                attempt = Attempt(
                    outcome=Outcome.PASSED, time=process.elapsed / len(covered), time_known=alone
                )
            else:
                message = process.start_error or f"exit code {process.returncode}"
                if not alone:
                    message += f" (the verdict of all {len(covered)} tests of this command)"
                attempt = Attempt(
                    outcome=Outcome.FAILED,
                    message=message,
                    type="exit-code",
                    time=process.elapsed / len(covered),
                    time_known=alone,
                )
            if alone:
                attempt = dataclasses.replace(attempt, stdout=process.output)
            for test in covered:
                results[test] = [placeholder_case(self.items[test], attempt)]

    def _junit_path(self, invocation: Invocation) -> Path | None:
        if not invocation.junit:
            return None
        path = Path(invocation.junit)
        if not path.is_absolute():
            path = Path(invocation.cwd or self.run_.workspace) / path
        return path

    def _junit_cases(self, invocation: Invocation) -> list[CaseResult]:
        path = self._junit_path(invocation)
        if path is None:
            return []
        files = sorted(path.rglob("*.xml")) if path.is_dir() else [path] if path.is_file() else []
        cases: list[CaseResult] = []
        for file in files:
            try:
                found, warnings = read_report(file)
            except BadInputError as exc:
                self._warn(f"runner report unreadable: {exc}")
                continue
            for warning in warnings:
                self._warn(str(warning))
            cases.extend(found)
        return cases

    def _warn(self, text: str) -> None:
        self.state.warnings.append(text)
        self.emit(ev.Message(shard=self.shard, text=text, warning=True))

    def _assign(
        self, attempt: int, tests: Sequence[str], cases: Sequence[CaseResult]
    ) -> dict[str, list[CaseResult]]:
        asked = set(tests)
        results: dict[str, list[CaseResult]] = {t: [] for t in tests}
        outside: list[str] = []
        ignored: list[str] = []
        for case in dedupe(cases):
            test = self.matcher.test_for(case)
            if test is None:
                self.extras.setdefault(case.key, []).append(case)
                outside.append(f"{case.classname}::{case.name}" if case.classname else case.name)
            elif test in asked:
                results[test].append(case)
            else:
                ignored.append(test)
        if outside:
            self._warn(
                f"attempt {attempt}: {len(outside)} result(s) for tests not in shard "
                f"{self.shard} kept in the report: {_some(outside)}"
            )
        if ignored:
            self._warn(
                f"attempt {attempt}: the runner also ran {len(ignored)} test(s) of this shard "
                f"that were not asked for; their results are ignored: {_some(ignored)}"
            )
        return results

    def _single(self, attempt: int, test: str, single: _Single) -> list[CaseResult]:
        values = single.values
        self.emit(ev.TestStarted(shard=self.shard, test=test, attempt=attempt))
        result: list[CaseResult]
        setup = self.settings.setup_test
        teardown = self.settings.teardown_test
        try:
            if setup and not self._setup_hook("setup_test", setup, test=test, values=values):
                result = [self._not_run(test, f"not run: {self.state.hook_failure}")]
            else:
                result = self._single_process(test, single.invocations)
        finally:
            if teardown:
                self._teardown_hook("teardown_test", teardown, test=test, values=values)
        outcome = worst(c.final.outcome for c in result)
        self.emit(ev.TestFinished(shard=self.shard, test=test, attempt=attempt, outcome=outcome))
        return result

    def _single_process(self, test: str, invocations: Sequence[Invocation]) -> list[CaseResult]:
        item = self.items[test]
        test_timeout = self.settings.test_timeout
        deadline = self.deadline
        if test_timeout:
            own = time.monotonic() + test_timeout
            deadline = own if deadline is None else min(deadline, own)
        processes = []
        for invocation in invocations:
            process = self._run_invocation(invocation, progress=None, deadline=deadline)
            processes.append(process)
            error = self._cannot_run(invocation, process)
            if error is not None:  # no test can run: a usage or plugin error
                self._fail(error)
                return [self._not_run(test)]
            if process.timed_out and not (self.deadline and time.monotonic() >= self.deadline):
                break  # this test's own timeout: the shard goes on
            self._note_process(process)
            if process.stopped or process.timed_out:
                break
        elapsed = sum(p.elapsed for p in processes)
        last = processes[-1] if processes else None
        if last is not None and (last.timed_out or last.stopped):
            if last.stopped:
                message = "interrupted while running: the shard was stopped"
            elif self.state.stopped is _Stopped.TIMEOUT:
                message = (
                    f"timeout while running: the shard's --timeout of {self.settings.timeout:g} "
                    "s expired"
                )
            else:
                message = f"timeout: killed after {test_timeout:g} s (--test-timeout)"
            return [
                placeholder_case(
                    item,
                    Attempt(
                        outcome=Outcome.ERROR,
                        message=message,
                        type="paratest-split",
                        time=elapsed,
                        stdout=last.output,
                    ),
                )
            ]
        junit_files = [i for i in invocations if (p := self._junit_path(i)) and p.exists()]
        if junit_files:
            cases = [c for i in junit_files for c in self._junit_cases(i)]
            mine = [c for c in dedupe(cases) if self.matcher.test_for(c) == test]
            if mine:
                return mine
        failed = [p for p in processes if not p.ok]
        output = "\n".join(p.output for p in processes if p.output)
        if failed:
            first = failed[0]
            message = first.start_error or f"exit code {first.returncode}"
            return [
                placeholder_case(
                    item,
                    Attempt(
                        outcome=Outcome.FAILED,
                        message=message,
                        type="exit-code",
                        time=elapsed,
                        stdout=output,
                    ),
                )
            ]
        return [
            placeholder_case(item, Attempt(outcome=Outcome.PASSED, time=elapsed, stdout=output))
        ]

    # -- report

    def _finish(self) -> ShardOutcome:
        run = self.run_
        folded: list[CaseResult] = []
        flaky = 0
        bad_tests = 0
        for test in self.tests:
            cases = self._fold_test(test)
            folded.extend(cases)
            verdict = worst(c.final.outcome for c in cases) or Outcome.ERROR
            if verdict.is_bad:
                bad_tests += 1
            elif any(c.flaky for c in cases):
                flaky += 1
        extra_cases = [fold(attempts) for attempts in self.extras.values()]
        folded.extend(extra_cases)
        failed = sum(c.final.outcome.is_bad for c in folded)
        suites: dict[str, list[CaseResult]] = {}
        for case in folded:
            suites.setdefault(case.suite or SUITE, []).append(case)
        if not suites:
            suites[SUITE] = []
        properties = (
            ("paratest.shard", str(run.index)),
            ("paratest.shards", str(run.plan.shards)),
            ("paratest.attempts", str(self.state.attempts)),
            ("paratest.attempt", str(ci.job_attempt(run.env))),
            ("paratest.plan_digest", run.plan.inputs_digest),
        )
        write_report(
            run.report,
            list(suites.items()),
            name=f"paratest-split shard {run.index}",
            properties=properties,
            flag="--output",
            # the runner's own wall time, so the next plan can learn the start-up and per-test
            # cost that no testcase time carries (timings.learn_overheads)
            wall_time=self.state.runner_seconds,
        )
        elapsed = time.monotonic() - self.started
        exit_code, message = self._verdict(len(self.tests), bad_tests, failed, flaky, elapsed)
        self.emit(ev.ShardFinished(shard=self.shard, exit_code=int(exit_code), message=message))
        return ShardOutcome(
            exit_code=exit_code,
            report=run.report,
            results=tuple(folded),
            attempts=self.state.attempts,
            flaky=flaky,
            failed=failed,
            elapsed=elapsed,
            message=message,
            warnings=tuple(self.state.warnings),
        )

    def _fold_test(self, test: str) -> list[CaseResult]:
        attempts = self.history[test] or [[self._not_run(test)]]
        item = self.items[test]
        by_key: dict[tuple[str, str], list[CaseResult]] = {}
        for cases in attempts:
            for case in cases:
                by_key.setdefault(case.key, []).append(case)
        placeholder_key = (item.classname or "", item.name or item.id)
        if len(by_key) > 1 and placeholder_key in by_key:
            # A multi-case (file/class-level) test that produced nothing on some attempt:
            # those attempts become earlier failures of each of its real cases.
            lost = tuple(c.final for c in by_key.pop(placeholder_key) if c.suite == SUITE)
            return [_with_earlier(fold(cases), lost) for cases in by_key.values()]
        return [fold(cases) for cases in by_key.values()]

    def _verdict(
        self, total: int, bad_tests: int, failed: int, flaky: int, elapsed: float
    ) -> tuple[ExitCode, str]:
        state = self.state
        if self.stop.is_set() and state.stopped is not _Stopped.INTERRUPTED:
            # a SIGTERM/SIGINT during the teardowns (which ran to their end) or after the tests
            state.stopped = _Stopped.INTERRUPTED
        summary = (
            f"shard {self.shard}: {total} test{'s' if total != 1 else ''}, "
            f"{total - bad_tests} passed or skipped ({flaky} flaky), {failed} failed, "
            f"{state.attempts} attempt{'s' if state.attempts != 1 else ''}, {elapsed:.1f} s"
        )
        if state.stopped is _Stopped.INTERRUPTED:
            return ExitCode.INTERRUPTED, f"{summary}; interrupted (teardowns ran)"
        if state.error is not None:
            return state.error.exit_code, f"{summary}; {state.error}"
        if state.hook_failure:
            return ExitCode.HOOK_FAILED, f"{summary}; {state.hook_failure}"
        if state.stopped is _Stopped.TIMEOUT:
            return ExitCode.TESTS_FAILED, (
                f"{summary}; stopped by --timeout {self.settings.timeout:g} s"
            )
        if failed:
            return ExitCode.TESTS_FAILED, summary
        if state.runner_failure:
            return ExitCode.TESTS_FAILED, f"{summary}; {state.runner_failure}"
        if flaky and self.settings.fail_on_flaky:
            return ExitCode.TESTS_FAILED, f"{summary}; failing on flaky tests (--fail-on-flaky)"
        return ExitCode.OK, summary


def exit_words(returncode: int | None) -> str:
    """`killed by signal 11 (SIGSEGV)` / `exited with code 3` for messages."""
    if returncode is None:
        return "was stopped"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            return f"was killed by signal {-returncode}"
        return f"was killed by signal {-returncode} ({name})"
    return f"exited with code {returncode}"


def _is_pytest(argv: Sequence[str]) -> bool:
    """`python -m pytest ...`, `pytest ...`, `py.test ...`."""
    return any(PurePath(arg).name in ("pytest", "py.test") for arg in argv[:3])


def _with_earlier(case: CaseResult, lost: tuple[Attempt, ...]) -> CaseResult:
    if not lost:
        return case
    return dataclasses.replace(case, earlier=(*lost, *case.earlier))


def _write_ids(path: Path, tests: Sequence[str]) -> None:
    path.write_text("".join(f"{t}\n" for t in tests), encoding="utf-8", newline="\n")


def _some(names: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _covered(invocation: Invocation, tests: Sequence[str], invocations: int) -> tuple[str, ...]:
    """The planned tests an invocation runs (all of them when it is the only one and does not
    say)."""
    if invocation.tests:
        wanted = set(invocation.tests)
        return tuple(t for t in tests if t in wanted)
    return tuple(tests) if invocations == 1 else ()
