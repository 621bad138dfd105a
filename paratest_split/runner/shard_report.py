"""The shard engine's end: each test's attempts folded into its cases (`retry.fold`), the
shard's JUnit report written, and the shard's exit code and one-line message.
"""

from __future__ import annotations

import dataclasses
import time

from paratest_split import ci
from paratest_split.core.errors import ExitCode
from paratest_split.core.model import (
    ATTEMPT_PROPERTY,
    ATTEMPTS_PROPERTY,
    DIGEST_PROPERTY,
    SHARD_PROPERTY,
    SHARDS_PROPERTY,
    Attempt,
    CaseResult,
    Outcome,
)
from paratest_split.core.retry import fold
from paratest_split.junit.writer import write_report
from paratest_split.runner import events as ev
from paratest_split.runner.attempts import AttemptStage
from paratest_split.runner.engine_base import SUITE, ShardOutcome, Stopped
from paratest_split.runner.results import worst


class ReportStage(AttemptStage):
    """Folds the attempts, writes the report, says the verdict."""

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
            (SHARD_PROPERTY, str(run.index)),
            (SHARDS_PROPERTY, str(run.plan.shards)),
            (ATTEMPTS_PROPERTY, str(self.state.attempts)),
            (ATTEMPT_PROPERTY, str(ci.job_attempt(run.env))),
            (DIGEST_PROPERTY, run.plan.inputs_digest),
            *self.state.cost_properties,
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
        if self.stop.is_set() and state.stopped is not Stopped.INTERRUPTED:
            # a SIGTERM/SIGINT during the teardowns (which ran to their end) or after the tests
            state.stopped = Stopped.INTERRUPTED
        summary = (
            f"shard {self.shard}: {total} test{'s' if total != 1 else ''}, "
            f"{total - bad_tests} passed or skipped ({flaky} flaky), {failed} failed, "
            f"{state.attempts} attempt{'s' if state.attempts != 1 else ''}, {elapsed:.1f} s"
        )
        if state.stopped is Stopped.INTERRUPTED:
            return ExitCode.INTERRUPTED, f"{summary}; interrupted (teardowns ran)"
        if state.error is not None:
            return state.error.exit_code, f"{summary}; {state.error}"
        if state.hook_failure:
            return ExitCode.HOOK_FAILED, f"{summary}; {state.hook_failure}"
        if state.stopped is Stopped.TIMEOUT:
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
    return dataclasses.replace(case, earlier=(*lost, *case.earlier))
