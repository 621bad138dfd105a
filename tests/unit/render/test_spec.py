"""PipelineSpec: which settings reach the generated commands."""

from __future__ import annotations

import shlex

import pytest

from paratest_split.config import Settings
from paratest_split.core.errors import UsageError
from paratest_split.render.base import spec_from_settings


def test_defaults_give_the_documented_commands() -> None:
    spec = spec_from_settings(Settings(shards=3))
    assert spec.plan_command() == "paratest-split split --shards 3 --out paratest-plan"
    assert spec.run_command("auto") == (
        "paratest-split run --plan paratest-plan --index auto --output paratest-results"
    )
    assert spec.merge_command() == (
        "paratest-split merge 'paratest-results/**/*.xml' --plan paratest-plan -o junit.xml "
        "--store .paratest/history"
    )


def test_non_default_settings_are_forwarded_to_the_command_that_takes_them() -> None:
    settings = Settings(
        shards=4,
        retries=2,
        group_by="class",
        fail_on_flaky=True,
        timeout=600.0,
        history_dir="hist",
        out="plan",
        output="res",
    )
    spec = spec_from_settings(settings)
    plan = shlex.split(spec.plan_command())
    run = shlex.split(spec.run_command("1"))
    merge = shlex.split(spec.merge_command())
    assert plan[plan.index("--group-by") + 1] == "class"
    assert plan[plan.index("--history-dir") + 1] == "hist"
    assert plan[plan.index("--out") + 1] == "plan"
    assert "--retries" not in plan
    assert run[run.index("--retries") + 1] == "2"
    assert run[run.index("--timeout") + 1] == "600"
    assert run[run.index("--output") + 1] == "res"
    assert "--fail-on-flaky" in run
    assert "--fail-on-flaky" in merge
    assert merge[merge.index("--store") + 1] == "hist"
    assert merge[2] == "res/**/*.xml"
    # pipeline-only settings never leak into the commands the jobs run
    for argv in (plan, run, merge):
        assert not {"--install", "--image", "--agent", "--report", "--style"} & set(argv)


def test_test_command_goes_after_double_dash() -> None:
    spec = spec_from_settings(Settings(shards=2, command=("make", "test", "ARGS=a b")))
    argv = shlex.split(spec.run_command("auto"))
    assert argv[argv.index("--") + 1 :] == ["make", "test", "ARGS=a b"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (Settings(), "--shards N is required"),
        (Settings(shards="auto"), "--shards must be a number"),
        (Settings(shards=2, install="  "), "--install"),
    ],
)
def test_bad_settings_are_usage_errors(settings: Settings, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        spec_from_settings(settings)
