"""Adapter: merge many JUnit reports into one, streaming (DESIGN `merge`, STYLE §7).

One parse of each input (`junit.reader.iter_merge_items`), in attempt order (below):

- The first result of each test key `(classname, name)` goes straight to the output, spooled
  by `ReportWriter`: plain passes (no child element) come from the reader in runs, as columns,
  and a run whose keys are all new is serialised, hashed and counted at once by C-level loops
  (`junit.writer.plain_cases_xml`: most of a report, at a fraction of the per-case cost);
  anything else goes through `junit.writer.case_xml`. Only the key's hash is remembered (a
  set), plus per written case its spool offset, time and shard in arrays, which keeps a million
  cases in bounded memory (~170 MB); totals and per-shard figures are counted as cases are
  written. Garbage collection is paused while reading (nothing makes cycles).
- A later result of a key already seen is held back (in memory) with its report.
- At the end, the first result of each repeated key is read back from the spool, taken out of
  the report and of the counts, folded with the held ones by `retry.fold`, and the folded
  case is written. A hash collision only means two different tests are folded separately.
The plan check (`completeness.Checker`) sees every result, pytest's pseudo-cases included.

Order of attempts when one test has results in several reports (a retried CI job, a re-run
shard): by the report's `paratest.attempt` suite property (a report without one counts as
attempt 1), then by its shard (`paratest.shard`; a report of unknown shard first), then by
input order: the order the paths were given in, each directory or glob expanded in natural
path order (`run-9` before `run-10`); then by position in the file. The last one is the
verdict; earlier failures become `flakyFailure`/`rerunFailure` (Surefire style). Results of
one key inside ONE report are not attempts (pytest-subtests, a teardown error as a second case,
Jest/Cypress tests of the same describe+title in two spec files): like `run`
(`runner.results.dedupe`) they are combined into the one with the worst outcome first, so a
failure never becomes a flaky pass. A folded case goes to the suite of its last result (its
own suite, else its report's file name); a suite left with no case is not written. Suites are
merged by name. Every written case gets properties naming where its result came from:
`paratest.shard` and `paratest.attempt` when the report says (our `run` writes them as suite
properties; a file named `shard-<i>.xml`, or in a directory named `shard-<i>`, is shard i),
else `paratest.report` (the file); a folded case also names the report of each of its results
(`paratest.report`). With `strict` (`--strict-junit`) they are still spooled, and read back
when folding, but the report leaves them out (`junit.strict`: only what junit-10.xsd allows).

Planned tests without a result (with a plan) are written as `<error type="missing">` cases in
a suite named `paratest-split missing`, without a `time` (they did not run: never history).

Summary lists (`failed`, `flaky`: the first LIST_LIMIT in output order; `slowest`) are exact:
failed and flaky cases are listed by record and labelled from the spool at the end, and a
`slowest` list that loses an entry to folding is recomputed from the per-record times.

Size (~780 lines, with this docstring): the one pass over the inputs and the fold at the end
share one `_Merger`'s record arrays, held results and summary lists, on the hot path of a
million-case merge; what stands apart is elsewhere: the inputs and their order
(`merge_inputs`), the result types (`merge_result`), per-shard counts and slowest lists
(`merge_stats`).
"""

from __future__ import annotations

import bisect
import heapq
from array import array
from collections.abc import Sequence
from dataclasses import replace
from itertools import accumulate
from pathlib import Path

from paratest_split.core.completeness import Checker, Completeness
from paratest_split.core.errors import BadInputError, NoTestsError, ParatestError
from paratest_split.core.matching import is_module_skip
from paratest_split.core.model import Attempt, CaseResult, Outcome, Plan, SuiteSummary, Warning_
from paratest_split.core.retry import fold
from paratest_split.core.timings import merged_cost_properties
from paratest_split.junit.gcpause import paused_gc
from paratest_split.junit.merge_inputs import (
    ATTEMPT_PROPERTY,
    DIGEST_PROPERTY,
    REPORT_PROPERTY,
    SHARD_PROPERTY,
    SHARDS_PROPERTY,
    Input,
    as_int,
    case_label,
    case_properties,
    find_inputs,
    natural_key,
    quoted,
    source_numbers,
    unreported_shards,
)
from paratest_split.junit.merge_result import (
    MergeResult,
    ReportInfo,
    ShardStats,
    SlowTest,
    UnreportedShard,
)
from paratest_split.junit.merge_stats import (
    ShardAcc,
    Slow,
    heap_floor,
    push,
    push_pair,
    shard_rows,
    top_slowest,
    without,
)
from paratest_split.junit.reader import (
    PlainRun,
    iter_merge_items,
    read_fragment,
    suite_properties,
)
from paratest_split.junit.severity import SEVERITY
from paratest_split.junit.writer import (
    ReportWriter,
    Totals,
    case_xml,
    plain_case_head,
    plain_cases_xml,
    properties_xml,
)

