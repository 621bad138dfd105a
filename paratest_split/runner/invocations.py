"""The shard engine's runner processes: building an attempt's invocations (the discovery
plugin's, or a test's own COMMAND), running them with the shard's environment, reading their
JUnit reports and matching the cases to the shard's tests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from paratest_split.core.errors import BadInputError, PluginError
from paratest_split.core.matching import is_module_skip
from paratest_split.core.model import CaseResult, Invocation
from paratest_split.core.placeholders import RUNNER_PLACEHOLDERS, substitute_argv
from paratest_split.discovery.base import RunRequest
from paratest_split.discovery.command import no_junit_warning
from paratest_split.runner import events as ev
from paratest_split.runner.engine_base import (
    PROGRESS_ENV,
    Batch,
    Prepared,
    Single,
    Stopped,
    some_of,
    write_ids,
)
from paratest_split.runner.engine_hooks import HookStage
from paratest_split.runner.process import ProcessResult, run_process
from paratest_split.runner.results import dedupe, read_report


class InvocationStage(HookStage):
    """Builds and runs the runner's processes and reads what they reported."""

    def _prepare(self, attempt: int, tests: Sequence[str]) -> Prepared:
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
                Batch(tests=group, invocations=self._invocations(group, where), directory=where)
            )
        single: dict[str, Single] = {}
        for position, test in enumerate(per_test):
            test_dir = directory / f"test-{position}"
            test_dir.mkdir(parents=True, exist_ok=True)
            tests_file = test_dir / "test.txt"
            write_ids(tests_file, [test])
            values = self.values(tests_file=tests_file, junit=test_dir / "junit.xml")
            command = self.items[test].command
            if command:
                invocations = [Invocation(argv=substitute_argv(command, values), tests=(test,))]
            else:
                invocations = self._invocations([test], test_dir / "run")
            single[test] = Single(values=values, invocations=invocations)
        return Prepared(batches=batches, single=single)

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

    def _discover_args(self) -> tuple[str, ...]:
        """The discovery arguments the plan was made with (so the runner collects the same
        ids), unless this run names its own: those win, with a warning when they differ."""
        given = tuple(self.settings.discover_args)
        planned = self.run_.plan.discover_args
        if planned is None or (given and given == planned):
            return given
        if not given:
            return planned
        if not self.state.said_other_args:
            self.state.said_other_args = True
            self._warn(
                f"--discover-args {' '.join(given)!r} differ from the plan's "
                f"{' '.join(planned)!r}: using this run's (test ids may not match the plan)"
            )
        return given

    def _invocations(self, tests: Sequence[str], directory: Path) -> list[Invocation]:
        directory.mkdir(parents=True, exist_ok=True)
        tests_file = directory / "tests.txt"
        write_ids(tests_file, tests)
        junit_dir = directory / "junit"
        junit_dir.mkdir(exist_ok=True)
        request = RunRequest(
            tests=tuple(tests),
            tests_file=tests_file,
            junit_dir=junit_dir,
            root=self.run_.workspace,
            user_command=self._user_command(),
            args=self._discover_args(),
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
            self.state.stopped = Stopped.INTERRUPTED
        elif process.timed_out and self.state.stopped is Stopped.NO:
            self.state.stopped = Stopped.TIMEOUT
        if process.start_error:
            self.emit(ev.Message(shard=self.shard, text=process.start_error, warning=True))

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
                if not is_module_skip(case):  # a skipped module is no test of anyone's
                    outside.append(
                        f"{case.classname}::{case.name}" if case.classname else case.name
                    )
            elif test in asked:
                results[test].append(case)
            else:
                ignored.append(test)
        if outside:
            self._warn(
                f"attempt {attempt}: {len(outside)} result(s) for tests not in shard "
                f"{self.shard} kept in the report: {some_of(outside)}"
            )
        if ignored:
            self._warn(
                f"attempt {attempt}: the runner also ran {len(ignored)} test(s) of this shard "
                f"that were not asked for; their results are ignored: {some_of(ignored)}"
            )
        return results
