"""A report's head only: the properties of its first suite (`suite_properties`), which `merge`
and `split` read to learn a report's shard, attempt and plan without parsing all of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from lxml import etree

from paratest_split.core.errors import BadInputError
from paratest_split.junit.source import RejectError, hardened_parser, read_chunks

_HEAD_CHUNK: Final = 16 * 1024


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
        raise RejectError("has a DOCTYPE (DTDs and entity declarations are refused for safety)")

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
    parser = hardened_parser(target)
    try:
        for chunk in read_chunks(path, _HEAD_CHUNK):
            parser.feed(chunk)
            if target.done:
                break
    except (RejectError, etree.XMLSyntaxError, BadInputError):
        return {}
    return target.properties
