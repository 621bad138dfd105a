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
suite and root `time` add every attempt, which is the time the shards really spent. An attempt
without a real duration (`Attempt.time_known` False: the report had none, or paratest-split
made the result up) is written without a `time` attribute (both vendored schemas allow that)
and adds nothing to the totals, so it can never become a 0 s timing in a history.

Strict mode (`strict=True`, `merge --strict-junit`): the report holds only what `junit-10.xsd`
allows: the root has no `skipped`, and the cases are copied from the spool through
`junit.strict.strip_blocks` (no testcase properties or `file`, no attempt times). The spool
keeps everything, so `read_raw` is the same in both modes.

Unwritable targets: `ReportWriter` raises `UsageError` naming the path (and the flag it came
from) before any case is added when the target's directory cannot be created or written, and
when writing the file fails at the end, it saves the report in the temporary directory and
names that copy in the error, so results already computed are never lost silently.

Size (~660 lines): one format's writer. Serialising a case (`case_xml`, the bulk
`plain_cases_xml`) and spooling/assembling the report (`ReportWriter`) share the escaping, the
totals and the spool's byte layout that `merge` reads back.
"""

from __future__ import annotations

import bisect
import contextlib
import gzip
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from paratest_split.core.errors import UsageError
from paratest_split.core.model import Attempt, CaseResult, Outcome
from paratest_split.fileperm import atomic_file
from paratest_split.junit.strict import strip_blocks

GZIP_LEVEL = 6  # level 9 costs about twice the time for a few percent on XML
# Temporary files beside the target (spool, report being assembled) are dot-files ending in
# `.part`, never `.xml`: one left by a killed process must not be read as a report later.
TEMP_SUFFIX = ".part"
_SPOOL_BUFFER = 1 << 22
_HAS_PREAD = hasattr(os, "pread")

_XML_UNSAFE = {c: None for c in range(32) if c not in (9, 10, 13)} | {0xFFFE: None, 0xFFFF: None}
_SURROGATE = re.compile("[\ud800-\udfff]").search


def _escape_text(text: str) -> str:
    # str.replace runs at memchr speed; str.translate with a dict looks up every character
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attr(text: str) -> str:
    return (
        _escape_text(text)
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


def clean_text(text: str) -> str:
    """XML 1.0 cannot hold most control characters: drop them (names keep pytest's escapes)."""
    cleaned = text.translate(_XML_UNSAFE)
    if _SURROGATE(cleaned) is not None:
        cleaned = cleaned.encode("utf-8", "replace").decode("utf-8")
    return cleaned


# What XML 1.0 cannot hold (`clean_text` drops or replaces it) ...
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]").search
# ... plus what needs escaping. A string without any (nearly all) is written as it is.
_ATTR_SPECIAL = re.compile(r"[\x00-\x1f\"&<>\ud800-\udfff\ufffe\uffff]").search
_TEXT_SPECIAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f&<>\ud800-\udfff\ufffe\uffff]").search
_CLASSNAMES: dict[str, str] = {}


def _clean(text: str) -> str:
    return clean_text(text) if _UNSAFE(text) is not None else text


def attr(text: str) -> str:
    """`text` escaped for a double-quoted XML attribute."""
    if _ATTR_SPECIAL(text) is None:
        return text
    return _escape_attr(_clean(text))


def text_node(text: str) -> str:
    """`text` escaped for element content."""
    if _TEXT_SPECIAL(text) is None:
        return text
    return _escape_text(_clean(text))


def classname_attr(text: str) -> str:
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

    def add_case(self, case: CaseResult, sign: int = 1) -> None:
        """Count `case` in (`sign=-1`: out again) these totals."""
        self.tests += sign
        outcome = case.final.outcome
        self.failures += sign * (outcome is Outcome.FAILED)
        self.errors += sign * (outcome is Outcome.ERROR)
        self.skipped += sign * (outcome is Outcome.SKIPPED)
        self.time += sign * spent(case)
        if case.earlier:
            self.flaky += sign * case.flaky

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


