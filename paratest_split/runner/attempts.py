"""The shard engine's flow of attempts: the setup stages around the tests, attempts and
retries (`retry.decide`), and per-test mode (each test between `setup_test` and
`teardown_test`, with its own `--test-timeout`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from paratest_split.core.errors import ParatestError
from paratest_split.core.model import Attempt, CaseResult, Invocation, Outcome
from paratest_split.core.retry import RetryPolicy, decide
from paratest_split.runner import events as ev
from paratest_split.runner.engine_base import Crash, Prepared, Single, Stopped
from paratest_split.runner.recovery import RecoveryStage
from paratest_split.runner.results import dedupe, placeholder_case, worst


class AttemptStage(RecoveryStage):
    """The hooks around the tests, the attempts of the tests and their retries."""

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

    def _attempts(self, first: Prepared) -> None:
        policy = RetryPolicy(
            retries=self.settings.retries, max_fraction=self.settings.max_retry_fraction
        )
        pending = list(self.tests)
        prepared: Prepared | None = first
        while pending and not self._halted():
            self.state.attempts += 1
            attempt = self.state.attempts
            if prepared is None:
                prepared = self._prepare(attempt, pending)
            self.emit(
                ev.AttemptStarted(
                    shard=self.shard,
                    attempt=attempt,
                    tests=tuple(pending),
                    not_run=sum(t in self.unrun_last for t in pending),
                )
            )
            self.crash = Crash()
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

    def _attempt(
        self, attempt: int, tests: Sequence[str], prepared: Prepared
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

    def _single(self, attempt: int, test: str, single: Single) -> list[CaseResult]:
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
            elif self.state.stopped is Stopped.TIMEOUT:
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
