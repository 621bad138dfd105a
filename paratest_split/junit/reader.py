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

import glob
import gzip
import math
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Final

from lxml import etree

from paratest_split.errors import BadInputError
from paratest_split.model import Attempt, CaseResult, Outcome, SuiteSummary, Warning_

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

MAX_SECONDS: Final = 7 * 24 * 3600.0
"""Times above one week are treated as corrupt."""

Row = tuple[str, str, "str | None", "float | None"]
"""`iter_timing_rows` item for one case: classname, name, file, seconds (None: unusable)."""


class PlainRun:
    """`iter_merge_items` item: consecutive passed cases of one suite (the innermost
    `<testsuite>`'s name), each without child elements and with a usable time, in columns."""

    __slots__ = ("classnames", "files", "names", "suite", "times")

    def __init__(self, suite: str) -> None:
        self.suite = suite
        self.classnames: list[str] = []
        self.names: list[str] = []
        self.files: list[str | None] = []
        self.times: list[float] = []

    def __len__(self) -> int:
        return len(self.names)


_CHUNK: Final = 1 << 20
_DETAILED_WARNINGS: Final = 20
_ROOTS: Final = ("testsuites", "testsuite")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_DOTS_AND_COMMA = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+,\d+")
_LXML_POSITION = re.compile(r",? line \d+, column \d+.*$", re.DOTALL)
_MODULE_PATH = re.compile(r"[\w-]+(?:\.[\w-]+)+")
_HEAD_CHUNK: Final = 16 * 1024


class _RejectError(Exception):
    """Raised inside parser callbacks; becomes BadInputError with this message."""


def parse_time(text: str | None) -> float | None:
    """Read a JUnit `time` attribute; None when absent, empty or unparseable.

    The result may still be negative, NaN or infinite: see `_usable`.
    """
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    text = text.strip()
    if _THOUSANDS.fullmatch(text):
        return float(text.replace(",", ""))
    if _DECIMAL_COMMA.fullmatch(text):
        return float(text.replace(",", "."))
    if _DOTS_AND_COMMA.fullmatch(text):
        return float(text.replace(".", "").replace(",", "."))
    return None


def _usable(seconds: float) -> bool:
    return 0.0 <= seconds <= MAX_SECONDS  # False for NaN too


def time_known(case: CaseResult) -> bool:
    """False when the case has no real duration (then `final.time` is a 0.0 filler)."""
    return case.final.time_known


def is_pseudo_case(classname: str, name: str) -> bool:
    """Could be a pytest module-level skip or collection error: empty classname and a dotted
    module path as name (`tests.test_x`). Timing also requires a `<skipped>`/`<error>` child."""
    return not classname and _MODULE_PATH.fullmatch(name) is not None


# --------------------------------------------------------------------------------------------
# Opening files


def _open(path: Path) -> IO[bytes]:
    if path.is_dir():
        raise BadInputError(path, "is a directory, expected a JUnit XML file")
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise BadInputError(path, "no such file") from None
    except PermissionError:
        raise BadInputError(path, "cannot read the file: permission denied") from None
    except OSError as exc:
        raise BadInputError(path, f"cannot read the file: {exc.strerror or exc}") from None


# A gzip'd report expands about 4-15x (measured: our JUnit fixtures 4x, a 34 MB pytest-like
# report from benchmarks/gen_junit.py 12x). Past 16 MiB of XML, more than 200x is a
# decompression bomb or a generator gone wild: 1.8 MB of gzip that expands to 600 MB of cases
# took `split` 51 s on every executor. Refused (exit 10, or left out with --skip-bad-reports).
GZIP_CHECK_AFTER: Final = 16 << 20
GZIP_MAX_RATIO: Final = 200


def _check_expansion(path: Path, produced: int, consumed: int) -> None:
    if produced > GZIP_MAX_RATIO * max(consumed, 1):
        raise BadInputError(
            path,
            f"gzip data expands more than {GZIP_MAX_RATIO}x ({produced >> 20} MiB of XML from "
            f"{consumed >> 10} KiB so far): not a plausible JUnit report, refused",
        )


