from __future__ import annotations

import pytest

from paratest_split.core.model import Attempt, CaseResult, Outcome
from paratest_split.core.retry import RetryPolicy, decide, fold


def case(outcome: Outcome, time: float = 1.0, message: str = "", **kw: object) -> CaseResult:
    return CaseResult(
        classname="tests.test_a",
        name="test_x",
        final=Attempt(outcome=outcome, time=time, message=message),
        **kw,  # type: ignore[arg-type]
    )


def test_fold_single_is_identity() -> None:
    one = case(Outcome.FAILED)
    assert fold([one]) is one


def test_fold_fail_then_pass_is_flaky_with_the_failure_kept() -> None:
    result = fold([case(Outcome.FAILED, 2.0, "boom"), case(Outcome.PASSED, 1.0)])
    assert result.final.outcome is Outcome.PASSED
    assert result.flaky
    assert [a.message for a in result.earlier] == ["boom"]
    assert result.earlier[0].time == 2.0


def test_fold_never_passing_keeps_every_earlier_failure() -> None:
    result = fold(
        [
            case(Outcome.FAILED, message="1"),
            case(Outcome.ERROR, message="2"),
            case(Outcome.FAILED, message="3"),
        ]
    )
    assert result.final.message == "3"
    assert [(a.outcome, a.message) for a in result.earlier] == [
        (Outcome.FAILED, "1"),
        (Outcome.ERROR, "2"),
    ]
    assert not result.flaky


def test_fold_flattens_attempts_already_folded() -> None:
    earlier = fold([case(Outcome.FAILED, message="a"), case(Outcome.FAILED, message="b")])
    result = fold([earlier, case(Outcome.PASSED)])
    assert [a.message for a in result.earlier] == ["a", "b"]
    assert result.flaky


def test_fold_drops_earlier_passes_and_last_wins() -> None:
    result = fold([case(Outcome.PASSED), case(Outcome.FAILED, message="late")])
    assert result.final.outcome is Outcome.FAILED
    assert result.earlier == ()


def test_fold_unites_properties_in_order_and_keeps_file() -> None:
    a = case(Outcome.FAILED, properties=(("shard", "0"),), file="tests/test_a.py")
    b = case(Outcome.PASSED, properties=(("shard", "0"), ("attempt", "2")))
    result = fold([a, b])
    assert result.properties == (("shard", "0"), ("attempt", "2"))
    assert result.file == "tests/test_a.py"


def test_fold_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        fold([])


@pytest.mark.parametrize(
    ("failed", "total", "done", "retries", "expected"),
    [
        (0, 10, 1, 3, False),  # nothing to retry
        (1, 10, 1, 3, True),
        (1, 10, 4, 3, False),  # retries used up
        (5, 20, 1, 3, False),  # 25% > 20%: broken build
        (4, 20, 1, 3, True),  # exactly 20% is still flaky
        (1, 10, 1, 0, False),  # retries disabled
        (2, 2, 1, 1, True),  # a small shard: up to 3 failures are always retried
        (3, 4, 1, 1, True),
        (4, 5, 1, 1, False),
    ],
)
def test_decide(failed: int, total: int, done: int, retries: int, expected: bool) -> None:
    decision = decide(
        RetryPolicy(retries=retries, max_fraction=0.2),
        failed=failed,
        total=total,
        attempts_done=done,
    )
    assert decision.retry is expected
    assert decision.reason


def test_decide_says_why_it_refuses_a_broken_build() -> None:
    decision = decide(RetryPolicy(retries=2, max_fraction=0.2), failed=5, total=10, attempts_done=1)
    assert "broken" in decision.reason
    assert "5 of 10" in decision.reason
    no_retries = decide(RetryPolicy(retries=0), failed=2, total=10, attempts_done=1)
    assert no_retries.reason == "2 failed (no retries)"
