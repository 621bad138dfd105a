"""Pure parts of issue 11's fixes in the runner: which hook placeholders are refused
(`placeholders.check_hook`), how tests a crash kept from running count for retries
(`retry.decide(not_run=...)`), and how a runner's death is worded (`shard.exit_words`)."""

from __future__ import annotations

import pytest

from paratest_split.core.errors import UsageError
from paratest_split.core.placeholders import PLACEHOLDERS, check_hook
from paratest_split.core.retry import RetryPolicy, decide
from paratest_split.runner.shard import exit_words

VALUES = {name: f"/{name}" for name in PLACEHOLDERS}


@pytest.mark.parametrize(
    "command",
    [
        "cd {workspace} && make db SHARD={shard}/{shards}",
        "awk '{print}' {tests_file}",  # an awk program: '...' holds it literally
        "jq '{name}' data.json",
        "echo ${HOME} ${x:-default} {} {a,b} { true; }",
        "echo \\{escaped}",
        'docker ps --format "{{Names}}" > names.txt',  # a Go template
        "true # {a comment}",
        "cat <<'EOF'\n{literal}\nEOF",
    ],
)
def test_hooks_without_bad_placeholders_pass(command: str) -> None:
    check_hook("setup_workspace", command, VALUES)


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("echo {tests}", ("{tests} has no value in a hook", "{tests_file}")),
        ("echo '{tests}'", ("{tests} has no value in a hook",)),
        ("echo {bogus}", ("unknown placeholder {bogus}", "known: {shard}")),
        ('echo "x{workspce}y"', ("unknown placeholder {workspce}",)),
        ("echo $(basename {wrkspace})", ("unknown placeholder {wrkspace}",)),
        ("cat <<EOF\n{bogus}\nEOF", ("unknown placeholder {bogus}",)),
    ],
)
def test_hook_placeholders_without_a_value_are_refused_naming_the_hook(
    command: str, words: tuple[str, ...]
) -> None:
    with pytest.raises(UsageError) as caught:
        check_hook("teardown_workspace", command, VALUES)
    text = str(caught.value)
    assert text.startswith("teardown_workspace: "), text
    assert "\n" not in text
    for word in words:
        assert word in text, text


def test_a_known_placeholder_without_a_value_names_the_hook() -> None:
    once = {k: v for k, v in VALUES.items() if k not in ("shard", "tests_file", "junit")}
    with pytest.raises(UsageError, match=r"^setup: placeholder \{shard\} has no value here"):
        check_hook("setup", "echo {shard}", once)


def test_tests_a_crash_kept_from_running_never_make_a_shard_look_broken() -> None:
    policy = RetryPolicy(retries=2, max_fraction=0.1)
    # 1 crashing test and 9 it kept from running, in a 10-test shard: retried
    decision = decide(policy, failed=1, not_run=9, total=10, attempts_done=1)
    assert decision.retry
    assert decision.reason == "retrying 1 failed and 9 not run tests (attempt 2 of 3)"
    # the same 10 as failures of their own: broken, not flaky
    assert not decide(policy, failed=10, total=10, attempts_done=1).retry
    # only not-run tests (the crash hit between tests): still retried
    assert decide(policy, failed=0, not_run=4, total=10, attempts_done=1).retry


def test_not_run_tests_share_the_retry_budget() -> None:
    policy = RetryPolicy(retries=1, max_fraction=0.1)
    done = decide(policy, failed=1, not_run=3, total=10, attempts_done=2)
    assert not done.retry
    assert done.reason == "1 still failing, 3 not run, after 1 retry"
    assert decide(RetryPolicy(), failed=1, not_run=3, total=10, attempts_done=1).reason == (
        "1 failed, 3 not run (no retries)"
    )


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (-11, "was killed by signal 11 (SIGSEGV)"),
        (-9, "was killed by signal 9 (SIGKILL)"),
        (3, "exited with code 3"),
        (None, "was stopped"),
    ],
)
def test_exit_words(code: int | None, words: str) -> None:
    assert exit_words(code) == words
