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

Layout: the engine is one object built in layers, a module each (`runner.engine_base` lists
them); this module puts them together and is the one callers import.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable

from paratest_split.core.errors import ParatestError
from paratest_split.runner import events as ev
from paratest_split.runner.engine_base import (
    NO_RESULT,
    PROGRESS_ENV,
    SUITE,
    ShardOutcome,
    ShardRun,
    check_index,
    report_path,
)
from paratest_split.runner.recovery import exit_words
from paratest_split.runner.shard_report import ReportStage

__all__ = [
    "NO_RESULT",
    "PROGRESS_ENV",
    "SUITE",
    "ShardOutcome",
    "ShardRun",
    "check_index",
    "exit_words",
    "report_path",
    "run_shard",
]


def _ignore(event: ev.Event) -> None:
    del event


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


class _Engine(ReportStage):
    """The whole shard: the stages of `runner.engine_base`'s docstring, in order."""

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