__all__ = [
    "ATTEMPT_PROPERTY",
    "DIGEST_PROPERTY",
    "LIST_LIMIT",
    "MISSING_SUITE",
    "OUT_FLAG",
    "REPORT_PROPERTY",
    "SHARDS_PROPERTY",
    "SHARD_PROPERTY",
    "SLOWEST",
    "SLOWEST_PER_SHARD",
    "MergeResult",
    "ReportInfo",
    "ShardStats",
    "SlowTest",
    "UnreportedShard",
    "find_inputs",
    "merge_reports",
    "natural_key",
]

MISSING_SUITE = "paratest-split missing"
OUT_FLAG = "-o/--out"
LIST_LIMIT = 200  # names kept for failed/flaky/unplanned lists (counts are always exact)
SLOWEST = 10
SLOWEST_PER_SHARD = 3


class _Context:
    """What every case of one input shares.

    `strict`: the report will not show where each result came from, so it is not spooled
    either (a plain pass is then `<testcase .../>`: less to write and to strip). Folding still
    gets each case's own properties and file back from the spool.
    """

    def __init__(self, source: Input, *, strict: bool = False) -> None:
        self.source = source
        self.shard = source.shard
        self.extra = case_properties(source)
        if strict:
            self.extra_xml = ""
            self.tail = "/>\n"
        else:
            self.extra_xml = properties_xml(self.extra)
            self.tail = f"><properties>{self.extra_xml}</properties></testcase>\n"
        self.report_property = (REPORT_PROPERTY, str(source.path))
        self.fallback_suite = source.path.name
        self.per_case_shard = False  # set by the merger: unknown shard and a plan to ask
        self._acc: ShardAcc | None = None

    def acc(self, merger: _Merger) -> ShardAcc:
        if self._acc is None:
            self._acc = merger._acc(self.shard)  # noqa: SLF001 - the merger's own helper
        return self._acc

    def shard_codes(self, count: int) -> array[int]:
        return array("i", [-1 if self.shard is None else self.shard]) * count


