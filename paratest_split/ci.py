"""CI detection: which CI runs us and which parallel executor we are, from an env mapping.

Pure: takes the environment as a `Mapping[str, str]` (never reads `os.environ`). Each CI names
its executor's position differently and counts from 0 or 1 (DESIGN.md, `--index auto`); this
module converts to our 0-based index.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from paratest_split.config import MAX_SHARDS
from paratest_split.core.errors import UsageError


class CI(str, enum.Enum):
    GITLAB = "gitlab"
    GOCD = "gocd"
    AZURE = "azure"
    BUILDKITE = "buildkite"
    CIRCLECI = "circleci"
    BITBUCKET = "bitbucket"
    SEMAPHORE = "semaphore"
    TEAMCITY = "teamcity"
    KUBERNETES = "kubernetes"
    BAZEL = "bazel"


@dataclass(frozen=True, kw_only=True, slots=True)
class CISource:
    """Where one CI keeps the executor's position (index) and the executor count (total)."""

    ci: CI
    index_var: str
    base: int
    total_var: str | None


# Checked in this order; the first CI whose index variable is set wins.
SOURCES: tuple[CISource, ...] = (
    CISource(ci=CI.GITLAB, index_var="CI_NODE_INDEX", base=1, total_var="CI_NODE_TOTAL"),
    CISource(ci=CI.GOCD, index_var="GO_JOB_RUN_INDEX", base=1, total_var="GO_JOB_RUN_COUNT"),
    CISource(
        ci=CI.AZURE,
        index_var="SYSTEM_JOBPOSITIONINPHASE",
        base=1,
        total_var="SYSTEM_TOTALJOBSINPHASE",
    ),
    CISource(
        ci=CI.BUILDKITE,
        index_var="BUILDKITE_PARALLEL_JOB",
        base=0,
        total_var="BUILDKITE_PARALLEL_JOB_COUNT",
    ),
    CISource(ci=CI.CIRCLECI, index_var="CIRCLE_NODE_INDEX", base=0, total_var="CIRCLE_NODE_TOTAL"),
    CISource(
        ci=CI.BITBUCKET,
        index_var="BITBUCKET_PARALLEL_STEP",
        base=0,
        total_var="BITBUCKET_PARALLEL_STEP_COUNT",
    ),
    CISource(
        ci=CI.SEMAPHORE, index_var="SEMAPHORE_JOB_INDEX", base=1, total_var="SEMAPHORE_JOB_COUNT"
    ),
    CISource(
        ci=CI.TEAMCITY,
        index_var="teamcity.build.parallelTests.currentBatch",
        base=1,
        total_var="teamcity.build.parallelTests.totalBatches",
    ),
    CISource(ci=CI.KUBERNETES, index_var="JOB_COMPLETION_INDEX", base=0, total_var=None),
    CISource(ci=CI.BAZEL, index_var="TEST_SHARD_INDEX", base=0, total_var="TEST_TOTAL_SHARDS"),
)

_HELP = (
    "pass the index explicitly (0-based), e.g. GitHub Actions: --index ${{ strategy.job-index }}"
)


@dataclass(frozen=True, kw_only=True, slots=True)
class CIInfo:
    """The detected CI and this executor's 0-based index; `total` is None when the CI does not
    say (Kubernetes Indexed Jobs)."""

    ci: CI
    index: int
    total: int | None
    index_var: str
    total_var: str | None


def _whole(env: Mapping[str, str], var: str) -> int:
    text = env[var].strip()
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"${var} is {env[var]!r}, not a whole number") from None


