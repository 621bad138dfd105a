"""Adapter: merge many JUnit reports into one, streaming (DESIGN `merge`, STYLE §7).

Two passes over the inputs, both through `junit.reader.iter_report`:

1. Count: each case's key `(classname, name)` is remembered only as a hash in one of two sets
   (seen once / seen more than once), which is what keeps a million cases in bounded memory.
   The plan check (`completeness.Checker`) sees every result here too.
2. Write: a case whose key was seen once goes straight to the output (`ReportWriter` spools
   it); the cases of repeated keys are held back, then folded with `retry.fold` and written.
   A hash collision only means two different tests are held back and written separately.

Order of attempts when one test has results in several reports (a retried CI job, a re-run
shard): by the report's `paratest.attempt` property (a report without one counts as attempt 1),
then by input order (the order the paths were given in; a directory or glob expands in sorted
path order), then by position in the file. The last one is the verdict; earlier failures become
`flakyFailure`/`rerunFailure` (Surefire style). Suites are merged by name. Every written case
gets properties naming where its result came from: `paratest.shard` and `paratest.attempt` when
the report says (our `run` writes them as suite properties; a file named `shard-<i>.xml`, or in
a directory named `shard-<i>`, is shard i), else `paratest.report` (the file); a folded case
also names the report of each of its results (`paratest.report`).

Planned tests without a result (with a plan) are written as `<error type="missing">` cases in
a suite named `paratest-split missing`.
"""

from __future__ import annotations

import gzip
import heapq
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

from lxml import etree

from paratest_split.completeness import Checker, Completeness
from paratest_split.errors import BadInputError, ExitCode, NoTestsError
from paratest_split.junit.reader import (
    expand_paths,
    is_pseudo_case,
    iter_report,
    iter_timing_rows,
)
from paratest_split.junit.writer import ReportWriter, Totals, case_xml, properties_xml
from paratest_split.model import Attempt, CaseResult, Outcome, Plan, SuiteSummary, Warning_
from paratest_split.retry import fold

SHARD_PROPERTY = "paratest.shard"
ATTEMPT_PROPERTY = "paratest.attempt"
REPORT_PROPERTY = "paratest.report"
MISSING_SUITE = "paratest-split missing"
LIST_LIMIT = 200  # names kept for failed/flaky/unplanned lists (counts are always exact)
SLOWEST = 10
SLOWEST_PER_SHARD = 3

_SHARD_NAME = re.compile(r"^shard-(\d+)(?:\.xml(?:\.gz)?)?$")


@dataclass(frozen=True, kw_only=True, slots=True)
class ReportInfo:
    """One merged input file."""

    path: Path
    order: int  # position among the inputs
    shard: int | None
    attempt: int | None
    cases: int
    seconds: float  # the longest suite `time`, or the sum of its cases' times if larger


@dataclass(frozen=True, kw_only=True, slots=True)
class SlowTest:
    classname: str
    name: str
    seconds: float
    shard: int | None
    outcome: Outcome
    flaky: bool = False

    @property
    def label(self) -> str:
        return f"{self.classname}::{self.name}" if self.classname else self.name


@dataclass(frozen=True, kw_only=True, slots=True)
class ShardStats:
    """One row of the per-shard summary. `index=None` gathers results of unknown shard."""

    index: int | None
    reports: int
    tests: int
    failed: int  # failures + errors (final verdicts)
    skipped: int
    flaky: int
    missing: int
    actual_seconds: float  # every attempt's time of the shard's cases
    wall_seconds: float | None  # the shard's latest report's own time, when a report says
    predicted_seconds: float | None
    slowest: tuple[SlowTest, ...]

    @property
    def seconds(self) -> float:
        """What the shard took: the report's time when known, else the sum of its cases."""
        return self.wall_seconds if self.wall_seconds is not None else self.actual_seconds


