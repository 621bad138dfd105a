"""The shard engine: setup hooks, the shard's tests with retries, teardown hooks, the report.

`run_shard(ShardRun(...))` is the library entry point of `paratest-split run` and of each
shard of `paratest-split local`. It never installs signal handlers: a caller that wants to
cancel sets the `stop` event (the `run` command does so on SIGTERM/SIGINT), and the engine
then stops the running process group (SIGTERM, `grace` seconds, SIGKILL), runs the teardowns
and writes a partial report.

Order: `setup` (only with `plan_hooks`), `setup_workspace`, attempts of the tests (each test in
per-test mode between `setup_test` and `teardown_test`), `teardown_workspace`, `teardown`.
A teardown runs when its setup stage was reached, whether that setup failed or not, on
failures, timeouts and interruptions. A failing setup stops the shard (exit 12).
"""

from __future__ import annotations

import enum
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from paratest_split.config import Settings
from paratest_split.discovery.base import Discoverer, RunRequest
from paratest_split.errors import BadInputError, ExitCode
from paratest_split.junit.writer import write_report
from paratest_split.manifest import item_map
from paratest_split.model import Attempt, CaseResult, Invocation, Outcome, Plan, TestItem
from paratest_split.retry import RetryPolicy, decide, fold
from paratest_split.runner import events as ev
from paratest_split.runner.hooks import (
    HookResult,
    run_hook,
    substitute_arg,
    substitute_shell,
)
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
    once-per-plan `setup`/`teardown` hooks (`run` does; `local` runs them itself, once)."""

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
    attempts: int = 0
    warnings: list[str] = field(default_factory=list)


def run_shard(
    run: ShardRun,
    *,
    on_event: Callable[[ev.Event], None] = _ignore,
    stop: threading.Event | None = None,
) -> ShardOutcome:
    """Run shard `run.index` of `run.plan` and write `run.output/shard-<index>.xml`.

    Raises BadInputError for an index the plan does not have; everything that goes wrong
    later (hooks, tests, timeouts, `stop`) is reported in the ShardOutcome and the report.
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
        self.started = time.monotonic()
        timeout = run.settings.timeout
        self.deadline = self.started + timeout if timeout else None
        self.tests = run.plan.shard(run.index).tests
        self.items = self._items()
        self.matcher = Matcher([self.items[t] for t in self.tests])
        self.history: dict[str, list[list[CaseResult]]] = {t: [] for t in self.tests}
        self.extras: dict[tuple[str, str], list[CaseResult]] = {}
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
                item = self.run_.discoverer.item_for_id(test)
            items[test] = item
        return items

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
                self._hooks_and_tests()
            return self._finish()
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _hooks_and_tests(self) -> None:
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
            self._attempts()
        finally:
            for name, command in reversed(teardowns):
                if command:
                    self._teardown_hook(name, command)

    def _halted(self) -> bool:
        if self.stop.is_set() and self.state.stopped is _Stopped.NO:
            self.state.stopped = _Stopped.INTERRUPTED
        if (
            self.deadline is not None
            and time.monotonic() >= self.deadline
            and self.state.stopped is _Stopped.NO
        ):
            self.state.stopped = _Stopped.TIMEOUT
        return self.state.stopped is not _Stopped.NO or bool(self.state.hook_failure)

    def _hook(
        self,
        name: str,
        command: str,
        *,
        cancellable: bool,
        test: str | None = None,
        values: Mapping[str, str] | None = None,
    ) -> HookResult:
        values = values or self.values()
        shown = substitute_shell(command, values)
        self.emit(ev.HookStarted(shard=self.shard, hook=name, command=shown, test=test))
        result = run_hook(
            name,
            command,
            values=values,
            cwd=self.run_.workspace,
            env=self.run_.env,
            on_line=lambda line: self.emit(ev.Output(shard=self.shard, source=name, line=line)),
            stop=self.stop if cancellable else None,
            deadline=self.deadline if cancellable else None,
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
        self, name: str, command: str, *, test: str | None = None,
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
        self, name: str, command: str, *, test: str | None = None,
        values: Mapping[str, str] | None = None,
    ) -> None:
        result = self._hook(name, command, cancellable=False, test=test, values=values)
        if not result.ok:
            self._hook_failed(result)

    def _hook_failed(self, result: HookResult) -> None:
        text = result.describe()
        if result.process.timed_out:
            text += f" (--timeout {self.settings.timeout:g} s)"
        text += f": {result.command}"
        self.emit(ev.Message(shard=self.shard, text=text, warning=True))
        if not self.state.hook_failure:
            self.state.hook_failure = text

    # -- attempts

    def _attempts(self) -> None:
        policy = RetryPolicy(
            retries=self.settings.retries, max_fraction=self.settings.max_retry_fraction
        )
        pending = list(self.tests)
        while pending and not self._halted():
            self.state.attempts += 1
            attempt = self.state.attempts
            self.emit(ev.AttemptStarted(shard=self.shard, attempt=attempt, tests=tuple(pending)))
            results = self._attempt(attempt, pending)
            failed = []
            for test in pending:
                cases = results[test]
                self.history[test].append(cases)
                if (worst(c.final.outcome for c in cases) or Outcome.ERROR).is_bad:
                    failed.append(test)
            self.emit(ev.AttemptFinished(shard=self.shard, attempt=attempt, failed=tuple(failed)))
            if self._halted():
                return
            decision = decide(policy, failed=len(failed), total=len(self.tests),
                              attempts_done=attempt)
            if failed:
                self.emit(ev.Message(shard=self.shard, text=decision.reason))
            if not decision.retry:
                return
            pending = failed

    def _attempt(self, attempt: int, tests: Sequence[str]) -> dict[str, list[CaseResult]]:
        per_test = [t for t in tests if self.settings.per_test or self.items[t].command]
        alone = set(per_test)
        batch = [t for t in tests if t not in alone]
        results: dict[str, list[CaseResult]] = {}
        if batch:
            results.update(self._batch(attempt, batch))
        for position, test in enumerate(per_test):
            if self._halted():
                for rest in per_test[position:]:
                    results[rest] = [self._not_run(rest)]
                break
            results[test] = self._single(attempt, test, position)
        return results

    def _not_run(self, test: str, reason: str = "") -> CaseResult:
        if not reason:
            stopped = self.state.stopped
            if stopped is _Stopped.TIMEOUT:
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
            self.items[test], Attempt(outcome=Outcome.ERROR, message=reason, type="paratest-split")
        )

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
        if not self.settings.command:
            return None
        keep = self.values()
        keep["tests_file"] = "{tests_file}"  # left for the discoverer, which knows these
        keep["junit"] = "{junit}"
        return tuple(
            arg if "{tests}" in arg else substitute_arg(arg, keep) for arg in self.settings.command
        )

    def _invocations(self, tests: Sequence[str], directory: Path) -> list[Invocation]:
        directory.mkdir(parents=True, exist_ok=True)
        tests_file = directory / "tests.txt"
        _write_ids(tests_file, tests)
        junit_dir = directory / "junit"
        junit_dir.mkdir()
        request = RunRequest(
            tests=tuple(tests),
            tests_file=tests_file,
            junit_dir=junit_dir,
            root=self.run_.workspace,
            user_command=self._user_command(),
            args=self.settings.discover_args,
            env=self.run_.env,
        )
        return self.run_.discoverer.invocations(request)

    def _run_invocation(
        self, invocation: Invocation, *, progress: Path | None, deadline: float | None,
        on_tick: Callable[[], None] | None = None,
    ) -> ProcessResult:
        return run_process(
            invocation.argv,
            cwd=Path(invocation.cwd) if invocation.cwd else self.run_.workspace,
            env=self._runner_env(invocation, progress),
            on_line=lambda line: self.emit(ev.Output(shard=self.shard, source="tests", line=line)),
            on_tick=on_tick,
            stop=self.stop,
            deadline=deadline,
            grace=self.settings.grace,
        )

    def _note_process(self, process: ProcessResult) -> None:
        if process.stopped:
            self.state.stopped = _Stopped.INTERRUPTED
        elif process.timed_out and self.state.stopped is _Stopped.NO:
            self.state.stopped = _Stopped.TIMEOUT
        if process.start_error:
            self.emit(ev.Message(shard=self.shard, text=process.start_error, warning=True))

    def _batch(self, attempt: int, tests: Sequence[str]) -> dict[str, list[CaseResult]]:
        directory = self.workdir / f"attempt-{attempt}"
        invocations = self._invocations(tests, directory)
        progress = directory / "progress.txt"
        seen: dict[str, Outcome | None] = {}
        offset = 0

        def poll() -> None:
            nonlocal offset
            lines, offset = read_progress(progress, offset)
            for outcome, test in lines:
                seen[test] = outcome
                self.emit(
                    ev.TestFinished(shard=self.shard, test=test, attempt=attempt, outcome=outcome)
                )

        processes: list[ProcessResult] = []
        for invocation in invocations:
            if self._halted():
                break
            process = self._run_invocation(
                invocation, progress=progress, deadline=self.deadline, on_tick=poll
            )
            processes.append(process)
            self._note_process(process)
        cases: list[CaseResult] = []
        for invocation in invocations:
            cases.extend(self._junit_cases(invocation))
        results = self._assign(attempt, tests, cases)
        bad_exit = [p for p in processes if p.returncode not in (0, None)]
        for test in tests:
            if results[test]:
                continue
            outcome = seen.get(test)
            if self.state.stopped is not _Stopped.NO and outcome is not None:
                # Killed before writing its report: trust what the progress file said.
                results[test] = [
                    placeholder_case(
                        self.items[test],
                        Attempt(
                            outcome=outcome,
                            message=f"{outcome.value} (from the live progress; the runner was "
                            "stopped before it wrote its report)",
                            type="paratest-split",
                        ),
                    )
                ]
                continue
            reason = ""
            if self.state.stopped is _Stopped.NO:
                codes = ", ".join(str(p.returncode) for p in bad_exit)
                reason = NO_RESULT + (f" (runner exit code {codes})" if codes else "")
            results[test] = [self._not_run(test, reason)]
        if bad_exit and not any(
            (worst(c.final.outcome for c in results[t]) or Outcome.ERROR).is_bad for t in tests
        ) and not any(c.final.outcome.is_bad for c in cases):
            codes = ", ".join(str(p.returncode) for p in bad_exit)
            text = f"attempt {attempt}: the runner exited {codes} but reported no failure"
            self.emit(ev.Message(shard=self.shard, text=text, warning=True))
            self.state.runner_failure = text
        return results

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

    def _single(self, attempt: int, test: str, position: int) -> list[CaseResult]:
        directory = self.workdir / f"attempt-{attempt}" / f"test-{position}"
        directory.mkdir(parents=True, exist_ok=True)
        tests_file = directory / "test.txt"
        _write_ids(tests_file, [test])
        junit = directory / "junit.xml"
        values = self.values(tests_file=tests_file, junit=junit)
        self.emit(ev.TestStarted(shard=self.shard, test=test, attempt=attempt))
        result: list[CaseResult]
        setup = self.settings.setup_test
        teardown = self.settings.teardown_test
        try:
            if setup and not self._setup_hook("setup_test", setup, test=test, values=values):
                result = [self._not_run(test, f"not run: {self.state.hook_failure}")]
            else:
                result = self._single_process(test, directory, values)
        finally:
            if teardown:
                self._teardown_hook("teardown_test", teardown, test=test, values=values)
        outcome = worst(c.final.outcome for c in result)
        self.emit(ev.TestFinished(shard=self.shard, test=test, attempt=attempt, outcome=outcome))
        return result

    def _single_process(
        self, test: str, directory: Path, values: Mapping[str, str]
    ) -> list[CaseResult]:
        item = self.items[test]
        if item.command:
            argv = tuple(substitute_arg(arg, values) for arg in item.command)
            invocations = [Invocation(argv=argv, tests=(test,))]
        else:
            invocations = self._invocations([test], directory / "run")
        test_timeout = self.settings.test_timeout
        deadline = self.deadline
        if test_timeout:
            own = time.monotonic() + test_timeout
            deadline = own if deadline is None else min(deadline, own)
        processes = []
        for invocation in invocations:
            process = self._run_invocation(invocation, progress=None, deadline=deadline)
            processes.append(process)
            if process.timed_out and not (self.deadline and time.monotonic() >= self.deadline):
                break  # this test's own timeout: the shard goes on
            self._note_process(process)
            if process.stopped or process.timed_out:
                break
        elapsed = sum(p.elapsed for p in processes)
        last = processes[-1] if processes else None
        if last is not None and (last.timed_out or last.stopped):
            if last.stopped:
                message = "interrupted: the shard was stopped while this test ran"
            elif self.state.stopped is _Stopped.TIMEOUT:
                message = f"timeout: the shard's --timeout of {self.settings.timeout:g} s expired"
            else:
                message = f"timeout: killed after {test_timeout:g} s (--test-timeout)"
            return [
                placeholder_case(
                    item,
                    Attempt(
                        outcome=Outcome.ERROR, message=message, type="paratest-split",
                        time=elapsed, stdout=last.output,
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
                    Attempt(outcome=Outcome.FAILED, message=message, type="exit-code",
                            time=elapsed, stdout=output),
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
            ("paratest.plan_digest", run.plan.inputs_digest),
        )
        write_report(
            run.report,
            list(suites.items()),
            name=f"paratest-split shard {run.index}",
            properties=properties,
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
        summary = (
            f"shard {self.shard}: {total} test{'s' if total != 1 else ''}, "
            f"{total - bad_tests} passed or skipped ({flaky} flaky), {failed} failed, "
            f"{state.attempts} attempt{'s' if state.attempts != 1 else ''}, {elapsed:.1f} s"
        )
        if state.stopped is _Stopped.INTERRUPTED:
            return ExitCode.INTERRUPTED, f"{summary}; interrupted (teardowns ran)"
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


def _with_earlier(case: CaseResult, lost: tuple[Attempt, ...]) -> CaseResult:
    if not lost:
        return case
    return CaseResult(
        classname=case.classname,
        name=case.name,
        file=case.file,
        suite=case.suite,
        final=case.final,
        earlier=(*lost, *case.earlier),
        properties=case.properties,
    )


def _write_ids(path: Path, tests: Sequence[str]) -> None:
    path.write_text("".join(f"{t}\n" for t in tests), encoding="utf-8", newline="\n")


def _some(names: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