def _chunks(path: Path, size: int = _CHUNK) -> Iterator[bytes]:
    """The file's bytes in chunks, gunzipped when it starts with the gzip magic number."""
    with _open(path) as raw:
        try:
            magic = raw.read(2)
            raw.seek(0)
            if magic != b"\x1f\x8b":
                while chunk := raw.read(size):
                    yield chunk
                return
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                produced = 0
                while chunk := unzipped.read(size):
                    produced += len(chunk)
                    if produced > GZIP_CHECK_AFTER:
                        _check_expansion(path, produced, raw.tell())
                    yield chunk
        except EOFError:
            problem = "truncated gzip data (the compressed stream ends early)"
            raise BadInputError(path, problem) from None
        except (gzip.BadGzipFile, zlib.error) as exc:
            raise BadInputError(path, f"corrupt gzip data ({exc})") from None
        except OSError as exc:
            raise BadInputError(path, f"cannot read the file: {exc.strerror or exc}") from None


# --------------------------------------------------------------------------------------------
# Parser targets


class _Suite:
    __slots__ = ("case_time", "cases", "file", "last_child_file", "name", "time")

    def __init__(self, name: str, file: str | None, time: str | None) -> None:
        self.name = name
        self.file = file
        self.time = time
        self.cases = 0
        self.case_time = 0.0
        self.last_child_file: str | None = None  # `file` of the latest child suite that had one


class _TimingTarget:
    """Lean target: suites and (classname, name, file, time) rows, no model objects.

    lxml calls only the methods a target has: no `data` here, so texts cost nothing.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.out: list[object] = []
        self.started = False
        # Open suites, innermost last, above a sentinel for the document itself (never popped),
        # so a case always has a suite to count into and sibling suites can pass on a `file`.
        self.suites: list[_Suite] = [_Suite("", None, None)]
        self.attrib: dict[str, str] = {}
        self.skip_or_error = False
        self.missing = 0
        self.invalid = 0

    # -- helpers shared with _CaseTarget
    def _root(self, tag: str) -> None:
        if tag not in _ROOTS:
            shown = tag if len(tag) <= 60 else tag[:57] + "..."
            raise _RejectError(f"root element is <{shown}>, expected <testsuites> or <testsuite>")
        self.started = True

    def _push_suite(self, attrib: dict[str, str]) -> None:
        parent = self.suites[-1]
        file = attrib.get("file") or None
        if file is None:
            file = parent.file or parent.last_child_file
        else:
            parent.last_child_file = file
        self.suites.append(_Suite(attrib.get("name", ""), file, attrib.get("time")))

    def _pop_suite(self) -> None:
        suite = self.suites.pop()
        seconds = parse_time(suite.time)
        if seconds is not None and not _usable(seconds):
            self.out.append(
                Warning_(
                    source=self.source,
                    message=f"suite {suite.name!r}: time {suite.time!r} is not usable; ignored",
                )
            )
            seconds = None
        self.out.append(
            SuiteSummary(
                name=suite.name,
                time=seconds,
                cases=suite.cases,
                case_time=suite.case_time,
                source=self.source,
            )
        )
        parent = self.suites[-1]
        parent.cases += suite.cases
        parent.case_time += suite.case_time

    def _case_time(self, attrib: dict[str, str], classname: str, name: str) -> float | None:
        """The case's usable time, counted into its suite; None (+ warning) otherwise."""
        raw = attrib.get("time")
        seconds: float | None = None
        if raw is not None:
            try:
                seconds = float(raw)
            except ValueError:
                seconds = parse_time(raw)
                if seconds is None and raw.strip():
                    self._bad_time(classname, name, raw, "is not a number")
                    self._account(None)
                    return None
        if seconds is None:
            self.missing += 1
        elif not _usable(seconds):
            if not math.isfinite(seconds):
                why = "is not finite"
            elif seconds < 0:
                why = "is negative"
            else:
                why = "is more than a week"
            self._bad_time(classname, name, raw or "", why)
            seconds = None
        self._account(seconds)
        return seconds

    def _account(self, seconds: float | None) -> None:
        suite = self.suites[-1]
        suite.cases += 1
        if seconds is not None:
            suite.case_time += seconds

    def _bad_time(self, classname: str, name: str, raw: str, why: str) -> None:
        self.invalid += 1
        if self.invalid <= _DETAILED_WARNINGS:
            self.out.append(
                Warning_(
                    source=self.source,
                    message=(
                        f"case {classname!r} {name!r}: time {raw!r} {why}; not used for timing"
                    ),
                )
            )

    def flush(self) -> None:
        """Move anything held back into `out` (the merge target's current run)."""
        return

    def finish(self) -> None:
        if not self.started:
            raise _RejectError("no <testsuites> or <testsuite> element")
        if self.invalid > _DETAILED_WARNINGS:
            self.out.append(
                Warning_(
                    source=self.source,
                    message=(
                        f"{self.invalid - _DETAILED_WARNINGS} more cases have unusable times; "
                        "not used for timing"
                    ),
                )
            )
        if self.missing:
            self.out.append(
                Warning_(
                    source=self.source,
                    message=(f"{self.missing} case(s) have no time attribute; not used for timing"),
                )
            )

    # -- lxml target protocol
    def doctype(self, name: str | None, public_id: str | None, system_id: str | None) -> None:
        del name, public_id, system_id
        raise _RejectError("has a DOCTYPE (DTDs and entity declarations are refused for safety)")

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if tag == "testcase":
            if not self.started:
                self._root(tag)
            self.attrib = attrib
            self.skip_or_error = False
        elif tag == "testsuite":
            if not self.started:
                self._root(tag)
            self._push_suite(attrib)
        elif tag in ("skipped", "error"):
            self.skip_or_error = True
        elif not self.started:
            self._root(tag)

    def end(self, tag: str) -> None:
        if tag == "testcase":
            attrib = self.attrib
            classname = attrib.get("classname") or attrib.get("class") or ""
            name = attrib.get("name", "")
            seconds = self._case_time(attrib, classname, name)
            if not classname and self.skip_or_error and is_pseudo_case(classname, name):
                return
            file = attrib.get("file") or None
            if file is None:
                suite = self.suites[-1]
                file = suite.file or suite.last_child_file
            self.out.append((classname, name, file, seconds))
        elif tag == "testsuite":
            self._pop_suite()

    def close(self) -> None:
        return None


