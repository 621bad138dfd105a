"""The shard engine's recovery of what a runner left: a batch run with live progress, a runner
that crashed without its report (the progress keeps what it reported, the test it was running
gets the crash), a runner that could not run any test (a usage or plugin error, not failed
tests), and verdicts by exit code for invocations without a report.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
import shutil
import signal
from collections.abc import Mapping, Sequence
from pathlib import PurePath

from paratest_split.core.errors import ParatestError, PluginError, UsageError
from paratest_split.core.model import Attempt, CaseResult, Invocation, Outcome, is_cost_property
from paratest_split.junit.reader import suite_properties
from paratest_split.runner import events as ev
from paratest_split.runner.engine_base import NO_RESULT, Batch, Stopped, some_of, tests_of
from paratest_split.runner.invocations import InvocationStage
from paratest_split.runner.process import ProcessResult
from paratest_split.runner.results import placeholder_case, read_progress, worst

PYTEST_USAGE_ERROR = 4  # pytest.ExitCode.USAGE_ERROR (pytest is not imported here)
# pytest's words when the interpreter it runs in cannot import our plugin (`-p
# paratest_split.pytest_plugin`), or when the plugin is not there to add its options
_PLUGIN_MISSING = re.compile(r'Error importing plugin "paratest_split|arguments: .*--paratest-')
_USAGE_ERROR = re.compile(r": error: ")


class RecoveryStage(InvocationStage):
    """Runs a batch of tests and makes sense of how its runners ended."""

    def _batch(self, attempt: int, batch: Batch) -> dict[str, list[CaseResult]]:
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
        if attempt == 1 and len(invocations) == 1:
            self._keep_cost_properties(invocations[0])
        results = self._assign(attempt, tests, cases)
        self._judge_by_exit_code(results, tests, ran, total=len(invocations))
        cut = [i for i, p in ran if p.stopped or p.timed_out]
        cut_tests = tests_of(cut[0], tests, len(invocations)) if cut else ()
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
            if outcome is not None and (self.state.stopped is not Stopped.NO or crash):
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
            if test in cut_tests and self.state.stopped is not Stopped.NO:
                results[test] = [self._cut_short(test, running=test in running)]
                continue
            reason = ""
            if self.state.stopped is Stopped.NO:
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
            covered = [t for t in tests_of(invocation, tests, total) if not results[t]]
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
                where = f"while running {some_of(crashers)}"
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

    def _keep_cost_properties(self, invocation: Invocation) -> None:
        """The runner's start-up, per-file collection times and per-test overheads (our pytest
        plugin writes them as suite properties), carried into the shard report so a later plan
        can learn the shard's costs from it (timings: `paratest.startup`, `paratest.collect*`,
        `paratest.overhead*`)."""
        path = self._junit_path(invocation)
        files = [] if path is None else sorted(path.rglob("*.xml")) if path.is_dir() else [path]
        if len(files) != 1 or not files[0].is_file():
            return
        self.state.cost_properties = tuple(
            (name, value)
            for name, value in sorted(suite_properties(files[0]).items())
            if is_cost_property(name)
        )

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
        if process.returncode in (0, None) or not _is_pytest(argv):
            return None
        if not self._crashed(invocation, process):
            return None
        lines = [line.strip() for line in process.output.splitlines() if line.strip()]
        # a plugin that cannot be imported is exit 4 in some pytest versions and an uncaught
        # ImportError (exit 1) in others: the words decide
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
        if process.returncode != PYTEST_USAGE_ERROR:
            return None
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
            covered = [t for t in tests_of(invocation, tests, total) if not results[t]]
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