def spent(case: CaseResult) -> float:
    """Seconds the case's attempts really took: every attempt with a known, positive time."""
    seconds = case.final.time if case.final.time_known and case.final.time > 0 else 0.0
    for attempt in case.earlier:
        if attempt.time_known and attempt.time > 0:
            seconds += attempt.time
    return seconds


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
    head = _open_tag(tag, attempt, with_time=rerun and attempt.time_known)
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
    if not final.time_known:
        written_time = ""
    elif time >= 0:
        written_time = f' time="{time:.3f}"'
    else:
        written_time = ' time="0.000"'
    head = (
        f'<testcase classname="{classname_attr(case.classname)}" name="{attr(case.name)}"'
        + (f' file="{attr(case.file)}"' if case.file else "")
        + written_time
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


def plain_case_head(classname: str, name: str, file: str | None, seconds: float) -> str:
    """The start of `case_xml` for a passed case without attempts, texts or properties of its
    own: `<testcase ... time="..."` without the closing `/>` or `>`."""
    if file:
        return (
            f'<testcase classname="{classname_attr(classname)}" name="{attr(name)}" '
            f'file="{attr(file)}" time="{seconds:.3f}"'
        )
    return (
        f'<testcase classname="{classname_attr(classname)}" name="{attr(name)}" '
        f'time="{seconds:.3f}"'
    )


# Parsed XML text holds no character XML cannot hold; of what needs escaping in an attribute,
# only these can occur in it. "\x00" cannot, so it separates values joined for one pass.
_PARSED_ATTR_SPECIAL = re.compile(r'[\t\n\r"&<>]').search


def _parsed_attrs(values: list[str]) -> list[str]:
    """`attr` of each value, for values read by an XML parser, at C speed."""
    joined = "\x00".join(values)
    if _PARSED_ATTR_SPECIAL(joined) is None:
        return values
    return _escape_attr(joined).split("\x00")


def _classname_attrs(classnames: list[str]) -> list[str]:
    try:
        return list(map(_CLASSNAMES.__getitem__, classnames))
    except KeyError:
        return list(map(classname_attr, classnames))


def plain_cases_xml(
    classnames: list[str],
    names: list[str],
    files: list[str | None],
    times: list[float],
    tail: str,
) -> list[str]:
    """`plain_case_head(...) + tail` for many cases at once: the same text, but the work is
    done by C loops. The values must come from an XML parser (see `_parsed_attrs`)."""
    cattrs = _classname_attrs(classnames)
    nattrs = _parsed_attrs(names)
    tail = tail.replace("%", "%%")
    if not any(files):
        template = '<testcase classname="%s" name="%s" time="%.3f"' + tail
        return list(map(template.__mod__, zip(cattrs, nattrs, times, strict=True)))
    fattrs = [
        f' file="{value}"' if value else ""
        for value in _parsed_attrs([file or "" for file in files])
    ]
    template = '<testcase classname="%s" name="%s"%s time="%.3f"' + tail
    return list(map(template.__mod__, zip(cattrs, nattrs, fattrs, times, strict=True)))


@dataclass(kw_only=True)
class _Suite:
    name: str
    totals: Totals = field(default_factory=Totals)
    chunks: list[tuple[int, int]] = field(default_factory=list)  # (start, end) in the spool
    declared: bool = False  # by `suite()`: written even when it holds no case


def _cannot_write(
    path: Path, flag: str | None, exc: OSError | str, saved: Path | None
) -> UsageError:
    reason = exc if isinstance(exc, str) else (exc.strerror or str(exc))
    where = f"{flag} {path}" if flag else str(path)
    message = f"{where}: cannot write the report: {reason}"
    if saved is not None:
        message += f"; the report was saved as {saved}"
    return UsageError(message)


class ReportWriter:
    """Stream cases into a JUnit report; suites are merged by name.

    Use as a context manager, or call `close()` (writes the file, returns the root totals) or
    `abort()`. `properties` go on every suite (JUnit has no root-level properties). The file
    appears atomically (written beside it, then renamed); a `.gz` target is gzip-compressed.

    `strict`: write only what junit-10.xsd allows (see the module docstring).

    `flag` is the option the path came from (`--output`), named in errors. An unwritable
    target raises `UsageError` at once, unless `keep_on_error` (the caller already holds
    results it cannot compute again): then the cases are spooled in the temporary directory and
    `close` saves the report there and raises, naming the copy.

    Besides `add`, a fast lane for callers that serialise cases themselves: `write_raw` appends
    bytes to a suite (keeping `totals_of(suite)` right is then the caller's job), `exclude`
    leaves a span of the spool out of the report, `read_raw` reads a span back.
    """

    def __init__(
        self,
        path: Path,
        *,
        name: str = "paratest-split",
        properties: Sequence[tuple[str, str]] = (),
        flag: str | None = None,
        keep_on_error: bool = False,
        strict: bool = False,
    ) -> None:
        self.path = path
        self.strict = strict
        self.name = name
        self.properties = tuple(properties)
        self.flag = flag
        self.totals = Totals()
        self._error: OSError | str | None = None
        try:
            if path.is_dir():
                raise IsADirectoryError(21, "is a directory")
            path.parent.mkdir(parents=True, exist_ok=True)
            if keep_on_error:  # the spool must outlive a full target device: keep it apart
                fd, spool_name = tempfile.mkstemp(prefix="paratest-spool-", suffix=TEMP_SUFFIX)
            else:
                fd, spool_name = tempfile.mkstemp(
                    prefix=".spool-", suffix=TEMP_SUFFIX, dir=path.parent
                )
        except OSError as exc:
            if not keep_on_error:
                raise _cannot_write(path, flag, exc, None) from None
            self._error = exc
            fd, spool_name = tempfile.mkstemp(prefix="paratest-spool-", suffix=TEMP_SUFFIX)
        self._spool_path = Path(spool_name)
        self._spool: BinaryIO = os.fdopen(fd, "w+b", buffering=_SPOOL_BUFFER)
        self._suites: dict[str, _Suite] = {}
        self._current: _Suite | None = None
        self._chunk_start = 0
        self._position = 0
        self._excluded: list[tuple[int, int]] = []
        self._closed = False

    @property
    def position(self) -> int:
        """Bytes spooled so far: where the next case starts."""
        return self._position

    def suite(self, name: str) -> None:
        """Declare suite `name` (so an empty suite is still written)."""
        target = self._suites.get(name)
        if target is None:
            target = self._suites[name] = _Suite(name=name)
        target.declared = True

    def totals_of(self, suite: str) -> Totals:
        """The totals of suite `suite` (created on first use), for `write_raw` callers."""
        target = self._suites.get(suite)
        if target is None:
            target = self._suites[suite] = _Suite(name=suite)
        return target.totals

    def add(self, suite: str, case: CaseResult) -> None:
        """Append one case to suite `suite` (created on first use)."""
        self.add_xml(suite, case, case_xml(case))

    def add_xml(self, suite: str, case: CaseResult, xml: str) -> None:
        """Append a case already serialised by `case_xml` (totals still come from `case`)."""
        self.write_raw(suite, xml.encode("utf-8"))
        self.totals_of(suite).add_case(case)

    def write_raw(self, suite: str, data: bytes) -> int:
        """Append serialised `<testcase>`s to suite `suite`; returns their start offset."""
        target = self._current
        if target is None or target.name != suite:
            self._end_chunk()
            target = self._suites.get(suite)
            if target is None:
                target = self._suites[suite] = _Suite(name=suite)
            self._current = target
            self._chunk_start = self._position
        start = self._position
        try:
            self._spool.write(data)
        except OSError as exc:  # e.g. the device is full: say so, leave no spool behind
            raise self._spool_failed(exc) from None
        self._position += len(data)
        return start

    def _spool_failed(self, exc: OSError) -> UsageError:
        self._discard()
        return _cannot_write(self.path, self.flag, exc, None)

    def _flush_spool(self) -> None:
        try:
            self._spool.flush()
        except OSError as exc:
            raise self._spool_failed(exc) from None

    def exclude(self, start: int, end: int) -> None:
        """Leave spool bytes [start, end) (whole cases) out of the report."""
        if end > start:
            self._excluded.append((start, end))

    def read_raw(self, start: int, end: int) -> bytes:
        """Spool bytes [start, end), e.g. a case to fold with later results."""
        self._flush_spool()
        return self._pread(end - start, start)

    def _pread(self, size: int, offset: int) -> bytes:
        # pread: a buffered read after a seek would refill the whole buffer for a short span
        if _HAS_PREAD:
            return os.pread(self._spool.fileno(), size, offset)
        spool = self._spool  # pragma: no cover - Windows has no pread
        spool.seek(offset)
        data = spool.read(size)
        spool.seek(0, os.SEEK_END)
        return data

    def _end_chunk(self) -> None:
        if self._current is not None and self._position > self._chunk_start:
            chunks = self._current.chunks
            if chunks and chunks[-1][1] == self._chunk_start:
                chunks[-1] = (chunks[-1][0], self._position)
            else:
                chunks.append((self._chunk_start, self._position))
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
        self._flush_spool()
        totals = Totals()
        for suite in self._suites.values():
            totals.add(suite.totals)
        self.totals = totals
        try:
            if self._error is not None:
                saved = self._save_elsewhere(totals)
                raise _cannot_write(self.path, self.flag, self._error, saved)
            try:
                self._write_to(self.path, totals)
            except OSError as exc:
                saved = self._save_elsewhere(totals)
                raise _cannot_write(self.path, self.flag, exc, saved) from None
        finally:
            self._discard()
        return totals

    def _write_to(self, path: Path, totals: Totals) -> None:
        """Assemble the report beside `path`, then rename it into place."""
        with atomic_file(
            path, prefix=".report-", suffix=TEMP_SUFFIX, buffering=_SPOOL_BUFFER
        ) as raw:
            if path.name.endswith(".gz"):
                with gzip.GzipFile(
                    fileobj=raw, mode="wb", mtime=0, compresslevel=GZIP_LEVEL
                ) as packed:
                    self._assemble(packed, totals)  # type: ignore[arg-type]  # binary IO
            else:
                self._assemble(raw, totals)

    def _save_elsewhere(self, totals: Totals) -> Path | None:
        """Write the report into the temporary directory; None if that fails too."""
        suffix = ".xml.gz" if self.path.name.endswith(".gz") else ".xml"
        try:
            fd, name = tempfile.mkstemp(prefix="paratest-report-", suffix=suffix)
            os.close(fd)
            saved = Path(name)
            self._write_to(saved, totals)
        except OSError:
            return None
        return saved

    def _assemble(self, out: BinaryIO, totals: Totals) -> None:
        attributes = totals.attributes()
        if self.strict:
            del attributes["skipped"]  # junit-10.xsd: not on the root (each suite keeps its own)
        root_attrs = "".join(f' {k}="{v}"' for k, v in attributes.items())
        out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(f'<testsuites name="{attr(self.name)}"{root_attrs}>\n'.encode())
        excluded = sorted(self._excluded)
        starts = [start for start, _ in excluded]
        for suite in self._suites.values():
            spans = list(self._kept_spans(suite, excluded, starts))
            if not spans and not suite.declared and not suite.totals.tests:
                continue  # every case it had was taken out again (merge folded it elsewhere)
            out.write(self._suite_head(suite).encode("utf-8"))
            for start, end in spans:
                self._copy(out, start, end)
            out.write(b"</testsuite>\n")
        out.write(b"</testsuites>\n")

    @staticmethod
    def _kept_spans(
        suite: _Suite, excluded: list[tuple[int, int]], starts: list[int]
    ) -> Iterator[tuple[int, int]]:
        """The non-empty spool spans of `suite`'s chunks minus the `excluded` spans."""
        for start, end in suite.chunks:
            i = bisect.bisect_left(starts, start)
            position = start
            while i < len(excluded) and excluded[i][0] < end:
                skip_start, skip_end = excluded[i]
                if skip_start > position:
                    yield (position, skip_start)
                position = max(position, skip_end)
                i += 1
            if end > position:
                yield (position, end)

    def _copy(self, out: BinaryIO, start: int, end: int) -> None:
        """Spool bytes [start, end) (whole cases) into the report."""
        blocks = self._blocks(start, end)
        out.writelines(strip_blocks(blocks) if self.strict else blocks)

    def _blocks(self, start: int, end: int) -> Iterator[bytes]:
        while start < end:
            block = self._pread(min(end - start, _SPOOL_BUFFER), start)
            if not block:
                break
            yield block
            start += len(block)

    def _discard(self) -> None:
        """Close and remove the spool, even when closing fails (its last buffer cannot be
        flushed to a full device): a `.part` file must not be left behind."""
        self._closed = True
        try:
            self._spool.close()
        except OSError:
            with contextlib.suppress(OSError, ValueError):  # ValueError: it is closed already
                os.close(self._spool.fileno())
        finally:
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
    flag: str | None = None,
    wall_time: float | None = None,
    strict: bool = False,
) -> Totals:
    """Write `<testsuites name=...>` holding one `<testsuite>` per (suite name, cases).

    Suites of the same name are merged into one. `properties` go on every suite. The file
    appears atomically; memory holds no cases. Returns the root totals. The results are
    already computed, so an unwritable `path` (named with `flag` in the `UsageError`) still
    gets the report saved in the temporary directory (see `ReportWriter`).

    `wall_time`: how long the runner really took. With a single suite it becomes that suite's
    (and the root's) time when longer than the sum of the cases, as pytest writes its session
    time: the difference is the start-up and per-test cost the planner learns.

    `strict`: write only what junit-10.xsd allows (see `ReportWriter`).
    """
    with ReportWriter(
        path, name=name, properties=properties, flag=flag, keep_on_error=True, strict=strict
    ) as writer:
        names: list[str] = []
        for suite_name, cases in suites:
            writer.suite(suite_name)
            names.append(suite_name)
            for case in cases:
                writer.add(suite_name, case)
        if wall_time is not None and len(set(names)) == 1:
            totals = writer.totals_of(names[0])
            totals.time = max(totals.time, wall_time)
    return writer.totals