_FINAL_TAGS: Final = {"failure": Outcome.FAILED, "error": Outcome.ERROR, "skipped": Outcome.SKIPPED}
_EARLIER_TAGS: Final = {
    "flakyFailure": Outcome.FAILED,
    "flakyError": Outcome.ERROR,
    "rerunFailure": Outcome.FAILED,
    "rerunError": Outcome.ERROR,
}


class _Earlier:
    __slots__ = (
        "details",
        "message",
        "outcome",
        "own_text",
        "stderr",
        "stdout",
        "time",
        "time_known",
        "type",
    )

    def __init__(self, outcome: Outcome, attrib: dict[str, str]) -> None:
        self.outcome = outcome
        self.message = attrib.get("message", "")
        self.type = attrib.get("type", "")
        seconds = parse_time(attrib.get("time"))
        self.time_known = seconds is not None and _usable(seconds)
        self.time = seconds if seconds is not None and self.time_known else 0.0
        self.details: str | None = None  # <stackTrace> text
        self.own_text = ""
        self.stdout = ""
        self.stderr = ""

    def attempt(self) -> Attempt:
        details = self.details if self.details is not None else self.own_text
        if not details.strip():
            details = ""
        return Attempt(
            outcome=self.outcome,
            time=self.time,
            time_known=self.time_known,
            message=self.message,
            type=self.type,
            details=details,
            stdout=self.stdout,
            stderr=self.stderr,
        )


