"""Reading JUnit times and the lean parser target behind `iter_timing_rows`: a row per case
(classname, name, file, seconds), a `SuiteSummary` per suite, warnings for unusable times. The
richer targets (`junit.case_items`) build on it.
"""

from __future__ import annotations

import math
import re
from typing import Final

from paratest_split.core.model import CaseResult, SuiteSummary, Warning_
from paratest_split.junit.source import RejectError

MAX_SECONDS: Final = 7 * 24 * 3600.0
"""Times above one week are treated as corrupt."""

Row = tuple[str, str, "str | None", "float | None"]
"""`iter_timing_rows` item for one case: classname, name, file, seconds (None: unusable)."""


_DETAILED_WARNINGS: Final = 20
_ROOTS: Final = ("testsuites", "testsuite")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_DOTS_AND_COMMA = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+,\d+")
_MODULE_PATH = re.compile(r"[\w-]+(?:\.[\w-]+)+")


def parse_time(text: str | None) -> float | None:
    """Read a JUnit `time` attribute; None when absent, empty or unparseable.

    The result may still be negative, NaN or infinite: see `usable`.
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


def usable(seconds: float) -> bool:
    return 0.0 <= seconds <= MAX_SECONDS  # False for NaN too


def time_known(case: CaseResult) -> bool:
    """False when the case has no real duration (then `final.time` is a 0.0 filler)."""
    return case.final.time_known


def is_pseudo_case(classname: str, name: str) -> bool:
    """Could be a pytest module-level skip or collection error: empty classname and a dotted
    module path as name (`tests.test_x`). Timing also requires a `<skipped>`/`<error>` child."""
    return not classname and _MODULE_PATH.fullmatch(name) is not None


class _Suite:
    __slots__ = ("case_time", "cases", "file", "last_child_file", "name", "time", "untimed")

    def __init__(self, name: str, file: str | None, time: str | None) -> None:
        self.name = name
        self.file = file
        self.time = time
        self.cases = 0
        self.case_time = 0.0
        self.untimed = 0  # cases without a usable time: the overhead fit must not read them as 0
        self.last_child_file: str | None = None  # `file` of the latest child suite that had one


class TimingTarget:
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

    # -- helpers shared with CaseTarget
    def _root(self, tag: str) -> None:
        if tag not in _ROOTS:
            shown = tag if len(tag) <= 60 else tag[:57] + "..."
            raise RejectError(f"root element is <{shown}>, expected <testsuites> or <testsuite>")
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
        if seconds is not None and not usable(seconds):
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
                untimed=suite.untimed,
            )
        )
        parent = self.suites[-1]
        parent.cases += suite.cases
        parent.case_time += suite.case_time
        parent.untimed += suite.untimed

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
        elif not usable(seconds):
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
        else:
            suite.untimed += 1

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
            raise RejectError("no <testsuites> or <testsuite> element")
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
        raise RejectError("has a DOCTYPE (DTDs and entity declarations are refused for safety)")

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