class _Merger:
    """One merge attempt over `inputs` (given order); `run` writes the report.

    Each case written while reading the inputs is a *record*: its key hash, spool offset,
    final time (0 when unknown) and shard (-1: unknown) sit in arrays at the record's index;
    failed and flaky records are listed by index. Labels for the summary lists are read back
    from the spool at the end, for the few records listed.
    """

    def __init__(
        self,
        inputs: list[Input],
        out: Path,
        *,
        plan: Plan | None,
        name: str,
        strict: bool,
        properties: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.inputs = inputs
        self.properties = tuple(properties)
        self.strict = strict
        self.ordered = sorted(inputs, key=lambda source: source.sort_key)
        self.out = out
        self.plan = plan
        self.name = name
        self.warnings: list[Warning_] = []
        self.checker: Checker | None = Checker(plan) if plan is not None else None
        self.seen: set[int] = set()
        self.repeated: set[int] = set()
        self.hashes = array("q")  # per record: hash of its key
        self.starts = array("q")  # per record: spool offset
        self.times = array("d")  # per record: final time, 0.0 when unknown
        self.shards = array("i")  # per record: shard it counts for, -1 when unknown
        self.failed_records = array("q")  # records whose verdict is failure/error
        self.flaky_records = array("q")  # records that passed after failing
        self.input_marks: list[int] = []  # record index where each of `ordered` starts
        self.suite_marks: list[tuple[int, str]] = []  # (spool offset, suite) at each switch
        self.held: dict[tuple[str, str], list[tuple[CaseResult, Input]]] = {}
        self.shard_acc: dict[int | None, ShardAcc] = {}
        self.failed: list[str] = []  # labels, filled at the end
        self.flaky: list[str] = []
        self.slowest: list[Slow] = []
        self.floor = 0.0
        self.folded = 0
        self.processing: Input | None = None  # the input being read (for --skip-bad-reports)

    def _acc(self, shard: int | None) -> ShardAcc:
        acc = self.shard_acc.get(shard)
        if acc is None:
            acc = self.shard_acc[shard] = ShardAcc()
        return acc

    # -- the pass over the inputs -------------------------------------------------------------
    def run(self) -> tuple[Totals, Completeness | None]:
        with ReportWriter(
            self.out, name=self.name, flag=OUT_FLAG, strict=self.strict, properties=self.properties
        ) as writer:
            for source in self.ordered:
                self.input_marks.append(len(self.hashes))
                self._read(source, writer)
            self.processing = None
            if self.plan is None and not any(source.cases for source in self.inputs):
                raise NoTestsError("the JUnit reports hold no test cases")
            self._finish_lists(writer)
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
                        final=Attempt(
                            outcome=Outcome.ERROR,
                            type="missing",
                            message=miss.message,
                            time_known=False,  # made up: not a duration
                        ),
                        properties=((SHARD_PROPERTY, str(miss.shard)),),
                    )
                    writer.add(MISSING_SUITE, case)
        return writer.totals, completeness

    def _read(self, source: Input, writer: ReportWriter) -> None:
        """Every case of one input: write first results, hold repeats, count."""
        self.processing = source
        ctx = _Context(source, strict=self.strict)
        ctx.per_case_shard = source.shard is None and self.checker is not None
        cases, case_seconds, suite_seconds = 0, 0.0, 0.0
        with paused_gc():  # nothing here makes cycles; collections would only rescan `seen`
            for item in iter_merge_items(source.path):
                kind = type(item)
                if kind is PlainRun:
                    run: PlainRun = item  # type: ignore[assignment]
                    cases += len(run)
                    case_seconds += sum(run.times)
                    if not self._write_run(run, ctx, writer):
                        for one in zip(
                            run.classnames, run.names, run.files, run.times, strict=True
                        ):
                            self._write_plain(one, run.suite or ctx.fallback_suite, ctx, writer)
                elif kind is CaseResult:
                    case: CaseResult = item  # type: ignore[assignment]
                    cases += 1
                    if case.final.time_known:
                        case_seconds += case.final.time
                    self._write_case(case, ctx, writer)
                elif kind is SuiteSummary:
                    summary: SuiteSummary = item  # type: ignore[assignment]
                    if summary.time is not None and summary.time > suite_seconds:
                        suite_seconds = summary.time
                else:
                    self.warnings.append(item)  # type: ignore[arg-type]  # a Warning_
        source.cases, source.case_seconds, source.suite_seconds = (
            cases,
            case_seconds,
            suite_seconds,
        )

    def _start(self, suite: str, data: bytes, writer: ReportWriter) -> int:
        """Spool `data` in `suite`; returns its offset."""
        position = writer.write_raw(suite, data)
        marks = self.suite_marks
        if not marks or marks[-1][1] != suite:
            marks.append((position, suite))
        return position

    def _write_run(self, run: PlainRun, ctx: _Context, writer: ReportWriter) -> bool:
        """A run of plain cases, all at once; False (nothing done) when one of its keys was
        seen before or the shard of each case must be looked up (then go case by case)."""
        if ctx.per_case_shard:
            return False
        markers = list(map(hash, zip(run.classnames, run.names, strict=True)))
        seen = self.seen
        if not seen.isdisjoint(markers):
            return False
        before = len(seen)
        seen.update(markers)
        count = len(markers)
        if len(seen) - before != count:  # a key twice in the run itself
            seen.difference_update(markers)  # all were new: take them out again
            return False
        if self.checker is not None:
            locate = self.checker.locate
            for classname, name, file in zip(run.classnames, run.names, run.files, strict=True):
                locate(classname, name, file, ctx.shard, run.suite)
        pieces = plain_cases_xml(run.classnames, run.names, run.files, run.times, ctx.tail)
        text = "".join(pieces)
        if text.isascii():
            data = text.encode()
            lengths = list(map(len, pieces))
        else:
            encoded = [piece.encode() for piece in pieces]
            data = b"".join(encoded)
            lengths = list(map(len, encoded))
        suite = run.suite or ctx.fallback_suite
        position = self._start(suite, data, writer)
        offsets = list(accumulate(lengths, initial=position))
        offsets.pop()
        self.starts.extend(offsets)
        first_record = len(self.hashes)
        self.hashes.extend(markers)
        times = run.times
        self.times.extend(times)
        self.shards.extend(ctx.shard_codes(count))
        seconds = sum(times)
        totals = writer.totals_of(suite)
        totals.tests += count
        totals.time += seconds
        acc = ctx.acc(self)
        acc.tests += count
        acc.time += seconds
        floor = min(acc.floor, self.floor)
        if max(times) > floor:
            for index, value in enumerate(times):
                if value > acc.floor or value > self.floor:
                    self._consider_slow(
                        value,
                        -(first_record + index + 1),
                        SlowTest(
                            classname=run.classnames[index],
                            name=run.names[index],
                            seconds=value,
                            shard=ctx.shard,
                            outcome=Outcome.PASSED,
                        ),
                        markers[index],
                    )
        return True

    def _write_plain(
        self,
        one: tuple[str, str, str | None, float],
        suite: str,
        ctx: _Context,
        writer: ReportWriter,
    ) -> None:
        """One plain case (classname, name, file, seconds) of a run that could not go at once."""
        classname, name, file, seconds = one
        planned = (
            self.checker.locate(classname, name, file, ctx.shard, suite)
            if self.checker is not None
            else None
        )
        marker = hash((classname, name))
        if marker in self.seen:
            self.repeated.add(marker)
            self._hold(
                CaseResult(
                    classname=classname,
                    name=name,
                    file=file,
                    suite=suite,
                    final=Attempt(outcome=Outcome.PASSED, time=seconds),
                    properties=(*ctx.extra, ctx.report_property),
                ),
                ctx.source,
            )
            return
        self.seen.add(marker)
        data = (plain_case_head(classname, name, file, seconds) + ctx.tail).encode()
        record = len(self.hashes)
        self.starts.append(self._start(suite, data, writer))
        self.hashes.append(marker)
        self.times.append(seconds)
        shard = planned if ctx.per_case_shard else ctx.shard
        self.shards.append(-1 if shard is None else shard)
        totals = writer.totals_of(suite)
        totals.tests += 1
        totals.time += seconds
        acc = self._acc(shard)
        acc.tests += 1
        acc.time += seconds
        if seconds > acc.floor or seconds > self.floor:
            self._consider_slow(
                seconds,
                -(record + 1),
                SlowTest(
                    classname=classname,
                    name=name,
                    seconds=seconds,
                    shard=shard,
                    outcome=Outcome.PASSED,
                ),
                marker,
            )

    def _write_case(self, case: CaseResult, ctx: _Context, writer: ReportWriter) -> None:
        """One case that is not a plain pass (failed, skipped, with output or properties...)."""
        classname, name = case.classname, case.name
        module_skip = is_module_skip(case)  # or an opaque planned id that looks like one
        planned = (
            self.checker.locate(
                classname, name, case.file, ctx.shard, case.suite, maybe_test=not module_skip
            )
            if self.checker is not None
            else None
        )
        marker = hash((classname, name))
        suite = case.suite or ctx.fallback_suite
        if marker in self.seen:
            if module_skip and planned is None:
                return  # one module's skip, reported by every shard that collected it: once
            self.repeated.add(marker)
            properties = (*case.properties, *ctx.extra, ctx.report_property)
            # held in the suite it would have been written to, like a held plain pass
            self._hold(replace(case, suite=suite, properties=properties), ctx.source)
            return
        self.seen.add(marker)
        data = case_xml(case, ctx.extra_xml).encode()
        record = len(self.hashes)
        self.starts.append(self._start(suite, data, writer))
        self.hashes.append(marker)
        final = case.final
        self.times.append(final.time if final.time_known else 0.0)
        shard = planned if ctx.per_case_shard else ctx.shard
        self.shards.append(-1 if shard is None else shard)
        writer.totals_of(suite).add_case(case)
        self._account(case, shard, record, marker)

    def _hold(self, case: CaseResult, source: Input) -> None:
        self.held.setdefault(case.key, []).append((case, source))

    # -- the end: folding repeated keys, summary lists ----------------------------------------
    def _span(self, record: int, end: int) -> tuple[int, int]:
        starts = self.starts
        return (starts[record], starts[record + 1] if record + 1 < len(starts) else end)

    def _read_back(self, writer: ReportWriter, records: list[int]) -> list[CaseResult]:
        """The written cases of `records` (their suite is not known here)."""
        end = writer.position
        data = b"".join(writer.read_raw(*self._span(record, end)) for record in records)
        cases = read_fragment(data, f"{self.out} (spool)") if data else []
        if len(cases) != len(records):  # pragma: no cover - our own output always reads back
            raise ParatestError("merge: spooled cases do not read back")
        return cases

    def _finish_lists(self, writer: ReportWriter) -> None:
        """Fold repeated keys, then put the summary lists together (in output order)."""
        repeated = self.repeated
        hashes = self.hashes
        lost: set[int | None] = set()  # shards whose `slowest` lost an entry
        lost_global = False
        if repeated:
            lost_global = any(entry[3] in repeated for entry in self.slowest)
            for shard, acc in self.shard_acc.items():
                if any(entry[3] in repeated for entry in acc.slowest):
                    lost.add(shard)
        groups = self._take_back_firsts(writer) if repeated else {}
        failed = [i for i in self.failed_records if hashes[i] not in repeated][:LIST_LIMIT]
        flaky = [i for i in self.flaky_records if hashes[i] not in repeated][:LIST_LIMIT]
        self.failed = [case_label(c.classname, c.name) for c in self._read_back(writer, failed)]
        self.flaky = [case_label(c.classname, c.name) for c in self._read_back(writer, flaky)]
        if lost_global or lost:
            self._rebuild_slowest(writer, lost_global=lost_global, shards=lost)
        order = len(hashes)
        for entries in groups.values():  # first-seen order: deterministic
            attempts = _per_input(entries)
            if len(attempts) > 1:
                self.folded += 1
            merged = fold([case for case, _ in attempts])
            source = attempts[-1][1]
            writer.add(merged.suite or source.path.name, merged)
            order += 1
            self._account(merged, self._shard_for(merged, source), None, 0, order=order)

    def _take_back_firsts(
        self, writer: ReportWriter
    ) -> dict[tuple[str, str], list[tuple[CaseResult, Input]]]:
        """Read the first result of each repeated key back, take it out of the report and
        the counts; return every result of each repeated key, oldest first."""
        repeated = self.repeated
        firsts = [i for i, marker in enumerate(self.hashes) if marker in repeated]
        cases = self._read_back(writer, firsts)
        end = writer.position
        suite_offsets = [offset for offset, _ in self.suite_marks]
        groups: dict[tuple[str, str], list[tuple[CaseResult, Input]]] = {}
        for record, case in zip(firsts, cases, strict=True):
            start, stop = self._span(record, end)
            suite = self.suite_marks[bisect.bisect_right(suite_offsets, start) - 1][1]
            source = self.ordered[bisect.bisect_right(self.input_marks, record) - 1]
            report = (REPORT_PROPERTY, str(source.path))
            properties = case.properties
            if report not in properties:  # a report of unknown shard already names itself
                properties = (*properties, report)
            first = replace(case, suite=suite, properties=properties)
            writer.exclude(start, stop)
            writer.totals_of(suite).add_case(first, -1)
            shard = self.shards[record]
            self._acc(None if shard < 0 else shard).add_case(first, -1)
            groups.setdefault(first.key, []).append((first, source))
        self.slowest = without(self.slowest, repeated)
        self.floor = heap_floor(self.slowest, SLOWEST)
        for acc in self.shard_acc.values():
            acc.slowest = without(acc.slowest, repeated)
            acc.floor = heap_floor(acc.slowest, SLOWEST_PER_SHARD)
        for key, entries in self.held.items():
            groups.setdefault(key, []).extend(entries)
        self.held = {}
        return groups

    def _rebuild_slowest(
        self, writer: ReportWriter, *, lost_global: bool, shards: set[int | None]
    ) -> None:
        """Recompute the `slowest` lists that lost entries, from the remaining records."""
        repeated, hashes, times, codes = self.repeated, self.hashes, self.times, self.shards
        wanted = {-1 if shard is None else shard for shard in shards}
        top: dict[int, list[tuple[float, int]]] = {code: [] for code in wanted}
        overall: list[tuple[float, int]] = []
        ranges: list[tuple[int, int]] = []
        for k, source in enumerate(self.ordered):
            code = -1 if source.shard is None else source.shard
            if lost_global or code in wanted or (code == -1 and self.checker is not None):
                stop = self.input_marks[k + 1] if k + 1 < len(self.ordered) else len(hashes)
                ranges.append((self.input_marks[k], stop))
        for first, stop in ranges:
            for record in range(first, stop):
                seconds = times[record]
                if seconds <= 0 or hashes[record] in repeated:
                    continue
                entry = (seconds, -record - 1)
                if lost_global:
                    push_pair(overall, entry, SLOWEST)
                heap = top.get(codes[record])
                if heap is not None:
                    push_pair(heap, entry, SLOWEST_PER_SHARD)
        chosen = sorted({-order - 1 for heap in (overall, *top.values()) for _, order in heap})
        read = dict(zip(chosen, self._read_back(writer, chosen), strict=True))

        def entries(heap: list[tuple[float, int]]) -> list[Slow]:
            result: list[Slow] = []
            for seconds, order in heap:
                record = -order - 1
                case = read[record]
                code = codes[record]
                slow = SlowTest(
                    classname=case.classname,
                    name=case.name,
                    seconds=seconds,
                    shard=None if code < 0 else code,
                    outcome=case.final.outcome,
                    flaky=case.flaky,
                )
                result.append((seconds, order, slow, hashes[record]))
            heapq.heapify(result)
            return result

        if lost_global:
            self.slowest = entries(overall)
            self.floor = heap_floor(self.slowest, SLOWEST)
        for code, heap in top.items():
            acc = self._acc(None if code < 0 else code)
            acc.slowest = entries(heap)
            acc.floor = heap_floor(acc.slowest, SLOWEST_PER_SHARD)

    def _shard_for(self, case: CaseResult, source: Input) -> int | None:
        if source.shard is None and self.checker is not None:
            return self.checker.shard_of(case.classname, case.name, case.file, case.suite)
        return source.shard

    # -- per-shard figures and summary lists --------------------------------------------------
    def _account(
        self,
        case: CaseResult,
        shard: int | None,
        record: int | None,
        marker: int,
        *,
        order: int | None = None,
    ) -> None:
        """Count a written case into its shard's figures and the summary lists. `record`:
        its record index (None: a folded case, whose labels go to the lists at once)."""
        acc = self._acc(shard)
        acc.add_case(case)
        outcome = case.final.outcome
        label = case_label(case.classname, case.name)
        if outcome.is_bad:
            if record is not None:
                self.failed_records.append(record)
            elif len(self.failed) < LIST_LIMIT:
                self.failed.append(label)
        flaky = bool(case.earlier) and case.flaky
        if flaky:
            if record is not None:
                self.flaky_records.append(record)
            elif len(self.flaky) < LIST_LIMIT:
                self.flaky.append(label)
        seconds = case.final.time if case.final.time_known else 0.0
        if seconds > acc.floor or seconds > self.floor:
            slow = SlowTest(
                classname=case.classname,
                name=case.name,
                seconds=seconds,
                shard=shard,
                outcome=outcome,
                flaky=flaky,
            )
            counter = record + 1 if record is not None else (order or 0)
            self._consider_slow(seconds, -counter, slow, marker)

    def _consider_slow(self, seconds: float, order: int, slow: SlowTest, marker: int) -> None:
        """`order`: minus the case's position in the output (ties: first written first)."""
        acc = self._acc(slow.shard)
        entry: Slow = (seconds, order, slow, marker)
        if seconds > acc.floor:
            push(acc.slowest, entry, SLOWEST_PER_SHARD)
            acc.floor = heap_floor(acc.slowest, SLOWEST_PER_SHARD)
        if seconds > self.floor:
            push(self.slowest, entry, SLOWEST)
            self.floor = heap_floor(self.slowest, SLOWEST)


