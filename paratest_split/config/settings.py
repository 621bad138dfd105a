"""`Settings`: every setting paratest-split has, one field each, with its packaged default,
the subcommands that take it and its help (made with `parsers.opt`). Its length is the list of
settings itself: one field of about ten lines per setting, nothing else.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from paratest_split.config.parsers import (
    ALL,
    PLANNING,
    RUNNING,
    _choice,
    _float,
    _fraction,
    _index,
    _nonneg_int,
    _shard_count,
    _shards,
    opt,
)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Every setting paratest-split has, with its packaged default."""

    # -- general
    config: str | None = field(
        default=None,
        metadata=opt(
            "configuration file (default: ./paratest.yaml when present)",
            commands=ALL,
            flag_only=True,
            metavar="FILE",
        ),
    )
    debug: bool = field(default=False, metadata=opt("show tracebacks for errors", commands=ALL))
    format: str = field(
        default="text",
        metadata=opt(
            "output format of the summary",
            commands=("split", "merge", "timings", "plugins", "local"),
            parse=_choice("text", "json"),
        ),
    )
    root: str = field(
        default=".",
        metadata=opt(
            "project directory tests are discovered in and run from",
            commands=(*PLANNING, "run"),
            metavar="DIR",
        ),
    )
    # -- planning
    shards: int | str | None = field(
        default=None,
        metadata=opt(
            "number of shards, or 'auto' to read it from the CI's variables",
            commands=PLANNING,
            parse=_shards,
            metavar="N|auto",
        ),
    )
    index: int | str | None = field(
        default=None,
        metadata=opt(
            "0-based shard index, or 'auto' to read it from the CI's variables",
            commands=("split", "run"),
            parse=_index,
            metavar="I|auto",
        ),
    )
    junit: tuple[str, ...] = field(
        default=(),
        metadata=opt(
            "JUnit XML of earlier builds: file, directory or glob (.xml, .xml.gz); repeatable",
            commands=("split", "local", "timings"),
            repeat=True,
            metavar="PATH",
        ),
    )
    history_dir: str = field(
        default=".paratest/history",
        metadata=opt(
            "where `local` and `merge --store` keep reports as timing history (read by split)",
            commands=("split", "local", "merge", "timings"),
            metavar="DIR",
        ),
    )
    tests_from: str | None = field(
        default=None,
        metadata=opt(
            "read test ids from FILE ('-' for stdin), one a line, instead of discovering",
            commands=PLANNING,
            metavar="FILE",
        ),
    )
    discover: str = field(
        default="pytest",
        metadata=opt(
            "discovery plugin: pytest, files, lines, junit, go, jest, maven, nunit, or another "
            "plugin's name",
            commands=PLANNING,
            metavar="NAME",
        ),
    )
    discover_args: tuple[str, ...] = field(
        default=(),
        metadata=opt(
            "extra arguments for the discovery plugin (pytest arguments, a package pattern...)",
            commands=(*PLANNING, "run"),
            repeat=True,
            metavar="ARG",
        ),
    )
    pattern: str | None = field(
        default=None,
        metadata=opt(
            "files: glob of test files (e.g. 'tests/**/*_test.sh'); seed plugins: test_pattern",
            commands=(*PLANNING, "run"),
            metavar="GLOB",
        ),
    )
    file_pattern: str | None = field(
        default=None,
        metadata=opt(
            "seed `paratest` plugins: file_pattern", commands=(*PLANNING, "run"), metavar="GLOB"
        ),
    )
    lines_from: str | None = field(
        default=None,
        metadata=opt(
            "lines: a file of test ids, or a command printing them (with --lines-command)",
            commands=(*PLANNING, "run"),
            metavar="FILE|CMD",
        ),
    )
    lines_command: bool = field(
        default=False,
        metadata=opt(
            "lines: --lines-from is a shell command, not a file", commands=(*PLANNING, "run")
        ),
    )
    group_by: str = field(
        default="auto",
        metadata=opt(
            "keep each test/class/file/dir together in one shard; auto: a file stays together "
            "when that pays (each shard pays its start-up once and a file's collection once), "
            "a file bigger than a shard's share is split",
            commands=PLANNING,
            parse=_choice("auto", "test", "class", "file", "dir"),
        ),
    )
    algorithm: str = field(
        default="best",
        metadata=opt(
            "partitioning strategy (see `paratest-split plugins`)",
            commands=PLANNING,
            metavar="NAME",
        ),
    )
    out: str = field(
        default="paratest-plan",
        metadata=opt(
            "directory to write plan.json and shard-<i>.txt to", commands=PLANNING, metavar="DIR"
        ),
    )
    shard_overhead: float | None = field(
        default=None,
        metadata=opt(
            "fixed seconds per shard (start-up, collection); default: learned from history, else 0",
            commands=PLANNING,
            parse=_float,
            metavar="SECONDS",
        ),
    )
    test_overhead: float | None = field(
        default=None,
        metadata=opt(
            "seconds per test outside its testcase time; default: learned from history, else 0",
            commands=PLANNING,
            parse=_float,
            metavar="SECONDS",
        ),
    )
    target_seconds: float | None = field(
        default=None,
        metadata=opt(
            "pick the smallest shard count whose predicted time is <= SECONDS (with --max-shards)",
            commands=PLANNING,
            parse=_float,
            metavar="SECONDS",
        ),
    )
    max_shards: int = field(
        default=64,
        metadata=opt(
            "upper limit for --target-seconds", commands=PLANNING, parse=_shard_count, metavar="N"
        ),
    )
    skip_bad_reports: bool = field(
        default=False,
        metadata=opt(
            "warn about unreadable JUnit files and go on instead of failing (exit 10)",
            commands=("split", "local", "merge", "timings"),
        ),
    )
    # -- running
    plan: str = field(
        default="paratest-plan",
        metadata=opt(
            "plan directory written by split", commands=("run", "merge", "timings"), metavar="DIR"
        ),
    )
    command: tuple[str, ...] = field(
        default=(),
        metadata=opt(
            "test command (also: everything after `--`); ids are appended unless it names "
            "{tests} or {tests_file}",
            commands=RUNNING,
            repeat=True,
            metavar="ARG",
        ),
    )
    output: str = field(
        default="paratest-results",
        metadata=opt(
            "directory for shard reports (shard-<i>.xml)", commands=RUNNING, metavar="DIR"
        ),
    )
    retries: int = field(
        default=0,
        metadata=opt(
            "re-run failed tests up to N more times",
            commands=RUNNING,
            parse=_nonneg_int,
            metavar="N",
        ),
    )
    max_retry_fraction: float = field(
        default=0.2,
        metadata=opt(
            (
                "do not retry when more than this fraction of the shard failed (broken, not "
                "flaky); up to 3 failed tests are always retried"
            ),
            commands=RUNNING,
            parse=_fraction,
            metavar="F",
        ),
    )
    fail_on_flaky: bool = field(
        default=False,
        metadata=opt("exit 1 when a test passed only on retry", commands=(*RUNNING, "merge")),
    )
    strict_junit: bool = field(
        default=False,
        metadata=opt(
            "write only what the Jenkins xunit junit-10.xsd allows: no testcase properties or "
            "file (pytest's classname still names the module), no attempt times",
            commands=("merge",),
        ),
    )
    per_test: bool = field(
        default=False,
        metadata=opt(
            "run each test as its own process between setup_test and teardown_test",
            commands=RUNNING,
        ),
    )
    timeout: float | None = field(
        default=None,
        metadata=opt(
            "seconds a whole shard may take before it is stopped",
            commands=RUNNING,
            parse=_float,
            metavar="SECONDS",
        ),
    )
    test_timeout: float | None = field(
        default=None,
        metadata=opt(
            "seconds one test may take in per-test mode",
            commands=RUNNING,
            parse=_float,
            metavar="SECONDS",
        ),
    )
    grace: float = field(
        default=5.0,
        metadata=opt(
            "seconds between SIGTERM and SIGKILL when stopping a runner",
            commands=RUNNING,
            parse=_float,
            metavar="SECONDS",
        ),
    )
    setup: str | None = field(
        default=None,
        metadata=opt("shell command run once before all shards", commands=RUNNING, metavar="CMD"),
    )
    setup_workspace: str | None = field(
        default=None,
        metadata=opt(
            "shell command run in each workspace before its shard", commands=RUNNING, metavar="CMD"
        ),
    )
    setup_test: str | None = field(
        default=None,
        metadata=opt(
            "shell command run before each test (per-test mode)", commands=RUNNING, metavar="CMD"
        ),
    )
    teardown_test: str | None = field(
        default=None,
        metadata=opt(
            "shell command run after each test (per-test mode)", commands=RUNNING, metavar="CMD"
        ),
    )
    teardown_workspace: str | None = field(
        default=None,
        metadata=opt(
            "shell command run in each workspace after its shard, always",
            commands=RUNNING,
            metavar="CMD",
        ),
    )
    teardown: str | None = field(
        default=None,
        metadata=opt(
            "shell command run once after all shards, always", commands=RUNNING, metavar="CMD"
        ),
    )
    teardown_timeout: float = field(
        default=300.0,
        metadata=opt(
            "seconds a teardown hook may take before its process group is killed (exit 12); "
            "0: no limit",
            commands=RUNNING,
            parse=_float,
            metavar="SECONDS",
        ),
    )
    plan_hooks: bool = field(
        default=False,
        metadata=opt(
            "also run the once-per-plan setup/teardown hooks (single-executor use)",
            commands=("run",),
        ),
    )
    install: str = field(
        default="pip install paratest-split",
        metadata=opt(
            "pipeline: shell command that installs paratest-split on each CI executor",
            commands=("pipeline",),
            metavar="CMD",
        ),
    )
    image: str = field(
        default="python:3.12-slim",
        metadata=opt(
            "pipeline: container image of the jobs (gitlab, github, circleci, azure, k8s)",
            commands=("pipeline",),
            metavar="IMAGE",
        ),
    )
    agent: str | None = field(
        default=None,
        metadata=opt(
            "pipeline: agent label, runner tag, queue or pool the jobs run on",
            commands=("pipeline",),
            metavar="LABEL",
        ),
    )
    style: str | None = field(
        default=None,
        metadata=opt(
            "pipeline: variant of the target (jenkins: declarative|scripted; "
            "gitlab: parallel|child|child-jobs)",
            commands=("pipeline",),
            metavar="STYLE",
        ),
    )
    child: bool = field(
        default=False,
        metadata=opt(
            "pipeline gitlab: a plan job writes a dynamic child pipeline (same as --style child)",
            commands=("pipeline",),
        ),
    )
    report: str = field(
        default="junit.xml",
        metadata=opt(
            "pipeline: path of the merged JUnit report the final job writes and keeps",
            commands=("pipeline",),
            metavar="FILE",
        ),
    )
    # -- local
    workspaces: str = field(
        default="copy",
        metadata=opt(
            "how `local` makes each shard's workspace",
            commands=("local",),
            parse=_choice("copy", "worktree", "none", "script"),
        ),
    )
    keep_workspaces: bool = field(
        default=False, metadata=opt("do not remove the workspaces afterwards", commands=("local",))
    )
    dynamic: bool = field(
        default=False,
        metadata=opt(
            "idle workers take the next-largest remaining group instead of a static plan",
            commands=("local",),
        ),
    )
    keep: int = field(
        default=10,
        metadata=opt(
            "how many runs of history to keep",
            commands=("local", "merge"),
            parse=_nonneg_int,
            metavar="N",
        ),
    )

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


FIELDS: dict[str, dataclasses.Field[Any]] = {f.name: f for f in dataclasses.fields(Settings)}