@dataclass(frozen=True, kw_only=True)
class MergeResult:
    out: Path
    totals: Totals  # of the written report (missing tests count as errors)
    reports: tuple[ReportInfo, ...]
    shards: tuple[ShardStats, ...]
    completeness: Completeness | None  # None: merged without a plan
    warnings: tuple[Warning_, ...]
    folded: int  # tests with results in more than one place, folded into one case
    failed: tuple[str, ...]  # up to LIST_LIMIT labels of tests whose verdict is failure/error
    flaky: tuple[str, ...]  # up to LIST_LIMIT labels of tests that passed on a later attempt
    slowest: tuple[SlowTest, ...]
    skipped_reports: tuple[str, ...] = ()  # unreadable inputs left out (--skip-bad-reports)
    predicted_makespan: float | None = None
    fail_on_flaky: bool = False

    @property
    def missing(self) -> int:
        return len(self.completeness.missing) if self.completeness else 0

    @property
    def duplicated(self) -> int:
        return len(self.completeness.duplicated) if self.completeness else 0

    @property
    def exit_code(self) -> ExitCode:
        t = self.totals
        if t.failures or t.errors or self.missing or self.duplicated:
            return ExitCode.TESTS_FAILED
        if self.fail_on_flaky and t.flaky:
            return ExitCode.TESTS_FAILED
        return ExitCode.OK


# -- reading ---------------------------------------------------------------------------------


