"""Strict JUnit (`merge --strict-junit`): reports that the Jenkins xunit-plugin `junit-10.xsd`
(vendored in tests/fixtures/xsd/) accepts as they are.

What `junit.writer` writes is that schema plus four extensions (tests/fixtures/xsd/README.md):
`<properties>` inside `<testcase>`, a `file` attribute on `<testcase>`, `skipped` on the
`<testsuites>` root and `time` on `flakyFailure`/`flakyError`/`rerunFailure`/`rerunError`.
In strict mode `ReportWriter` leaves the root `skipped` out itself (each `<testsuite>` keeps its
own, which the schema allows) and passes the serialised cases through `strip_blocks` as it
copies them from its spool into the report. The spool itself stays complete, so what `merge`
reads back from it (to fold retried tests, to count them out of the totals) loses nothing.

What a strict report does not say, and where it still is:
- testcase properties: the shard/attempt/report each merged result came from, and pytest's
  `record_property` values. Not anywhere in the strict report (suite properties stay).
- testcase `file`: pytest's classname is the test module's dotted path, so the file is still
  known from it (timing history falls back on the classname); for runners whose classname is
  not a path (PHPUnit, some Jest reporters) the file is gone.
- root `skipped`: the sum of the suites' `skipped`, which are kept.
- each earlier attempt's `time`: the case's `time` is still its final attempt's and the suite
  and root `time` still add every attempt, so only the split per attempt is lost.

Why a byte-level pass is exact here: the input is only what `junit.writer` serialised
(`case_xml`, `plain_cases_xml`), where every `<` starts markup (text escapes `<`, `>` and `&`;
attributes escape `"` too) and each construct has one fixed spelling. So `<testcase `,
`<properties>` and `<flakyFailure ` only ever occur as real tags, an attribute value never
holds `"` or `>`, and a regular expression finds exactly the four extensions.

Cost: on `benchmarks/merge_speed.py`'s default report (1M cases, 187 MB) the pass takes about
1.3 s; `merge` in strict mode does not spool where each result came from in the first place
(plain passes are then `<testcase .../>`, nothing to strip), so a strict merge of 1M cases takes
no longer than a default one (5.7-7.1 s against 5.8-7.2 s, 108 MB written instead of 187 MB).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

# A case whose only child is its properties (a plain pass, in merge nearly every case):
# `<testcase ...><properties>...</properties></testcase>` becomes `<testcase .../>`, the text
# `case_xml` writes for the same case without properties.
_PROPERTIES_ONLY = re.compile(rb"><properties>(?:<property [^>]*/>)*</properties></testcase>")
_PROPERTIES = re.compile(rb"<properties>(?:<property [^>]*/>)*</properties>")
_CASE_FILE = re.compile(rb'(<testcase classname="[^"]*" name="[^"]*") file="[^"]*"')
_ATTEMPT_TIME = re.compile(
    rb'(<(?:flaky|rerun)(?:Failure|Error)(?: message="[^"]*")? type="[^"]*") time="[^"]*"'
)
_CASE_START = b"<testcase "


def strip_cases(data: bytes) -> bytes:
    """Serialised `<testcase>` elements (whole ones) without the four extensions.

    `strip_cases(case_xml(case))` is `case_xml` of the same case without properties, file and
    attempt times (tests/unit/junit/test_strict.py checks it).
    """
    if b"<properties>" in data:
        data = _PROPERTIES.sub(b"", _PROPERTIES_ONLY.sub(b"/>", data))
    if b'" file="' in data:
        data = _CASE_FILE.sub(rb"\1", data)
    if b"<flaky" in data or b"<rerun" in data:
        data = _ATTEMPT_TIME.sub(rb"\1", data)
    return data


def strip_blocks(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """`strip_cases` over a stream of serialised cases cut anywhere (e.g. fixed-size reads):
    each block is cut again before its last `<testcase ` so no case is ever split."""
    carry = b""
    for block in blocks:
        data = carry + block if carry else block
        cut = data.rfind(_CASE_START, 1)
        if cut <= 0:
            carry = data  # no whole case yet (one very large case): read on
            continue
        yield strip_cases(data[:cut])
        carry = data[cut:]
    if carry:
        yield strip_cases(carry)