class _CaseTarget(_TimingTarget):
    """Builds `CaseResult`s; without a `data` method, so texts are skipped (details=False)."""

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self.in_case = False
        self._reset_case()
        # Frozen Attempts of passed cases without texts, shared per time value: building a
        # frozen dataclass is the biggest cost per case (bounded: times are in ms).
        self.passed: dict[float, Attempt] = {}
        # One entry per open element below <testcase>: (tag, text buffer or None, whether it
        # is the element that decided the final outcome).
        self.below: list[tuple[str, list[str] | None, bool]] = []
        self.buffers: list[list[str]] = []

    def _reset_case(self) -> None:
        self.plain = True  # no child element seen yet
        self.outcome = Outcome.PASSED
        self.message = ""
        self.type = ""
        self.details = ""
        self.stdout = ""
        self.stderr = ""
        self.earlier: list[_Earlier] = []
        self.properties: list[tuple[str, str]] = []
        self.property_attrib: dict[str, str] = {}

    def _wants_text(self, depth: int, tag: str) -> bool:
        if depth == 0:
            return tag in _FINAL_TAGS or tag in _EARLIER_TAGS or tag in ("system-out", "system-err")
        parent = self.below[0][0]
        if depth == 1 and parent in _EARLIER_TAGS:
            return tag in ("stackTrace", "system-out", "system-err")
        return depth == 1 and parent == "properties" and tag == "property"

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if not self.in_case:
            if tag == "testcase":
                self.in_case = True
                if not self.plain:
                    self._reset_case()
            super().start(tag, attrib)
            return
        self.plain = False
        depth = len(self.below)
        decides = False
        if depth == 0:
            final = _FINAL_TAGS.get(tag)
            if final is not None:
                if not self.outcome.is_bad and (final.is_bad or self.outcome is Outcome.PASSED):
                    decides = True
                    self.outcome = final
                    self.message = attrib.get("message", "")
                    self.type = attrib.get("type", "")
            else:
                earlier = _EARLIER_TAGS.get(tag)
                if earlier is not None:
                    self.earlier.append(_Earlier(earlier, attrib))
        elif depth == 1 and tag == "property" and self.below[0][0] == "properties":
            self.property_attrib = attrib
        buffer: list[str] | None = None
        if self._wants_text(depth, tag):
            buffer = []
            self.buffers.append(buffer)
        self.below.append((tag, buffer, decides))

    def end(self, tag: str) -> None:
        if not self.in_case:
            super().end(tag)
            return
        if not self.below:  # </testcase>
            self.in_case = False
            self._emit()
            return
        own, buffer, decides = self.below.pop()
        text = ""
        if buffer is not None:
            self.buffers.pop()
            text = "".join(buffer)
            if text.isspace():  # layout around child elements or CDATA, not content
                text = ""
        depth = len(self.below)
        if depth == 0:
            if decides:
                self.details = text
            elif own in _EARLIER_TAGS:
                self.earlier[-1].own_text = text
            elif own == "system-out":
                self.stdout += text
            elif own == "system-err":
                self.stderr += text
        elif depth == 1:
            parent = self.below[0][0]
            if parent in _EARLIER_TAGS:
                attempt = self.earlier[-1]
                if own == "stackTrace":
                    attempt.details = text
                elif own == "system-out":
                    attempt.stdout += text
                elif own == "system-err":
                    attempt.stderr += text
            elif parent == "properties" and own == "property":
                attrib = self.property_attrib
                name = attrib.get("name", "")
                value = attrib.get("value")
                self.properties.append((name, value if value is not None else text))

    def _emit(self) -> None:
        attrib = self.attrib
        classname = attrib.get("classname") or attrib.get("class") or ""
        name = attrib.get("name", "")
        seconds = self._case_time(attrib, classname, name)
        file = attrib.get("file") or None
        suite = self.suites[-1]
        suite_name = suite.name
        if file is None:
            file = suite.file or suite.last_child_file
        if self.plain and seconds is not None:
            final = self.passed.get(seconds)
            if final is None:
                final = Attempt(outcome=Outcome.PASSED, time=seconds)
                if len(self.passed) < 100_000:
                    self.passed[seconds] = final
            self.out.append(
                CaseResult(classname=classname, name=name, final=final, file=file, suite=suite_name)
            )
            return
        known = seconds is not None
        final = Attempt(
            outcome=self.outcome,
            time=seconds if seconds is not None else 0.0,
            time_known=known,
            message=self.message,
            type=self.type,
            details=self.details,
            stdout=self.stdout,
            stderr=self.stderr,
        )
        self.out.append(
            CaseResult(
                classname=classname,
                name=name,
                final=final,
                file=file,
                suite=suite_name,
                earlier=tuple(e.attempt() for e in self.earlier),
                properties=tuple(self.properties),
            )
        )
        self._reset_case()


class _TextCaseTarget(_CaseTarget):
    """`_CaseTarget` that also collects texts (details=True)."""

    def data(self, text: str) -> None:
        if self.buffers:
            self.buffers[-1].append(text)


