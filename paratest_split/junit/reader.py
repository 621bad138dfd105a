"""Read JUnit XML reports: streaming, hardened, fast.

Public API (other modules call exactly this):

- `iter_report(path, details=True)` yields, in document order, one `CaseResult` per
  `<testcase>`, one `SuiteSummary` when each `<testsuite>` closes, and `Warning_` items for
  survivable problems (unusable times). Bad files raise `BadInputError(path, problem)`.
- `read_report(path, details=True)` is the same, collected into three lists.
- `iter_timing_rows(path)` is the lean variant the timing history uses: `(classname, name, file,
  seconds-or-None)` tuples plus the same `SuiteSummary`/`Warning_` items, without building
  model objects (about twice as fast on a 1M-case file).
- `iter_merge_items(path)` is the variant `merge` uses: like `iter_report(details=True)`, but
  consecutive cases of one suite without child elements and with a usable time (plain passes)
  come together as one `PlainRun`, in columns.
- `read_fragment(data, source)` reads `<testcase>` elements that `junit.writer` serialised.
- `suite_properties(path)` reads the properties of a report's first suite (its head only).
- `expand_paths(patterns, root)` turns `--junit` files, directories and globs into files.

Layout: this module drives the parser and re-exports the public names above; the pieces
live in `junit.source` (the file's bytes, gzip, the one hardened parser), `junit.timing_rows`
(times, the lean timing target), `junit.case_items` (the targets that build cases and
`PlainRun`s), `junit.head` (`suite_properties`) and `junit.paths` (`expand_paths`).

Parsing: lxml's SAX-style *target* parser fed 1 MiB chunks. Nothing is kept once a case is
yielded, so memory stays flat whatever the file size. (The target parser measured 1.4-2.0 s on
a 1M-case file where `etree.iterparse` needs 2.9 s just to build and clear elements.)

Security: a DOCTYPE of any kind is rejected as a bad file the moment the parser sees it, before
its internal subset is read, so no entity is ever declared (billion laughs, quadratic blowup),
no DTD is read and no URL or local file is fetched (XXE). The parser also runs with
`no_network=True`, `load_dtd=False`, `huge_tree=False` (libxml2's size limits stay on) and
`resolve_entities="internal"`: external entities are never resolved. We do not pass
`resolve_entities=False` because with a target parser libxml2 then returns `&amp;` in attribute
values as the text `&#38;`, which corrupts test names; as no entity can be declared, "internal"
only ever resolves the five predefined entities.

Dialects (tested with a fixture each): a `<testsuites>` or bare `<testsuite>` root, nested
suites (Jest, PHPUnit), pytest xunit1 (`file` attribute, relative to the directory pytest ran
from) and xunit2 (no `file`), Maven Surefire (`flakyFailure`/`flakyError` and
`rerunFailure`/`rerunError` children become `CaseResult.earlier`), Gradle, go-junit-report,
gotestsum, jest-junit, Playwright, PHPUnit, Cypress/mocha-junit-reporter.

Conventions:
- `file`: the case's `file` attribute; else the nearest enclosing `<testsuite>`'s `file`; else
  the `file` of an earlier sibling suite (mocha-junit-reporter puts the spec file only on its
  "Root Suite", whose sibling suites hold the cases); else None.
- Outcome: the first `<failure>` or `<error>` child decides (FAILED/ERROR), else `<skipped>`
  gives SKIPPED, else PASSED.
- pytest module-level skips and collection errors appear as pseudo-cases with `classname=""`,
  the dotted module path as `name` and a `<skipped>`/`<error>` child. `iter_report` and
  `iter_merge_items` yield them like any case (a plan check must see every result, and
  runners like the `lines` plugin report real tests with an empty classname); only
  `iter_timing_rows` leaves them out, and only when the name is a dotted module path (see
  `is_pseudo_case`).
- Times: `"1.5"`; `"1,234.5"` and `"1,234"` use `,` as a thousands separator (Surefire 2.x with
  an English locale); any other `,` between digits is a decimal comma (`"0,5"` is 0.5 s, as a
  German locale writes it, and so is `"1.234,5"` = 1234.5 s).
- A case whose time is missing or unusable (unparseable, negative, NaN, infinite, more than one
  week) gets `final.time == 0.0` and `final.time_known == False` (`time_known(case)` tells);
  so does an earlier attempt with such a time. Unusable times also produce a `Warning_`
  naming the case (the first 20 per file, then one summary); missing ones produce one summary
  warning per file. Such cases must not count as 0 s in a history.
- Texts (failure details, system-out/err, property text) are read only with `details=True`;
  `message`/`type` attributes are always read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from lxml import etree

from paratest_split.core.errors import BadInputError
from paratest_split.core.model import CaseResult, SuiteSummary, Warning_
from paratest_split.junit.case_items import CaseTarget, MergeTarget, PlainRun, TextCaseTarget
from paratest_split.junit.head import suite_properties
from paratest_split.junit.paths import expand_paths
from paratest_split.junit.source import RejectError, hardened_parser, read_chunks
from paratest_split.junit.timing_rows import (
    MAX_SECONDS,
    Row,
    TimingTarget,
    is_pseudo_case,
    parse_time,
    time_known,
)

__all__ = [
    "MAX_SECONDS",
    "PlainRun",
    "Row",
    "expand_paths",
    "is_pseudo_case",
    "iter_merge_items",
    "iter_report",
    "iter_timing_rows",
    "parse_time",
    "read_fragment",
    "read_report",
    "suite_properties",
    "time_known",
]


_LXML_POSITION = re.compile(r",? line \d+, column \d+.*$", re.DOTALL)


def _syntax_problem(error: etree.XMLSyntaxError, *, at_end: bool, head: bytes) -> str:
    line = error.lineno or 1
    message = _LXML_POSITION.sub("", str(error.msg or error)).strip().splitlines()
    text = message[0] if message else "syntax error"
    if "Resource limit exceeded" in text or "huge" in text.lower():
        return f"a name, attribute or text at line {line} exceeds libxml2's safety limits"
    if at_end or "Premature end" in text or text.startswith("EndTag"):
        return f"truncated XML at line {line} (the document ends before its root element closes)"
    stripped = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
    if not stripped:
        return "empty file (only whitespace)"
    if not stripped.startswith(b"<") and not stripped.startswith(b"\x00<"):
        return f"not XML (no element at line {line}; {text})"
    return f"not well-formed XML at line {line}: {text}"


def _drive(
    path: Path, target: TimingTarget, chunks: Iterable[bytes] | None = None
) -> Iterator[object]:
    parser = hardened_parser(target)
    head = b""
    total = 0
    for chunk in read_chunks(path) if chunks is None else chunks:
        if not head:
            head = chunk[:4096]
        total += len(chunk)
        try:
            parser.feed(chunk)
        except RejectError as exc:
            raise BadInputError(path, str(exc)) from None
        except etree.XMLSyntaxError as exc:
            raise BadInputError(path, _syntax_problem(exc, at_end=False, head=head)) from None
        target.flush()  # a run of plain cases never outlives its chunk: bounded memory
        if target.out:
            out = target.out
            target.out = []
            yield from out
    if total == 0:
        raise BadInputError(path, "empty file")
    try:
        parser.close()
        target.finish()
    except RejectError as exc:
        raise BadInputError(path, str(exc)) from None
    except etree.XMLSyntaxError as exc:
        raise BadInputError(path, _syntax_problem(exc, at_end=target.started, head=head)) from None
    yield from target.out
    target.out = []


def iter_report(
    path: Path, *, details: bool = True
) -> Iterator[CaseResult | SuiteSummary | Warning_]:
    """Stream a report: `CaseResult`s, a `SuiteSummary` per closing suite, `Warning_`s.

    Raises `BadInputError` for a file that is not a readable JUnit report (the items already
    yielded stay valid, but callers should treat the whole file as bad).
    """
    source = str(path)
    target = TextCaseTarget(source) if details else CaseTarget(source)
    yield from _drive(path, target)  # type: ignore[misc]  # targets emit only these types


def read_report(
    path: Path, *, details: bool = True
) -> tuple[list[CaseResult], list[SuiteSummary], list[Warning_]]:
    """`iter_report` collected: (cases, suites, warnings), each in document order."""
    cases: list[CaseResult] = []
    suites: list[SuiteSummary] = []
    warnings: list[Warning_] = []
    for item in iter_report(path, details=details):
        if isinstance(item, CaseResult):
            cases.append(item)
        elif isinstance(item, SuiteSummary):
            suites.append(item)
        else:
            warnings.append(item)
    return cases, suites, warnings


def iter_merge_items(path: Path) -> Iterator[PlainRun | CaseResult | SuiteSummary | Warning_]:
    """`iter_report(path, details=True)`, except that consecutive cases of one suite without
    child elements and with a usable time (plain passes) come as one `PlainRun`."""
    yield from _drive(path, MergeTarget(str(path)))  # type: ignore[misc]  # targets emit these


def read_fragment(data: bytes, source: str) -> list[CaseResult]:
    """The `<testcase>` elements in `data` (UTF-8, as `junit.writer.case_xml` writes them, one
    after another without a suite around them), with `details=True`. `source` names the data in
    errors (BadInputError)."""
    target = TextCaseTarget(source)
    chunks = (b"<testsuite>", data, b"</testsuite>")
    items = _drive(Path(source), target, chunks)
    return [item for item in items if isinstance(item, CaseResult)]


def iter_timing_rows(path: Path) -> Iterator[Row | SuiteSummary | Warning_]:
    """Lean stream for timing: a `Row` per case (pseudo-cases left out), suites, warnings.

    A row's time is None when the case's time is missing or unusable (a warning says so).
    """
    yield from _drive(path, TimingTarget(str(path)))  # type: ignore[misc]  # rows are tuples
