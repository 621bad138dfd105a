"""Pure retry logic: fold a test's attempts into one verdict, decide whether to retry.

Maven Surefire's convention (read by Jenkins' JUnit plugin): a test is reported once; the last
attempt is the verdict; earlier failed attempts stay as `flakyFailure`/`flakyError` when the
verdict is a pass, as `rerunFailure`/`rerunError` when it is not. `run` (retries of one shard)
and `merge` (the same test in several reports) both use `fold`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from paratest_split.core.model import Attempt, CaseResult


def attempts_of(case: CaseResult) -> tuple[Attempt, ...]:
    """All attempts a case records, oldest first (its earlier failures, then its verdict)."""
    return (*case.earlier, case.final)


def fold(cases: Sequence[CaseResult]) -> CaseResult:
    """The attempts of ONE test, oldest first, as one CaseResult.

    The last attempt wins. Earlier attempts that failed or errored are kept (passes and skips
    before the verdict are dropped: they carry no diagnosis). Key, file and suite come from the
    last case that has them; properties are united, first occurrence first.
    """
    if not cases:
        raise ValueError("fold needs at least one attempt")
    if len(cases) == 1:
        return cases[0]
    attempts = [attempt for case in cases for attempt in attempts_of(case)]
    final = attempts[-1]
    earlier = tuple(a for a in attempts[:-1] if a.outcome.is_bad)
    last = cases[-1]
    file = next((c.file for c in reversed(cases) if c.file), None)
    suite = next((c.suite for c in reversed(cases) if c.suite), "")
    seen: set[tuple[str, str]] = set()
    properties: list[tuple[str, str]] = []
    for case in cases:
        for prop in case.properties:
            if prop not in seen:
                seen.add(prop)
                properties.append(prop)
    return CaseResult(
        classname=last.classname,
        name=last.name,
        file=file,
        suite=suite,
        final=final,
        earlier=earlier,
        properties=tuple(properties),
    )


# A shard with few tests is not "broken" because 1 of its 2 tests failed: up to this many failed
# tests are always retried, whatever fraction of the shard they are.
ALWAYS_RETRY_UP_TO = 3


@dataclass(frozen=True, kw_only=True, slots=True)
class RetryPolicy:
    retries: int = 0  # how many more attempts after the first
    max_fraction: float = 0.2  # more failed than this fraction of the shard: broken, not flaky


@dataclass(frozen=True, kw_only=True, slots=True)
class RetryDecision:
    retry: bool
    reason: str


def decide(
    policy: RetryPolicy, *, failed: int, total: int, attempts_done: int, not_run: int = 0
) -> RetryDecision:
    """Whether to re-run `failed` tests (and `not_run` ones) after `attempts_done` attempts of
    a `total`-test shard.

    `not_run`: tests a crash of their runner kept from running (the test it crashed on is one
    of `failed`). They are re-run within the same budget but are no failures of their own, so
    they never count towards `max_fraction`: one crashing test must not make a shard "broken".
    """
    rerun = failed + not_run
    if rerun == 0:
        return RetryDecision(retry=False, reason="nothing failed")
    what = f"{failed} failed" + (f", {not_run} not run" if not_run else "")
    if policy.retries == 0:
        return RetryDecision(retry=False, reason=f"{what} (no retries)")
    if attempts_done > policy.retries:
        return RetryDecision(
            retry=False,
            reason=f"{failed} still failing"
            + (f", {not_run} not run," if not_run else "")
            + f" after {policy.retries} retr"
            + ("y" if policy.retries == 1 else "ies"),
        )
    if failed > ALWAYS_RETRY_UP_TO and total > 0 and failed / total > policy.max_fraction:
        return RetryDecision(
            retry=False,
            reason=f"{failed} of {total} tests failed ({failed / total:.0%} > "
            f"{policy.max_fraction:.0%} max-retry-fraction): the build looks broken, not flaky; "
            "not retrying",
        )
    if not_run:
        tests = f"{failed} failed and {not_run} not run test{'s' if not_run != 1 else ''}"
    else:
        tests = f"{failed} failed test{'s' if failed != 1 else ''}"
    return RetryDecision(
        retry=True,
        reason=f"retrying {tests} (attempt {attempts_done + 1} of {policy.retries + 1})",
    )
