"""The parser targets that build model objects: `CaseResult`s with their earlier attempts
(Surefire's flaky/rerun children), with or without texts, and for `merge` the same with plain
passes gathered into columnar `PlainRun`s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from paratest_split.core.model import Attempt, CaseResult, Outcome
from paratest_split.junit.timing_rows import MAX_SECONDS, TimingTarget, parse_time, usable


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
        self.time_known = seconds is not None and usable(seconds)
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


class CaseTarget(TimingTarget):
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


class TextCaseTarget(CaseTarget):
    """`CaseTarget` that also collects texts (details=True)."""

    def data(self, text: str) -> None:
        if self.buffers:
            self.buffers[-1].append(text)


class MergeTarget(TextCaseTarget):
    """`TextCaseTarget` with a fast lane for the commonest case: `<testcase .../>` (no child
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
        CaseTarget.start(self, tag, attrib)

    def end(self, tag: str) -> None:
        if not self.in_case or self.below:
            CaseTarget.end(self, tag)
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