def _per_input(
    entries: list[tuple[CaseResult, Input]],
) -> list[tuple[CaseResult, Input]]:
    """The results of one key (oldest first) as attempts: one per input report.

    Results of the same key inside ONE report are not attempts (pytest-subtests, a teardown
    error reported as a second case, Jest/Cypress tests of the same describe+title in two spec
    files): they are combined the way `run` combines them (`runner.results.dedupe`) into the
    one case with the worst outcome (error > failed > passed > skipped; ties: the first), so a
    failure there is never turned into a flaky pass. Only results from different reports (a
    retried CI job, a re-run shard) are folded as retries. The entries of one report are
    adjacent: inputs are read one after the other.
    """
    combined: list[tuple[CaseResult, Input]] = []
    for case, source in entries:
        if combined and combined[-1][1] is source:
            if SEVERITY[case.final.outcome] > SEVERITY[combined[-1][0].final.outcome]:
                combined[-1] = (case, source)
        else:
            combined.append((case, source))
    return combined


def merge_reports(
    paths: Sequence[str | Path],
    out: Path,
    *,
    plan: Plan | None = None,
    root: Path | None = None,
    skip_bad: bool = False,
    fail_on_flaky: bool = False,
    name: str = "paratest-split",
    strict: bool = False,
) -> MergeResult:
    """Merge the JUnit reports at `paths` (files, directories, globs; .xml/.xml.gz) into `out`.

    With `plan`, planned tests without a result are written as missing errors and the result's
    `completeness` says what is missing, duplicated across shards and unplanned. Raises
    BadInputError (exit 10) for an unreadable input unless `skip_bad`, NoTestsError (exit 5)
    when no report is found and there is no plan to check against.

    `strict` (`--strict-junit`): `out` holds only what the Jenkins xunit `junit-10.xsd` allows
    (`junit.strict`): no testcase properties (so not where each result came from) or `file`, no
    attempt times, no root `skipped`. Everything else, the result included, is the same.
    """
    files, warnings = find_inputs(paths, root=root or Path.cwd(), out=out)
    if not files:
        # with a plan too: "every planned test missing" hides that the paths are wrong
        shown = " ".join(repr(str(p)) for p in paths) or "(none given)"
        raise NoTestsError(
            f"no JUnit reports found in {shown} (`run` writes paratest-results/shard-<i>.xml "
            "unless --output names another directory)"
        )
    inputs = []
    recorded: dict[Path, tuple[str, int | None]] = {}  # file -> (plan digest, shard count)
    shard_costs: list[dict[str, str]] = []
    for order, file in enumerate(files):
        props = suite_properties(file)
        shard_costs.append(props)
        digest = props.get(DIGEST_PROPERTY)
        if plan is not None and digest and plan.inputs_digest and digest != plan.inputs_digest:
            # an old artifact, or a shard that computed its own plan from other inputs
            warnings.append(
                Warning_(
                    source=str(file),
                    message=f"was run from another plan ({DIGEST_PROPERTY} {quoted(digest)}, "
                    f"the plan's is {plan.inputs_digest[:19]}...): its tests may not be the "
                    "planned ones",
                )
            )
        shard, attempt = source_numbers(file, props, warnings)
        if shard is not None and plan is not None and shard >= plan.shards:
            warnings.append(
                Warning_(
                    source=str(file),
                    message=f"shard {shard} is not in the plan "
                    f"({plan.shards} shards): its results count as of unknown shard",
                )
            )
            shard = None
        inputs.append(Input(path=file, order=order, shard=shard, attempt=attempt))
        recorded[file] = (digest or "", as_int(props.get(SHARDS_PROPERTY)))
    skipped: list[str] = []
    while True:
        merger = _Merger(
            inputs,
            out,
            plan=plan,
            name=name,
            strict=strict,
            properties=merged_cost_properties(shard_costs),
        )
        try:
            totals, completeness = merger.run()
        except BadInputError as exc:
            # --skip-bad-reports: leave the bad input out and start again (some of its cases
            # may already be written and counted).
            bad = merger.processing
            if not skip_bad or bad is None or str(bad.path) != exc.path:
                raise
            inputs = [source for source in inputs if source is not bad]
            skipped.append(str(exc))
            warnings.append(Warning_(source=exc.path, message=f"skipped: {exc.problem}"))
            continue
        break
    unreported, recorded_plans = (
        ((), 0) if plan is not None else unreported_shards(merger.inputs, recorded, warnings)
    )
    return MergeResult(
        out=out,
        totals=totals,
        reports=tuple(s.info() for s in merger.inputs),
        shards=shard_rows(merger.plan, merger.shard_acc, merger.inputs, completeness),
        completeness=completeness,
        warnings=(*warnings, *merger.warnings),
        folded=merger.folded,
        failed=tuple(merger.failed),
        flaky=tuple(merger.flaky),
        slowest=top_slowest(merger.slowest),
        skipped_reports=tuple(skipped),
        predicted_makespan=plan.predicted_makespan_seconds if plan is not None else None,
        fail_on_flaky=fail_on_flaky,
        unreported=unreported,
        recorded_plans=recorded_plans,
    )