def _open(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return gzip.GzipFile(path, "rb")  # type: ignore[return-value]  # a binary IO
    return path.open("rb")


def head_properties(path: Path) -> dict[str, str]:
    """Properties of the report's first `<testsuite>` (or root) before its first case.

    Reads only the head of the file, with entities and DTDs off; a file this cannot read
    yields {} (the reader reports what is wrong with it).
    """
    props: dict[str, str] = {}
    try:
        with _open(path) as source:
            events = etree.iterparse(
                source,
                events=("start", "end"),
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                huge_tree=False,
            )
            for event, element in events:
                tag = element.tag
                if event == "start" and tag == "testcase":
                    break
                if event == "end":
                    if tag == "property":
                        key = element.get("name")
                        if key is not None and key not in props:
                            props[key] = element.get("value") or element.text or ""
                    elif tag == "testsuite":
                        break
    except (etree.XMLSyntaxError, OSError, EOFError, ValueError):
        return props
    return props


def _as_int(text: str | None) -> int | None:
    if text is None:
        return None
    text = text.strip()
    return int(text) if text.isdigit() else None


def _shard_from_path(path: Path) -> int | None:
    for part in (path.name, path.parent.name):
        match = _SHARD_NAME.match(part)
        if match:
            return int(match.group(1))
    return None


@dataclass(kw_only=True)
class _Input:
    path: Path
    order: int
    shard: int | None
    attempt: int | None
    cases: int = 0
    case_seconds: float = 0.0
    suite_seconds: float = 0.0

    @property
    def sort_key(self) -> tuple[int, int]:
        return (self.attempt if self.attempt is not None else 1, self.order)

    def info(self) -> ReportInfo:
        return ReportInfo(
            path=self.path,
            order=self.order,
            shard=self.shard,
            attempt=self.attempt,
            cases=self.cases,
            seconds=max(self.case_seconds, self.suite_seconds),
        )


def _case_properties(source: _Input) -> tuple[tuple[str, str], ...]:
    if source.shard is None:
        return ((REPORT_PROPERTY, str(source.path)),)
    if source.attempt is None:
        return ((SHARD_PROPERTY, str(source.shard)),)
    return ((SHARD_PROPERTY, str(source.shard)), (ATTEMPT_PROPERTY, str(source.attempt)))


def _label(classname: str, name: str) -> str:
    return f"{classname}::{name}" if classname else name


# -- merging ---------------------------------------------------------------------------------


@dataclass(kw_only=True)
class _ShardAcc:
    tests: int = 0
    failed: int = 0
    skipped: int = 0
    flaky: int = 0
    seconds: float = 0.0
    slowest: list[tuple[float, int, SlowTest]] = field(default_factory=list)


class _Merger:
    def __init__(
        self,
        inputs: list[_Input],
        out: Path,
        *,
        plan: Plan | None,
        skip_bad: bool,
        name: str,
    ) -> None:
        self.inputs = inputs
        self.out = out
        self.plan = plan
        self.skip_bad = skip_bad
        self.name = name
        self.warnings: list[Warning_] = []
        self.skipped_reports: list[str] = []
        self.checker: Checker | None = None
        self.once: set[int] = set()
        self.repeated: set[int] = set()
        self.shard_acc: dict[int | None, _ShardAcc] = {}
        self.failed: list[str] = []
        self.flaky: list[str] = []
        self.slowest: list[tuple[float, int, SlowTest]] = []
        self.counter = 0
        self.folded = 0

    # pass 1 -------------------------------------------------------------------------------
    def count(self) -> None:
        while True:
            try:
                self._count_all()
            except BadInputError as exc:
                if not self.skip_bad:
                    raise
                bad = next((s for s in self.inputs if str(s.path) == exc.path), None)
                if bad is None:
                    raise
                self.inputs.remove(bad)
                self.skipped_reports.append(str(exc))
                self.warnings.append(Warning_(source=exc.path, message=f"skipped: {exc.problem}"))
                continue
            return

    def _count_all(self) -> None:
        """Lean rows (no model objects): hash sets of keys, per-report counts, plan check.
        pytest's module-level pseudo-cases are not rows: pass 2 holds them all back."""
        once: set[int] = set()
        repeated: set[int] = set()
        warnings: list[Warning_] = []
        checker = Checker(self.plan) if self.plan is not None else None
        observe = checker.observe if checker is not None else None
        for source in self.inputs:
            cases, case_seconds, suite_seconds = 0, 0.0, 0.0
            shard = source.shard
            for row in iter_timing_rows(source.path):
                if type(row) is tuple:
                    classname, name, file, seconds = row
                    cases += 1
                    if seconds:
                        case_seconds += seconds
                    marker = hash((classname, name))
                    if marker in once:
                        repeated.add(marker)
                    else:
                        once.add(marker)
                    if observe is not None:
                        observe(classname, name, file, shard)
                elif isinstance(row, SuiteSummary):
                    if row.time is not None and row.time > suite_seconds:
                        suite_seconds = row.time
                elif isinstance(row, Warning_):
                    warnings.append(row)
            source.cases, source.case_seconds, source.suite_seconds = (
                cases,
                case_seconds,
                suite_seconds,
            )
        self.once, self.repeated, self.checker = once, repeated, checker
        self.warnings.extend(warnings)

    # pass 2 -------------------------------------------------------------------------------
    def write(self) -> tuple[Totals, Completeness | None]:
        held: dict[tuple[str, str], list[tuple[tuple[int, int, int], CaseResult, _Input]]] = {}
        repeated = self.repeated
        with ReportWriter(self.out, name=self.name) as writer:
            for source in self.inputs:
                extra = _case_properties(source)
                extra_xml = properties_xml(extra)
                fallback_suite = source.path.name
                position = 0
                for event in iter_report(source.path, details=True):
                    if type(event) is not CaseResult:
                        continue
                    position += 1
                    classname, name = event.classname, event.name
                    if hash((classname, name)) in repeated or (
                        not classname and is_pseudo_case(classname, name)
                    ):
                        # several results: name each one's report so every attempt is traceable
                        case = replace(
                            event,
                            properties=(
                                *event.properties,
                                *extra,
                                (REPORT_PROPERTY, str(source.path)),
                            ),
                        )
                        held.setdefault((classname, name), []).append(
                            ((*source.sort_key, position), case, source)
                        )
                        continue
                    suite = event.suite or fallback_suite
                    writer.add_xml(suite, event, case_xml(event, extra_xml))
                    self._account(event, source)
            for entries in held.values():  # first-seen order: deterministic
                occurrences = sorted(entries, key=lambda entry: entry[0])
                if len(occurrences) > 1:
                    self.folded += 1
                merged = fold([case for _, case, _ in occurrences])
                source = occurrences[-1][2]
                writer.add(merged.suite or source.path.name, merged)
                self._account(merged, source)
            completeness = None
            if self.checker is not None:
                reported = frozenset(s.shard for s in self.inputs if s.shard is not None)
                known = reported if any(s.shard is not None for s in self.inputs) else None
                completeness = self.checker.result(reported_shards=known)
                for miss in completeness.missing:
                    case = CaseResult(
                        classname=miss.classname,
                        name=miss.name,
                        file=miss.item.file,
                        suite=MISSING_SUITE,
                        final=Attempt(outcome=Outcome.ERROR, type="missing", message=miss.message),
                        properties=((SHARD_PROPERTY, str(miss.shard)),),
                    )
                    writer.add(MISSING_SUITE, case)
        return writer.totals, completeness

    def _account(self, case: CaseResult, source: _Input) -> None:
        """Per-shard counts, failed/flaky lists and the slowest tests, for the summaries."""
        shard = source.shard
        if shard is None and self.checker is not None:
            shard = self.checker.shard_of(case.classname, case.name, case.file)
        acc = self.shard_acc.get(shard)
        if acc is None:
            acc = self.shard_acc[shard] = _ShardAcc()
        outcome = case.final.outcome
        acc.tests += 1
        acc.seconds += case.final.time
        if case.earlier:
            acc.seconds += sum(a.time for a in case.earlier)
        if outcome.is_bad:
            acc.failed += 1
            if len(self.failed) < LIST_LIMIT:
                self.failed.append(_label(case.classname, case.name))
        elif outcome is Outcome.SKIPPED:
            acc.skipped += 1
        flaky = bool(case.earlier) and case.flaky
        if flaky:
            acc.flaky += 1
            if len(self.flaky) < LIST_LIMIT:
                self.flaky.append(_label(case.classname, case.name))
        seconds = case.final.time
        self.counter += 1
        if seconds <= 0:
            return
        shard_full = len(acc.slowest) >= SLOWEST_PER_SHARD and seconds <= acc.slowest[0][0]
        all_full = len(self.slowest) >= SLOWEST and seconds <= self.slowest[0][0]
        if shard_full and all_full:
            return
        entry = (
            seconds,
            -self.counter,
            SlowTest(
                classname=case.classname,
                name=case.name,
                seconds=seconds,
                shard=shard,
                outcome=outcome,
                flaky=flaky,
            ),
        )
        if not shard_full:
            _push(acc.slowest, entry, SLOWEST_PER_SHARD)
        if not all_full:
            _push(self.slowest, entry, SLOWEST)


def _push(
    heap: list[tuple[float, int, SlowTest]], entry: tuple[float, int, SlowTest], size: int
) -> None:
    if len(heap) < size:
        heapq.heappush(heap, entry)
    else:
        heapq.heappushpop(heap, entry)


def _top(heap: list[tuple[float, int, SlowTest]]) -> tuple[SlowTest, ...]:
    """Slowest first (ties: first written first); tests that took no time are not "slow"."""
    ordered = sorted(heap, key=lambda e: (-e[0], -e[1]))
    return tuple(entry[2] for entry in ordered if entry[0] > 0)


def _shard_rows(merger: _Merger, completeness: Completeness | None) -> tuple[ShardStats, ...]:
    plan = merger.plan
    missing = completeness.missing_by_shard() if completeness else {}
    indexes: set[int] = {i for i in merger.shard_acc if i is not None}
    indexes.update(missing)
    if plan is not None:
        indexes.update(range(plan.shards))
    latest: dict[int, _Input] = {}
    reports: dict[int | None, int] = {}
    for source in merger.inputs:
        reports[source.shard] = reports.get(source.shard, 0) + 1
        if source.shard is not None:
            current = latest.get(source.shard)
            if current is None or source.sort_key >= current.sort_key:
                latest[source.shard] = source
    rows = []
    ordered: list[int | None] = [*sorted(indexes)]
    if None in merger.shard_acc:
        ordered.append(None)
    for index in ordered:
        acc = merger.shard_acc.get(index, _ShardAcc())
        predicted = None
        if plan is not None and index is not None and index < plan.shards:
            predicted = plan.shard(index).predicted_seconds
        wall = None
        if index is not None and index in latest:
            source = latest[index]
            wall = max(source.suite_seconds, source.case_seconds)
        rows.append(
            ShardStats(
                index=index,
                reports=reports.get(index, 0),
                tests=acc.tests,
                failed=acc.failed,
                skipped=acc.skipped,
                flaky=acc.flaky,
                missing=missing.get(index, 0) if index is not None else 0,
                actual_seconds=acc.seconds,
                wall_seconds=wall,
                predicted_seconds=predicted,
                slowest=_top(acc.slowest),
            )
        )
    return tuple(rows)


def find_inputs(
    paths: Sequence[str | Path], *, root: Path, out: Path | None = None
) -> tuple[list[Path], list[Warning_]]:
    """Expand files/dirs/globs into report files, in the order the paths were given (each
    directory or glob in sorted order), each file once, leaving out the merge's own output."""
    target = out.resolve() if out is not None else None
    files: list[Path] = []
    seen: set[Path] = set()
    warnings: list[Warning_] = []
    for pattern in paths:
        found, _ = expand_paths([str(pattern)], root)
        if not found:
            warnings.append(Warning_(source=str(pattern), message="matched no JUnit file"))
        for file in found:
            resolved = file.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            if resolved == target:
                warnings.append(
                    Warning_(source=str(file), message="is the merge output: not an input")
                )
                continue
            files.append(file)
    return files, warnings


def merge_reports(
    paths: Sequence[str | Path],
    out: Path,
    *,
    plan: Plan | None = None,
    root: Path | None = None,
    skip_bad: bool = False,
    fail_on_flaky: bool = False,
    name: str = "paratest-split",
) -> MergeResult:
    """Merge the JUnit reports at `paths` (files, directories, globs; .xml/.xml.gz) into `out`.

    With `plan`, planned tests without a result are written as missing errors and the result's
    `completeness` says what is missing, duplicated across shards and unplanned. Raises
    BadInputError (exit 10) for an unreadable input unless `skip_bad`, NoTestsError (exit 5)
    when no report is found and there is no plan to check against.
    """
    files, warnings = find_inputs(paths, root=root or Path.cwd(), out=out)
    if not files and plan is None:
        shown = " ".join(str(p) for p in paths) or "(none given)"
        raise NoTestsError(f"no JUnit reports found in {shown}")
    inputs = []
    for order, file in enumerate(files):
        props = head_properties(file)
        shard = _as_int(props.get(SHARD_PROPERTY))
        if shard is None:
            shard = _shard_from_path(file)
        if shard is not None and plan is not None and shard >= plan.shards:
            warnings.append(
                Warning_(
                    source=str(file),
                    message=f"shard {shard} is not in the plan "
                    f"({plan.shards} shards): its results count as of unknown shard",
                )
            )
            shard = None
        inputs.append(
            _Input(
                path=file, order=order, shard=shard, attempt=_as_int(props.get(ATTEMPT_PROPERTY))
            )
        )
    merger = _Merger(inputs, out, plan=plan, skip_bad=skip_bad, name=name)
    merger.warnings.extend(warnings)
    merger.count()
    if plan is None and not any(source.cases for source in merger.inputs):
        raise NoTestsError("the JUnit reports hold no test cases")
    totals, completeness = merger.write()
    return MergeResult(
        out=out,
        totals=totals,
        reports=tuple(s.info() for s in merger.inputs),
        shards=_shard_rows(merger, completeness),
        completeness=completeness,
        warnings=tuple(merger.warnings),
        folded=merger.folded,
        failed=tuple(merger.failed),
        flaky=tuple(merger.flaky),
        slowest=_top(merger.slowest),
        skipped_reports=tuple(merger.skipped_reports),
        predicted_makespan=plan.predicted_makespan_seconds if plan is not None else None,
        fail_on_flaky=fail_on_flaky,
    )