class _MergeTarget(_TextCaseTarget):
    """`_TextCaseTarget` with a fast lane for the commonest case: `<testcase .../>` (no child
    element) with a usable time goes into the current `PlainRun`, not a `CaseResult`. A run
    ends (goes to `out`) before any other item and at each suite boundary."""

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self.run: PlainRun | None = None
        # the current run's suite, default `file` and column appenders (fewer lookups per case)
        self.run_suite = self.suites[0]
        self.run_file: str | None = None
        placeholder = PlainRun("")
        self.add_classname: Callable[[str], None] = placeholder.classnames.append
        self.add_name: Callable[[str], None] = placeholder.names.append
        self.add_file: Callable[[str | None], None] = placeholder.files.append
        self.add_time: Callable[[float], None] = placeholder.times.append

    def _new_run(self) -> None:
        suite = self.run_suite = self.suites[-1]
        run = self.run = PlainRun(suite.name)
        self.run_file = suite.file or suite.last_child_file
        self.add_classname = run.classnames.append
        self.add_name = run.names.append
        self.add_file = run.files.append
        self.add_time = run.times.append

    def flush(self) -> None:
        run = self.run
        if run is not None:
            suite = self.run_suite
            suite.cases += len(run.times)
            suite.case_time += sum(run.times)
            self.out.append(run)
            self.run = None

    def _push_suite(self, attrib: dict[str, str]) -> None:
        self.flush()
        super()._push_suite(attrib)

    def _pop_suite(self) -> None:
        self.flush()
        super()._pop_suite()

    def finish(self) -> None:
        self.flush()
        super().finish()

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if tag == "testcase" and not self.in_case and self.started:
            self.in_case = True
            if not self.plain:
                self._reset_case()
            self.attrib = attrib
            self.skip_or_error = False
            return
        _CaseTarget.start(self, tag, attrib)

    def end(self, tag: str) -> None:
        if not self.in_case or self.below:
            _CaseTarget.end(self, tag)
            return
        self.in_case = False  # </testcase>
        attrib = self.attrib
        if self.plain:
            try:
                seconds = float(attrib["time"])
            except (KeyError, ValueError):
                seconds = -1.0  # missing or not a plain number: the general path decides
            if 0.0 <= seconds <= MAX_SECONDS:
                if self.run is None:
                    self._new_run()
                self.add_classname(attrib.get("classname") or attrib.get("class") or "")
                self.add_name(attrib.get("name", ""))
                self.add_file(attrib.get("file") or self.run_file)
                self.add_time(seconds)
                return
        self.flush()
        self._emit()


# --------------------------------------------------------------------------------------------
# Driving the parser


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
    path: Path, target: _TimingTarget, chunks: Iterable[bytes] | None = None
) -> Iterator[object]:
    # Typed as Any: lxml-stubs lag behind lxml (partial targets, resolve_entities="internal").
    options: dict[str, Any] = {
        "target": target,
        "resolve_entities": "internal",  # see the module docstring: no entity can be declared
        "no_network": True,
        "load_dtd": False,
        "huge_tree": False,
        "dtd_validation": False,
        "recover": False,
    }
    parser = etree.XMLParser(**options)
    head = b""
    total = 0
    for chunk in _chunks(path) if chunks is None else chunks:
        if not head:
            head = chunk[:4096]
        total += len(chunk)
        try:
            parser.feed(chunk)
        except _RejectError as exc:
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
    except _RejectError as exc:
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
    target = _TextCaseTarget(source) if details else _CaseTarget(source)
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
    yield from _drive(path, _MergeTarget(str(path)))  # type: ignore[misc]  # targets emit these


def read_fragment(data: bytes, source: str) -> list[CaseResult]:
    """The `<testcase>` elements in `data` (UTF-8, as `junit.writer.case_xml` writes them, one
    after another without a suite around them), with `details=True`. `source` names the data in
    errors (BadInputError)."""
    target = _TextCaseTarget(source)
    chunks = (b"<testsuite>", data, b"</testsuite>")
    items = _drive(Path(source), target, chunks)
    return [item for item in items if isinstance(item, CaseResult)]


class _HeadTarget:
    """Collects `<property>`s of the first suite (or the root) until the first case or the end
    of that suite; then `done`. Rejects a DOCTYPE like the other targets."""

    def __init__(self) -> None:
        self.properties: dict[str, str] = {}
        self.done = False
        self.property: dict[str, str] | None = None
        self.text: list[str] = []

    def doctype(self, name: str | None, public_id: str | None, system_id: str | None) -> None:
        del name, public_id, system_id
        raise _RejectError("has a DOCTYPE (DTDs and entity declarations are refused for safety)")

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if self.done:
            return
        if tag == "testcase":
            self.done = True
        elif tag == "property":
            self.property = attrib
            self.text = []

    def data(self, text: str) -> None:
        if self.property is not None:
            self.text.append(text)

    def end(self, tag: str) -> None:
        if self.done:
            return
        if tag == "property" and self.property is not None:
            name = self.property.get("name")
            value = self.property.get("value")
            if name is not None and name not in self.properties:
                self.properties[name] = value if value is not None else "".join(self.text)
            self.property = None
        elif tag == "testsuite":
            self.done = True

    def close(self) -> None:
        return None


