"""Write JUnit XML reports (shard reports of `run`, the merged report of `merge`).

Streaming: suites are written one at a time to a body file while totals accumulate; the root
`<testsuites>` with the final totals is written around the body at the end, so memory holds one
suite at a time however large the report.

Format: the common JUnit schema plus Maven Surefire's retry children, which Jenkins' JUnit
plugin reads: a passed test that failed earlier carries one `<flakyFailure>`/`<flakyError>` per
failed attempt; a test that never passed has `<failure>`/`<error>` plus one
`<rerunFailure>`/`<rerunError>` per earlier attempt.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from paratest_split.model import Attempt, CaseResult, Outcome

_XML_UNSAFE = {c: None for c in range(32) if c not in (9, 10, 13)} | {0xFFFE: None, 0xFFFF: None}


def clean_text(text: str) -> str:
    """XML 1.0 cannot hold most control characters: drop them (names keep pytest's escapes)."""
    cleaned = text.translate(_XML_UNSAFE)
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in cleaned):
        cleaned = cleaned.encode("utf-8", "replace").decode("utf-8")
    return cleaned


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
        self.flaky += case.flaky
        self.time += sum(a.time for a in (*case.earlier, case.final))

    def add(self, other: Totals) -> None:
        self.tests += other.tests
        self.failures += other.failures
        self.errors += other.errors
        self.skipped += other.skipped
        self.flaky += other.flaky
        self.time += other.time

    def attributes(self) -> dict[str, str]:
        return {
            "tests": str(self.tests),
            "failures": str(self.failures),
            "errors": str(self.errors),
            "skipped": str(self.skipped),
            "time": f"{self.time:.3f}",
        }


def _seconds(value: float) -> str:
    return f"{max(value, 0.0):.3f}"


_VERDICT_TAG = {Outcome.FAILED: "failure", Outcome.ERROR: "error", Outcome.SKIPPED: "skipped"}


def _attempt_element(tag: str, attempt: Attempt, *, with_time: bool) -> etree._Element:
    element = etree.Element(tag)
    if attempt.message:
        element.set("message", clean_text(attempt.message))
    if attempt.type:
        element.set("type", clean_text(attempt.type))
    if with_time:
        element.set("time", _seconds(attempt.time))
    if with_time:
        # Surefire nests the trace and output of a re-run inside the rerun element.
        if attempt.details:
            etree.SubElement(element, "stackTrace").text = clean_text(attempt.details)
        if attempt.stdout:
            etree.SubElement(element, "system-out").text = clean_text(attempt.stdout)
        if attempt.stderr:
            etree.SubElement(element, "system-err").text = clean_text(attempt.stderr)
    elif attempt.details:
        element.text = clean_text(attempt.details)
    return element


def case_element(case: CaseResult) -> etree._Element:
    """One `<testcase>` element for a CaseResult (exposed for tests and merge)."""
    element = etree.Element("testcase")
    element.set("classname", clean_text(case.classname))
    element.set("name", clean_text(case.name))
    if case.file:
        element.set("file", clean_text(case.file))
    element.set("time", _seconds(case.final.time))
    if case.properties:
        props = etree.SubElement(element, "properties")
        for name, value in case.properties:
            etree.SubElement(props, "property", name=clean_text(name), value=clean_text(value))
    final = case.final
    tag = _VERDICT_TAG.get(final.outcome)
    if tag is not None:
        element.append(_attempt_element(tag, final, with_time=False))
    passed = final.outcome is Outcome.PASSED
    for attempt in case.earlier:
        kind = "Error" if attempt.outcome is Outcome.ERROR else "Failure"
        prefix = "flaky" if passed else "rerun"
        element.append(_attempt_element(f"{prefix}{kind}", attempt, with_time=True))
    if final.stdout:
        etree.SubElement(element, "system-out").text = clean_text(final.stdout)
    if final.stderr:
        etree.SubElement(element, "system-err").text = clean_text(final.stderr)
    return element


def write_report(
    path: Path,
    suites: Iterable[tuple[str, Iterable[CaseResult]]],
    *,
    name: str = "paratest-split",
    properties: Sequence[tuple[str, str]] = (),
) -> Totals:
    """Write `<testsuites name=...>` holding one `<testsuite>` per (suite name, cases).

    `properties` go on every suite (JUnit has no root-level properties). The file appears
    atomically (written beside it, then renamed). Returns the root totals.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    totals = Totals()
    fd, body_name = tempfile.mkstemp(prefix=".body-", suffix=".xml", dir=path.parent)
    os.close(fd)
    body = Path(body_name)
    try:
        with body.open("wb") as out, etree.xmlfile(out, encoding="utf-8") as xf:
            for suite_name, cases in suites:
                suite_totals = Totals()
                elements = []
                for case in cases:
                    suite_totals.add_case(case)
                    elements.append(case_element(case))
                suite = etree.Element("testsuite", name=clean_text(suite_name))
                for key, value in suite_totals.attributes().items():
                    suite.set(key, value)
                if properties:
                    props = etree.SubElement(suite, "properties")
                    for prop_name, value in properties:
                        etree.SubElement(
                            props, "property", name=clean_text(prop_name), value=clean_text(value)
                        )
                suite.extend(elements)
                xf.write(suite, pretty_print=True)
                totals.add(suite_totals)
        root = etree.Element("testsuites", name=clean_text(name))
        for key, value in totals.attributes().items():
            root.set(key, value)
        head, _, _ = etree.tostring(root, encoding="unicode").rpartition("/>")
        fd, final_name = tempfile.mkstemp(prefix=".report-", suffix=".xml", dir=path.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
            out.write(head.encode("utf-8") + b">\n")
            with body.open("rb") as source:
                shutil.copyfileobj(source, out, 1 << 20)
            out.write(b"</testsuites>\n")
        Path(final_name).replace(path)
    finally:
        body.unlink(missing_ok=True)
    return totals
