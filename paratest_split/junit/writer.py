"""Write JUnit XML reports (shard reports of `run`, the merged report of `merge`).

Streaming: `ReportWriter` appends each case, serialised, to a spool file beside the target and
remembers only where each suite's runs of cases start and end plus the suite's totals; `close`
writes the root `<testsuites>` with the final totals, then each suite (merged by name, in the
order first seen) with its totals and its cases copied from the spool. Memory holds the suite
table, never the cases, however large the report and however the suites interleave.

Format: the Jenkins/xunit-plugin JUnit schema (`junit-10.xsd`, vendored in
tests/fixtures/xsd/) plus what pytest itself writes beside it: a `file` attribute and
`<properties>` on `<testcase>` and `skipped` on the root. Retries use Maven Surefire's children,
which Jenkins' JUnit plugin reads: a passed test that failed earlier carries one
`<flakyFailure>`/`<flakyError>` per failed attempt; a test that never passed has
`<failure>`/`<error>` plus one `<rerunFailure>`/`<rerunError>` per earlier attempt. A case's
`time` is its final attempt's (Surefire's convention, and what timing history must learn); the
suite and root `time` add every attempt, which is the time the shards really spent.
"""

from __future__ import annotations

import gzip
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from paratest_split.model import Attempt, CaseResult, Outcome

_XML_UNSAFE = {c: None for c in range(32) if c not in (9, 10, 13)} | {0xFFFE: None, 0xFFFF: None}
_SURROGATE = re.compile("[\ud800-\udfff]").search
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\n": "&#10;",
        "\r": "&#13;",
        "\t": "&#9;",
    }
)


def clean_text(text: str) -> str:
    """XML 1.0 cannot hold most control characters: drop them (names keep pytest's escapes)."""
    cleaned = text.translate(_XML_UNSAFE)
    if _SURROGATE(cleaned) is not None:
        cleaned = cleaned.encode("utf-8", "replace").decode("utf-8")
    return cleaned


def _clean(text: str) -> str:
    # Fast path: almost every string is plain printable text.
    if text.isprintable() and text.isascii():
        return text
    return clean_text(text)


# Anything but printable ASCII without `"`, `&`, `<`, `>`: such a string needs no escaping.
_ATTR_SPECIAL = re.compile(r"[^\x20\x21\x23-\x25\x27-\x3b\x3d\x3f-\x7e]").search
_TEXT_SPECIAL = re.compile(r"[^\t\n\r\x20-\x25\x27-\x3b\x3d\x3f-\x7e]").search
_CLASSNAMES: dict[str, str] = {}


def attr(text: str) -> str:
    """`text` escaped for a double-quoted XML attribute."""
    if _ATTR_SPECIAL(text) is None:
        return text
    return _clean(text).translate(_ATTR_ESCAPES)


def text_node(text: str) -> str:
    """`text` escaped for element content."""
    if _TEXT_SPECIAL(text) is None:
        return text
    return _clean(text).translate(_TEXT_ESCAPES)


def _classname_attr(text: str) -> str:
    """`attr` with a cache: a report repeats each classname many times."""
    cached = _CLASSNAMES.get(text)
    if cached is None:
        if len(_CLASSNAMES) > 50_000:
            _CLASSNAMES.clear()
        cached = _CLASSNAMES[text] = attr(text)
    return cached


@dataclass(kw_only=True)
class Totals:
    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    flaky: int = 0
    time: float = 0.0

    def add_case(self, case: CaseResult) -> None:
        self.tests += 1
        outcome = case.final.outcome
        self.failures += outcome is Outcome.FAILED
        self.errors += outcome is Outcome.ERROR
        self.skipped += outcome is Outcome.SKIPPED
        if case.earlier:
            self.flaky += case.flaky
            self.time += sum(a.time for a in case.earlier)
        seconds = case.final.time
        if seconds > 0:
            self.time += seconds

    def add(self, other: Totals) -> None:
        self.tests += other.tests
        self.failures += other.failures
        self.errors += other.errors
        self.skipped += other.skipped
        self.flaky += other.flaky
        self.time += other.time

    @property
    def passed(self) -> int:
        return self.tests - self.failures - self.errors - self.skipped

    def attributes(self) -> dict[str, str]:
        return {
            "tests": str(self.tests),
            "failures": str(self.failures),
            "errors": str(self.errors),
            "skipped": str(self.skipped),
            "time": _seconds(self.time),
        }