def suite_properties(path: Path) -> dict[str, str]:
    """Properties of the report's first `<testsuite>` (or of the root) that come before its
    first `<testcase>`: `{name: value}`, the first of each name. Reads only the head of the
    file (plain or gzip, told by its magic bytes). A file this cannot read gives `{}`: reading
    the whole report says what is wrong with it."""
    target = _HeadTarget()
    options: dict[str, Any] = {
        "target": target,
        "resolve_entities": "internal",
        "no_network": True,
        "load_dtd": False,
        "huge_tree": False,
        "recover": False,
    }
    parser = etree.XMLParser(**options)
    try:
        for chunk in _chunks(path, _HEAD_CHUNK):
            parser.feed(chunk)
            if target.done:
                break
    except (_RejectError, etree.XMLSyntaxError, BadInputError):
        return {}
    return target.properties


def iter_timing_rows(path: Path) -> Iterator[Row | SuiteSummary | Warning_]:
    """Lean stream for timing: a `Row` per case (pseudo-cases left out), suites, warnings.

    A row's time is None when the case's time is missing or unusable (a warning says so).
    """
    yield from _drive(path, _TimingTarget(str(path)))  # type: ignore[misc]  # rows are tuples


# --------------------------------------------------------------------------------------------
# Paths


def _is_report(name: str) -> bool:
    return name.endswith((".xml", ".xml.gz"))


def _walk(directory: Path) -> list[Path]:
    """The report files under `directory`, leaving out hidden ones: dot-files (a writer's
    temporary files, e.g. a killed merge's spool) and dot-directories (`.paratest/history`
    holds earlier merged reports, `.git`), as a `*`/`**` glob does."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
        found.extend(
            Path(dirpath, name)
            for name in filenames
            if _is_report(name) and not name.startswith(".")
        )
    return found


def expand_paths(patterns: Sequence[str], root: Path) -> tuple[list[Path], list[str]]:
    """Resolve `--junit` inputs: files, directories (recursive `*.xml`, `*.xml.gz`), globs.

    Patterns are relative to `root` unless absolute; globs support `**`. A directory matched by
    a glob is searched like a directory argument; a glob whose last part is only `*`s (`dir/*`,
    `**`) keeps only report files, any other glob keeps every file it matches. Hidden files
    and directories (a name starting with `.`) are found only when named: a directory search
    and a wildcard skip them.

    Returns (sorted unique files, one warning per glob that matched nothing). A glob matching
    nothing is not an error: a first build has no history. A path named without wildcards
    must exist (BadInputError, exit 10): a typo there would silently plan by test count
    forever. A file reached twice (a symlink, `**` through a symlinked directory) counts
    once, as its first path: each build's report is one build of history. Unreadable files
    are left for the reader to report.
    """
    files: dict[Path, Path] = {}  # real path -> the first path that reached it
    warnings: list[str] = []
    for pattern in patterns:
        base = Path(pattern).expanduser()
        full = base if base.is_absolute() else root / base
        matches: list[Path] = []
        if glob.has_magic(pattern):
            # `dir/*` or `**` picks reports only; `dir/TEST-*` or `*.junit` keeps every match.
            pure_wildcard = set(Path(pattern).name) <= {"*"}
            # Path.glob cannot take an absolute pattern; glob.glob can (and `**`).
            for hit in sorted(glob.glob(str(full), recursive=True)):  # noqa: PTH207
                hit_path = Path(hit)
                if hit_path.is_dir():
                    matches.extend(_walk(hit_path))
                elif hit_path.is_file() and (not pure_wildcard or _is_report(hit_path.name)):
                    matches.append(hit_path)
        elif full.is_dir():
            matches = _walk(full)
        elif full.exists():
            matches = [full]
        else:
            raise BadInputError(
                pattern,
                "no such file or directory (a named path must exist; a glob such as "
                "'previous/**/*.xml' may match nothing, e.g. in a first build)",
            )
        for match in sorted(matches, key=str):
            files.setdefault(_real(match), match)
        if not matches:
            warnings.append(f"--junit {pattern!r} matched no JUnit file")
    return sorted(files.values(), key=str), warnings


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: keep the path as it is
        return path