def detect(env: Mapping[str, str]) -> CIInfo | None:
    """The first CI of `SOURCES` whose index variable is set (non-empty), or None.

    Raises UsageError when the variables are set but malformed (not a number, below the CI's
    base, index beyond the total).
    """
    for source in SOURCES:
        if not env.get(source.index_var, "").strip():
            continue
        raw = _whole(env, source.index_var)
        if raw < source.base:
            raise UsageError(
                f"${source.index_var} is {raw}, but {source.ci.value} counts executors from "
                f"{source.base}"
            )
        total: int | None = None
        if source.total_var is not None and env.get(source.total_var, "").strip():
            total = _whole(env, source.total_var)
            if total < 1:
                raise UsageError(f"${source.total_var} is {total}, expected at least 1")
            if raw - source.base >= total:
                raise UsageError(
                    f"${source.index_var} is {raw} but ${source.total_var} is only {total}"
                )
        return CIInfo(
            ci=source.ci,
            index=raw - source.base,
            total=total,
            index_var=source.index_var,
            total_var=source.total_var,
        )
    return None


def _known() -> str:
    return ", ".join(f"{s.index_var} ({s.ci.value})" for s in SOURCES)


def _given_or_detected(
    value: int | str | None, flag: str, env: Mapping[str, str], *, what: str, advice: str
) -> int | CIInfo:
    """What `--index`/`--shards` VALUE stands for: the number given, or (for 'auto') the CI
    detected from `env`. `what`/`advice` make the message when there is neither."""
    if value is None:
        raise UsageError(f"no {what}: {advice}")
    if isinstance(value, int):
        return value
    if value != "auto":
        try:
            return int(value)
        except ValueError:
            raise UsageError(f"{flag} {value!r}: must be 'auto' or a whole number") from None
    info = detect(env)
    if info is None:
        raise UsageError(
            f"{flag} auto: no CI executor variable found (looked for {_known()}); {advice}"
        )
    return info


def resolve_index(value: int | str | None, env: Mapping[str, str]) -> int:
    """`--index`: a whole number >= 0 as given, or 'auto' (the CI's variables, 0-based)."""
    found = _given_or_detected(value, "--index", env, what="shard index", advice=_HELP)
    if isinstance(found, CIInfo):
        return found.index
    if found < 0:
        raise UsageError(f"--index {found}: must be >= 0 (shard indexes are 0-based)")
    return found


def resolve_total(value: int | str | None, env: Mapping[str, str]) -> int:
    """`--shards`: a whole number from 1 to MAX_SHARDS as given, or 'auto' (the CI's executor
    count, under the same limit)."""
    found = _given_or_detected(value, "--shards", env, what="shard count", advice="pass --shards N")
    if not isinstance(found, CIInfo):
        if not 1 <= found <= MAX_SHARDS:
            raise UsageError(f"--shards {found}: must be a whole number from 1 to {MAX_SHARDS}")
        return found
    if found.total is None:
        where = (
            f"${found.total_var} is not set"
            if found.total_var
            else f"{found.ci.value} does not expose the executor count"
        )
        raise UsageError(f"--shards auto: {where}; pass --shards N")
    if found.total > MAX_SHARDS:
        raise UsageError(
            f"--shards auto: ${found.total_var} is {found.total}, more than {MAX_SHARDS} shards"
        )
    return found.total


# The CI job's own attempt (a re-run of the same job), as (variable, base): `merge` orders
# reports of the same shard by it (`paratest.attempt`). GitLab's is new (CI_JOB_RETRY_COUNT,
# 0 on the first run); CircleCI and Jenkins expose none; GitHub's counts re-runs of the
# workflow run, which re-runs its failed jobs.
ATTEMPT_SOURCES: tuple[tuple[str, int], ...] = (
    ("GITHUB_RUN_ATTEMPT", 1),
    ("CI_JOB_RETRY_COUNT", 0),
    ("BUILDKITE_RETRY_COUNT", 0),
    ("SYSTEM_JOBATTEMPT", 1),
)


def job_attempt(env: Mapping[str, str]) -> int:
    """This CI job's attempt, 1 for the first run; 1 when the CI does not say.

    The first variable of `ATTEMPT_SOURCES` that holds a whole number >= its base wins; a
    malformed value is skipped (it only orders re-runs, it must not fail a run)."""
    for var, base in ATTEMPT_SOURCES:
        text = env.get(var, "").strip()
        try:
            value = int(text)
        except ValueError:
            continue
        if value >= base:
            return value - base + 1
    return 1