def _seconds(value: float) -> str:
    if value != value or value < 0:  # noqa: PLR0124 - NaN check
        value = 0.0
    return f"{value:.3f}"


_VERDICT_TAG = {Outcome.FAILED: "failure", Outcome.ERROR: "error", Outcome.SKIPPED: "skipped"}


def _open_tag(tag: str, attempt: Attempt, *, with_time: bool) -> str:
    parts = [f"<{tag}"]
    if attempt.message:
        parts.append(f' message="{attr(attempt.message)}"')
    if attempt.type or tag != "skipped":
        # Surefire's schema requires `type` on failures, errors and re-runs.
        parts.append(f' type="{attr(attempt.type)}"')
    if with_time:
        parts.append(f' time="{_seconds(attempt.time)}"')
    return "".join(parts)


def _attempt_xml(tag: str, attempt: Attempt, *, rerun: bool) -> str:
    head = _open_tag(tag, attempt, with_time=rerun)
    if rerun:
        # Surefire nests the trace and output of a re-run inside the rerun element.
        inner = [f"<stackTrace>{text_node(attempt.details)}</stackTrace>"]
        if attempt.stdout:
            inner.append(f"<system-out>{text_node(attempt.stdout)}</system-out>")
        if attempt.stderr:
            inner.append(f"<system-err>{text_node(attempt.stderr)}</system-err>")
        return f"{head}>{''.join(inner)}</{tag}>"
    if attempt.details:
        return f"{head}>{text_node(attempt.details)}</{tag}>"
    return f"{head}/>"


def properties_xml(properties: Sequence[tuple[str, str]]) -> str:
    """The `<property>` elements for name/value pairs (no `<properties>` wrapper)."""
    return "".join(f'<property name="{attr(n)}" value="{attr(v)}"/>' for n, v in properties)


def case_xml(case: CaseResult, extra_properties: str = "") -> str:
    """One `<testcase>` element for a CaseResult, as text (with a trailing newline).

    `extra_properties`: `properties_xml(...)` text appended to the case's own properties (merge
    adds where each result came from without copying the CaseResult).
    """
    final = case.final
    time = final.time
    head = (
        f'<testcase classname="{_classname_attr(case.classname)}" name="{attr(case.name)}"'
        + (f' file="{attr(case.file)}"' if case.file else "")
        + (f' time="{time:.3f}"' if time >= 0 else ' time="0.000"')
    )
    outcome = final.outcome
    if (
        outcome is Outcome.PASSED
        and not case.earlier
        and not case.properties
        and not extra_properties
        and not final.stdout
        and not final.stderr
    ):
        return head + "/>\n"
    body: list[str] = [head, ">"]
    if case.properties or extra_properties:
        body.append("<properties>")
        body.append(properties_xml(case.properties))
        body.append(extra_properties)
        body.append("</properties>")
    tag = _VERDICT_TAG.get(outcome)
    if tag is not None:
        body.append(_attempt_xml(tag, final, rerun=False))
    prefix = "flaky" if outcome is Outcome.PASSED else "rerun"
    for attempt in case.earlier:
        kind = "Error" if attempt.outcome is Outcome.ERROR else "Failure"
        body.append(_attempt_xml(f"{prefix}{kind}", attempt, rerun=True))
    if final.stdout:
        body.append(f"<system-out>{text_node(final.stdout)}</system-out>")
    if final.stderr:
        body.append(f"<system-err>{text_node(final.stderr)}</system-err>")
    body.append("</testcase>\n")
    return "".join(body)


@dataclass(kw_only=True)
class _Suite:
    name: str
    totals: Totals = field(default_factory=Totals)
    chunks: list[tuple[int, int]] = field(default_factory=list)  # (start, end) in the spool


