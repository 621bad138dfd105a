"""`--discover lines`: test ids listed one a line, by a file or by a command's output.

`--lines-from FILE` reads the file (an absolute path, or relative to the root);
`--lines-from CMD --lines-command` runs CMD through the shell in the root (it is the user's own
command line) and reads its standard output. Blank lines and lines starting with `#` are
skipped, surrounding whitespace is dropped; a duplicate id is an error naming both lines.

Each id's kind is guessed by `identity.item_from_id` (pytest node id, Go `pkg:TestName`, Java
class or method, file path, else an opaque name).

Running: the user's COMMAND with the ids (see `command.expand_command`); without a COMMAND, a list
made only of pytest node ids runs as `--discover pytest` would run it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import ClassVar

from paratest_split.core import identity
from paratest_split.core.errors import BadInputError, ParatestError, PluginError, UsageError
from paratest_split.core.model import Invocation, TestItem
from paratest_split.discovery.base import DiscoverOptions, RunRequest, item_from_id
from paratest_split.discovery.command import user_invocation
from paratest_split.discovery.pytest import PytestDiscoverer, condense_errors
from paratest_split.runner.process import capture


def parse_lines(
    lines: Iterable[str],
    source: str,
    make_item: Callable[[str], TestItem] = identity.item_from_id,
) -> list[TestItem]:
    """Ids of a list, in order; BadInputError(source, "line N: ...") for duplicates/bad ids.

    `make_item` turns an id into a TestItem (a discoverer's `item_for_id` for `--tests-from`);
    its ValueError or ParatestError becomes the line's error.
    """
    items: list[TestItem] = []
    first_line: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        if text in first_line:
            raise BadInputError(
                source,
                f"line {number}: duplicate test id {text!r} (first on line {first_line[text]})",
            )
        first_line[text] = number
        try:
            items.append(make_item(text))
        except (ValueError, ParatestError) as exc:
            raise BadInputError(source, f"line {number}: {exc}") from None
    return items


class LinesDiscoverer:
    """Test ids one a line, from a file or a command's output (--lines-from)."""

    name: ClassVar[str] = "lines"
    file_level: ClassVar[bool] = False

    def discover(self, options: DiscoverOptions) -> list[TestItem]:
        if not options.source:
            raise UsageError(
                "--discover lines needs --lines-from FILE (or a command with --lines-command)"
            )
        if options.command:
            return parse_lines(
                self._command_output(options).splitlines(), f"output of {options.source!r}"
            )
        path = Path(options.source)
        if not path.is_absolute():
            path = options.root / path
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise BadInputError(path, f"cannot read the test list: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise BadInputError(path, "the test list is not UTF-8 text") from None
        return parse_lines(text.splitlines(), str(path))

    @staticmethod
    def _command_output(options: DiscoverOptions) -> str:
        assert options.source is not None
        done = capture(options.source, cwd=options.root, env=options.env, what="lines")
        if done.returncode != 0:
            raise PluginError(
                f"lines: {options.source!r} exited with {done.returncode}: "
                f"{condense_errors('', done.stderr or done.stdout)}"
            )
        return done.stdout

    def item_for_id(self, test_id: str) -> TestItem:
        return item_from_id("lines", identity.item_from_id, test_id)

    def invocations(self, request: RunRequest) -> list[Invocation]:
        if not request.tests:
            return []
        if request.user_command:
            return [user_invocation(request, report_name="tests.xml")]
        if all("::" in test_id for test_id in request.tests):
            return PytestDiscoverer().invocations(request)
        raise UsageError(
            "--discover lines has no runner of its own for these ids: give the test command "
            "after `--` (or `command:` in paratest.yaml)"
        )
