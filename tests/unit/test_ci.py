from __future__ import annotations

import pytest

from paratest_split.ci import CI, SOURCES, detect, job_attempt, resolve_index, resolve_total
from paratest_split.core.errors import UsageError


@pytest.mark.parametrize(
    ("env", "ci", "index", "total"),
    [
        ({"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "6"}, CI.GITLAB, 0, 6),
        ({"CI_NODE_INDEX": "6", "CI_NODE_TOTAL": "6"}, CI.GITLAB, 5, 6),
        ({"GO_JOB_RUN_INDEX": "2", "GO_JOB_RUN_COUNT": "3"}, CI.GOCD, 1, 3),
        ({"SYSTEM_JOBPOSITIONINPHASE": "3", "SYSTEM_TOTALJOBSINPHASE": "4"}, CI.AZURE, 2, 4),
        ({"BUILDKITE_PARALLEL_JOB": "0", "BUILDKITE_PARALLEL_JOB_COUNT": "2"}, CI.BUILDKITE, 0, 2),
        ({"CIRCLE_NODE_INDEX": "3", "CIRCLE_NODE_TOTAL": "4"}, CI.CIRCLECI, 3, 4),
        (
            {"BITBUCKET_PARALLEL_STEP": "1", "BITBUCKET_PARALLEL_STEP_COUNT": "2"},
            CI.BITBUCKET,
            1,
            2,
        ),
        ({"SEMAPHORE_JOB_INDEX": "1", "SEMAPHORE_JOB_COUNT": "2"}, CI.SEMAPHORE, 0, 2),
        (
            {
                "teamcity.build.parallelTests.currentBatch": "2",
                "teamcity.build.parallelTests.totalBatches": "2",
            },
            CI.TEAMCITY,
            1,
            2,
        ),
        ({"JOB_COMPLETION_INDEX": "4"}, CI.KUBERNETES, 4, None),
        ({"TEST_SHARD_INDEX": "0", "TEST_TOTAL_SHARDS": "3"}, CI.BAZEL, 0, 3),
        ({"CI_NODE_INDEX": " 2 "}, CI.GITLAB, 1, None),
    ],
)
def test_detect_converts_each_ci_to_0_based(
    env: dict[str, str], ci: CI, index: int, total: int | None
) -> None:
    info = detect(env)
    assert info is not None
    assert (info.ci, info.index, info.total) == (ci, index, total)
    assert resolve_index("auto", env) == index


def test_every_ci_in_the_table_is_detected() -> None:
    assert {s.ci for s in SOURCES} == set(CI)
    for source in SOURCES:
        info = detect({source.index_var: str(source.base)})
        assert info is not None
        assert (info.ci, info.index) == (source.ci, 0)


def test_nothing_detected_without_variables() -> None:
    assert detect({}) is None
    assert detect({"CI_NODE_INDEX": "", "HOME": "/root"}) is None


def test_first_ci_in_table_order_wins() -> None:
    info = detect({"CIRCLE_NODE_INDEX": "1", "CI_NODE_INDEX": "3"})
    assert info is not None
    assert info.ci is CI.GITLAB


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CI_NODE_INDEX": "x"}, "$CI_NODE_INDEX is 'x', not a whole number"),
        ({"CI_NODE_INDEX": "0"}, "gitlab counts executors from 1"),
        (
            {"CI_NODE_INDEX": "4", "CI_NODE_TOTAL": "3"},
            "$CI_NODE_INDEX is 4 but $CI_NODE_TOTAL is only 3",
        ),
        ({"CIRCLE_NODE_INDEX": "0", "CIRCLE_NODE_TOTAL": "0"}, "expected at least 1"),
    ],
)
def test_malformed_variables_are_usage_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        detect(env)
    assert message in str(caught.value)


def test_resolve_index_explicit_values() -> None:
    assert resolve_index(3, {}) == 3
    assert resolve_index("2", {"CI_NODE_INDEX": "5"}) == 2
    for bad in (None, -1, "x"):
        with pytest.raises(UsageError):
            resolve_index(bad, {})


def test_resolve_index_auto_without_ci_explains() -> None:
    with pytest.raises(UsageError) as caught:
        resolve_index("auto", {"PATH": "/bin"})
    text = str(caught.value)
    assert "--index auto: no CI executor variable found" in text
    assert "CI_NODE_INDEX (gitlab)" in text
    assert "strategy.job-index" in text


def test_resolve_total() -> None:
    assert resolve_total(4, {}) == 4
    assert resolve_total("auto", {"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "5"}) == 5
    with pytest.raises(UsageError, match="no CI executor variable"):
        resolve_total("auto", {})
    with pytest.raises(UsageError, match="kubernetes does not expose the executor count"):
        resolve_total("auto", {"JOB_COMPLETION_INDEX": "0"})
    with pytest.raises(UsageError, match=r"\$CI_NODE_TOTAL is not set"):
        resolve_total("auto", {"CI_NODE_INDEX": "1"})
    with pytest.raises(UsageError, match=r"\$CI_NODE_TOTAL is 10001, more than 10000 shards"):
        resolve_total("auto", {"CI_NODE_INDEX": "1", "CI_NODE_TOTAL": "10001"})
    huge = "9" * 23  # an int that big once made `split` write shard files until killed
    with pytest.raises(UsageError, match="more than 10000 shards"):
        resolve_total("auto", {"GO_JOB_RUN_INDEX": huge, "GO_JOB_RUN_COUNT": huge})
    with pytest.raises(UsageError, match="must be a whole number from 1 to 10000"):
        resolve_total(0, {})


@pytest.mark.parametrize(
    ("env", "attempt"),
    [
        ({}, 1),
        ({"GITHUB_RUN_ATTEMPT": "2"}, 2),
        ({"CI_JOB_RETRY_COUNT": "0"}, 1),
        ({"CI_JOB_RETRY_COUNT": "2"}, 3),
        ({"BUILDKITE_RETRY_COUNT": "1"}, 2),
        ({"SYSTEM_JOBATTEMPT": "4"}, 4),
        ({"GITHUB_RUN_ATTEMPT": "oops", "SYSTEM_JOBATTEMPT": "2"}, 2),  # malformed: skipped
        ({"GITHUB_RUN_ATTEMPT": "0"}, 1),  # below GitHub's base of 1: not an attempt
        ({"JENKINS_URL": "http://ci", "BUILD_NUMBER": "7"}, 1),  # Jenkins says nothing
    ],
)
def test_job_attempt(env: dict[str, str], attempt: int) -> None:
    assert job_attempt(env) == attempt