class ReportWriter:
    """Stream cases into a JUnit report; suites are merged by name.

    Use as a context manager, or call `close()` (writes the file, returns the root totals) or
    `abort()`. `properties` go on every suite (JUnit has no root-level properties). The file
    appears atomically (written beside it, then renamed); a `.gz` target is gzip-compressed.
    """

    def __init__(
        self,
        path: Path,
        *,
        name: str = "paratest-split",
        properties: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.path = path
        self.name = name
        self.properties = tuple(properties)
        self.totals = Totals()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, spool_name = tempfile.mkstemp(prefix=".spool-", suffix=".xml", dir=path.parent)
        self._spool_path = Path(spool_name)
        self._spool: BinaryIO = os.fdopen(fd, "w+b")
        self._suites: dict[str, _Suite] = {}
        self._current: _Suite | None = None
        self._chunk_start = 0
        self._position = 0
        self._closed = False

    def suite(self, name: str) -> None:
        """Declare suite `name` (so an empty suite is still written)."""
        if name not in self._suites:
            self._suites[name] = _Suite(name=name)

    def add(self, suite: str, case: CaseResult) -> None:
        """Append one case to suite `suite` (created on first use)."""
        self.add_xml(suite, case, case_xml(case))

    def add_xml(self, suite: str, case: CaseResult, xml: str) -> None:
        """Append a case already serialised by `case_xml` (totals still come from `case`)."""
        target = self._current
        if target is None or target.name != suite:
            self._end_chunk()
            target = self._suites.get(suite)
            if target is None:
                target = self._suites[suite] = _Suite(name=suite)
            self._current = target
            self._chunk_start = self._position
        data = xml.encode("utf-8")
        self._spool.write(data)
        self._position += len(data)
        target.totals.add_case(case)

    def _end_chunk(self) -> None:
        if self._current is not None and self._position > self._chunk_start:
            self._current.chunks.append((self._chunk_start, self._position))
        self._chunk_start = self._position

    def _suite_head(self, suite: _Suite) -> str:
        attrs = "".join(f' {k}="{v}"' for k, v in suite.totals.attributes().items())
        head = f'<testsuite name="{attr(suite.name)}"{attrs}>\n'
        if self.properties:
            props = "".join(
                f'<property name="{attr(n)}" value="{attr(v)}"/>' for n, v in self.properties
            )
            head += f"<properties>{props}</properties>\n"
        return head

    def close(self) -> Totals:
        if self._closed:
            return self.totals
        self._end_chunk()
        self._spool.flush()
        totals = Totals()
        for suite in self._suites.values():
            totals.add(suite.totals)
        self.totals = totals
        fd, final_name = tempfile.mkstemp(prefix=".report-", suffix=".xml", dir=self.path.parent)
        final = Path(final_name)
        try:
            with os.fdopen(fd, "wb") as raw:
                out: BinaryIO = raw
                if self.path.name.endswith(".gz"):
                    out = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0)  # type: ignore[assignment]
                self._assemble(out, totals)
                if out is not raw:
                    out.close()
            final.replace(self.path)
        except BaseException:
            final.unlink(missing_ok=True)
            raise
        finally:
            self._discard()
        return totals

    def _assemble(self, out: BinaryIO, totals: Totals) -> None:
        root_attrs = "".join(f' {k}="{v}"' for k, v in totals.attributes().items())
        out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(f'<testsuites name="{attr(self.name)}"{root_attrs}>\n'.encode())
        spool = self._spool
        for suite in self._suites.values():
            out.write(self._suite_head(suite).encode("utf-8"))
            for start, end in suite.chunks:
                spool.seek(start)
                remaining = end - start
                while remaining > 0:
                    block = spool.read(min(remaining, 1 << 20))
                    if not block:
                        break
                    out.write(block)
                    remaining -= len(block)
            out.write(b"</testsuite>\n")
        out.write(b"</testsuites>\n")

    def _discard(self) -> None:
        self._closed = True
        self._spool.close()
        self._spool_path.unlink(missing_ok=True)

    def abort(self) -> None:
        """Drop everything written so far; the target file is not touched."""
        if not self._closed:
            self._discard()

    def __enter__(self) -> ReportWriter:  # noqa: PYI034 - not meant to be subclassed
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def write_report(
    path: Path,
    suites: Iterable[tuple[str, Iterable[CaseResult]]],
    *,
    name: str = "paratest-split",
    properties: Sequence[tuple[str, str]] = (),
) -> Totals:
    """Write `<testsuites name=...>` holding one `<testsuite>` per (suite name, cases).

    Suites of the same name are merged into one. `properties` go on every suite. The file
    appears atomically; memory holds no cases. Returns the root totals.
    """
    with ReportWriter(path, name=name, properties=properties) as writer:
        for suite_name, cases in suites:
            writer.suite(suite_name)
            for case in cases:
                writer.add(suite_name, case)
    return writer.totals
