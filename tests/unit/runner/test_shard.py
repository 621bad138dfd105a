"""run_shard end to end on a real pytest suite: retries and verdicts (real processes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from paratest_split.config import Settings
from paratest_split.core.errors import ExitCode
from paratest_split.core.model import Outcome
from paratest_split.runner import events as ev
from paratest_split.runner.shard import run_shard
from tests.unit.runner.helpers import (
    PLAIN,
    children,
    copy_suite,
    files_run,
    report_cases,
    script_suite,
    shard_run,
)

pytestmark = pytest.mark.slow


def test_flaky_passes_on_retry_and_always_failing_is_reported_with_reruns(tmp_path: Path) -> None:
    suite = copy_suite("basic", tmp_path)
    tests = [
        f"{PLAIN}::test_ok",
        f"{PLAIN}::test_flaky",
        f"{PLAIN}::test_always_fails",
        f"{PLAIN}::test_skipped",
    ]
    seen: list[ev.Event] = []
    run = shard_run(tmp_path, suite, [tests], settings=Settings(retries=2, max_retry_fraction=1))

    outcome = run_shard(run, on_event=seen.append)

    assert outcome.exit_code is ExitCode.TESTS_FAILED
    assert outcome.attempts == 3  # first run, retry of both, retry of the always-failing one
    assert (outcome.flaky, outcome.failed) == (1, 1)
    cases = report_cases(outcome.report)
    assert sorted(cases) == ["test_always_fails", "test_flaky", "test_ok", "test_skipped"]
    assert children(cases["test_ok"]) == []
    assert children(cases["test_flaky"]) == ["flakyFailure"]
    assert "first attempt fails" in str(cases["test_flaky"][0].get("message"))
    assert children(cases["test_always_fails"]) == ["failure", "rerunFailure", "rerunFailure"]
    assert children(cases["test_skipped"]) == ["skipped"]
    retried = [e.tests for e in seen if isinstance(e, ev.AttemptStarted)]
    assert retried[1:] == [
        (f"{PLAIN}::test_flaky", f"{PLAIN}::test_always_fails"),
        (f"{PLAIN}::test_always_fails",),
    ]
    finished = {(e.test, e.attempt): e.outcome for e in seen if isinstance(e, ev.TestFinished)}
    assert finished[(f"{PLAIN}::test_flaky", 1)] is Outcome.FAILED
    assert finished[(f"{PLAIN}::test_flaky", 2)] is Outcome.PASSED
    props = outcome.report.read_text()
    assert '<property name="paratest.attempts" value="3"/>' in props
    assert '<property name="paratest.plan_digest" value="d1g3st"/>' in props
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_fail_on_flaky_turns_a_flaky_pass_into_exit_1(tmp_path: Path) -> None:
    flaky = "[ -e flaky-ran ] || { touch flaky-ran; exit 1; }"
    project = script_suite(tmp_path / "p", {"ok.sh": "exit 0", "flaky.sh": flaky})
    strict = Settings(retries=1, max_retry_fraction=1, fail_on_flaky=True)
    run = files_run(tmp_path, project, [["tests/ok.sh", "tests/flaky.sh"]], settings=strict)
    outcome = run_shard(run)
    assert (outcome.exit_code, outcome.flaky, outcome.failed) == (ExitCode.TESTS_FAILED, 1, 0)
    assert "--fail-on-flaky" in outcome.message
    assert children(report_cases(outcome.report)["tests/flaky.sh"]) == ["flakyFailure"]


def test_retry_budget_refusal_is_said(tmp_path: Path) -> None:
    # up to 3 failed tests are always retried; 4 of 5 (80% > 20%) looks broken, not flaky
    scripts = {"ok.sh": "exit 0", **{f"bad{i}.sh": "exit 1" for i in range(4)}}
    project = script_suite(tmp_path / "p", scripts)
    tests = sorted(f"tests/{name}" for name in scripts)
    seen: list[ev.Event] = []
    settings = Settings(retries=3, max_retry_fraction=0.2)
    outcome = run_shard(
        files_run(tmp_path, project, [tests], settings=settings), on_event=seen.append
    )
    assert outcome.attempts == 1
    texts = [e.text for e in seen if isinstance(e, ev.Message)]
    assert any("not retrying" in t and "80%" in t for t in texts)


def test_no_retries_says_so(tmp_path: Path) -> None:
    project = script_suite(tmp_path / "p", {"bad.sh": "exit 1"})
    seen: list[ev.Event] = []
    run_shard(files_run(tmp_path, project, [["tests/bad.sh"]]), on_event=seen.append)
    assert [e.text for e in seen if isinstance(e, ev.Message)] == ["1 failed (no retries)"]
