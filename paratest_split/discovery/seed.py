"""Adapter for the seed tool's plugins: entry-point group `paratest`.

A seed plugin is a `find(path, test_pattern, file_pattern, output_path)` callable (the entry
point itself, or an object/class with a `find` method) returning a dict `{test_name: command}`
or an iterable of `(test_name, command)` tuples. Each test runs as its own command.

Ids are the plugin's test names, unchanged. Items carry the command as argv
(`TestItem.command`), with the seed tool's `str.format` placeholders translated to ours:
`{ID}` (the worker) -> `{shard}`, `{WORKSPACE}` -> `{workspace}`, `{TID_NAME}` -> the test name;
`output_path` is passed as the literal `{output}` so the runner fills in its output directory.
A string command is split like a POSIX shell would (`shlex.split`), each placeholder filled in
inside its own argument; one whose own text uses shell syntax (pipes, `;`, redirections, `$`,
globs) runs as `sh -c COMMAND`, as the seed tool ran every command through the shell, with the
test name shell-quoted for where it stands (and the runner quotes `{workspace}`, `{output}`...
in that script the same way): a test name or a workspace path is never read as shell syntax.
The JUnit key is just the name (the runner judges each command by its exit code unless the
command writes a report).
"""

from __future__ import annotations

import os
import re
import shlex
import string
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from paratest_split.core.errors import PluginError
from paratest_split.core.model import Invocation, TestItem
from paratest_split.core.placeholders import shell_substitute
from paratest_split.discovery.base import DiscoverOptions, RunRequest

GROUP = "paratest"
_SHELL_SYNTAX = re.compile(r"[|&;<>()$`*?\n]")
_TRANSLATE = {"ID": "{shard}", "WORKSPACE": "{workspace}"}
# Where the test name goes in a shell command until it is quoted for its place (a NUL never
# occurs in a command text).
_NAME_MARK = "\0TID_NAME\0"
_NAME_PATTERN = re.compile("(\0TID_NAME\0)")


def _fields(command: str) -> list[tuple[str, str | None, str | None, str | None]] | None:
    try:
        return list(string.Formatter().parse(command))
    except ValueError:
        return None  # unbalanced braces: the seed tool would have failed; keep it verbatim


def translate_placeholders(command: str, test_name: str, *, quoted: bool = False) -> str:
    """The seed tool's `command.format(ID=..., TID_NAME=..., WORKSPACE=...)` in our terms.

    `quoted`: the command is shell text, so the test name goes in quoted for where it stands
    (`'{TID_NAME}'` and `"{TID_NAME}"` work too); our own placeholders are quoted by the runner
    when it fills them in.
    """
    parsed = _fields(command)
    if parsed is None:
        return command
    out = []
    for literal, field_name, spec, conversion in parsed:
        out.append(literal)
        if field_name is None:
            continue
        if field_name == "TID_NAME":
            out.append(_NAME_MARK if quoted else test_name)
        elif field_name in _TRANSLATE:
            out.append(_TRANSLATE[field_name])
        else:
            suffix = (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            out.append("{" + field_name + suffix + "}")
    text = "".join(out)
    if not quoted:
        return text
    return shell_substitute(text, _NAME_PATTERN, lambda _: [test_name])


def _needs_shell(command: str) -> bool:
    """Does the command's own text (not what its placeholders become) use shell syntax?"""
    parsed = _fields(command)
    literal = command if parsed is None else "".join(part[0] for part in parsed)
    return bool(_SHELL_SYNTAX.search(literal))


def command_argv(command: object, test_name: str) -> tuple[str, ...]:
    """A seed plugin's command as argv. The test name is one argument of its own, or, in a
    command that needs a shell, shell-quoted: a name like `x; touch PWNED` stays a name."""
    if isinstance(command, (list, tuple)) and command and all(isinstance(a, str) for a in command):
        return tuple(translate_placeholders(a, test_name) for a in command)
    if not isinstance(command, str) or not command.strip():
        raise ValueError(f"test {test_name!r}: command must be a string or a list of strings")
    if not _needs_shell(command):
        try:
            return tuple(translate_placeholders(a, test_name) for a in shlex.split(command))
        except ValueError:  # unbalanced quotes: let the shell report it, as the seed tool did
            pass
    if os.name == "nt":  # pragma: no cover - the runner is POSIX only
        return ("cmd", "/c", translate_placeholders(command, test_name))
    return ("sh", "-c", translate_placeholders(command, test_name, quoted=True))


def _pairs(result: object) -> Iterable[tuple[object, object]]:
    if isinstance(result, Mapping):
        return list(result.items())
    if isinstance(result, (str, bytes)) or not isinstance(result, Iterable):
        kind = type(result).__name__
        raise TypeError(f"find() returned {kind}, not a dict or (name, command) pairs")
    pairs = []
    for entry in result:
        if not isinstance(entry, (tuple, list)) or len(entry) != 2:
            raise TypeError(f"find() yielded {entry!r}, not a (name, command) pair")
        pairs.append((entry[0], entry[1]))
    return pairs


def _first_doc_line(plugin: object) -> str:
    """The plugin's docstring, else its module's (a bare `find` function has none)."""
    module = sys.modules.get(str(getattr(plugin, "__module__", "")))
    for source in (plugin, module):
        doc = (getattr(source, "__doc__", None) or "").strip() if source is not None else ""
        if doc:
            return doc.splitlines()[0]
    return ""


def find_callable(plugin: object) -> Callable[..., Any]:
    """The `find` of a seed plugin: the object itself if callable, else its `find` attribute."""
    if isinstance(plugin, type):
        plugin = plugin()
    find = getattr(plugin, "find", None)
    if callable(find):
        return find  # type: ignore[no-any-return]
    if callable(plugin):
        return plugin
    raise TypeError("has no find(path, test_pattern, file_pattern, output_path)")


class SeedDiscoverer:
    """A seed-tool plugin (group `paratest`): each test is its own command."""

    name: ClassVar[str] = "seed"
    file_level: ClassVar[bool] = False

    def __init__(self, plugin_name: str, plugin: object) -> None:
        self.plugin_name = plugin_name
        try:
            self._find = find_callable(plugin)
        except Exception as exc:  # noqa: BLE001 - any failure of third-party code is its error
            raise PluginError(f"seed plugin '{plugin_name}' {exc}") from None
        self._commands: dict[str, tuple[str, ...]] = {}
        self.description = _first_doc_line(plugin) or f"seed tool plugin '{plugin_name}'"

    def _call_find(self, root: Path, test_pattern: str | None, file_pattern: str) -> list[TestItem]:
        try:
            pairs = list(
                _pairs(
                    self._find(
                        str(root),
                        test_pattern=test_pattern,
                        file_pattern=file_pattern,
                        output_path="{output}",
                    )
                )
            )
            items: list[TestItem] = []
            seen: set[str] = set()
            for name, command in pairs:
                if not isinstance(name, str) or not name.strip() or "\n" in name:
                    raise ValueError(f"test name {name!r} is not a one-line string")
                if name in seen:
                    raise ValueError(f"test name {name!r} appears twice")
                seen.add(name)
                items.append(TestItem(id=name, name=name, command=command_argv(command, name)))
        except Exception as exc:  # noqa: BLE001 - any failure of third-party code is its error
            message = " ".join(f"{type(exc).__name__}: {exc}".split())
            raise PluginError(
                f"seed plugin '{self.plugin_name}': find() failed: {message}"
            ) from None
        self._commands.update({item.id: item.command or () for item in items})
        return items

    def discover(self, options: DiscoverOptions) -> list[TestItem]:
        return self._call_find(options.root, options.pattern, options.file_pattern or "")

    def item_for_id(self, test_id: str) -> TestItem:
        command = self._commands.get(test_id)
        return TestItem(id=test_id, name=test_id, command=command)

    def invocations(self, request: RunRequest) -> list[Invocation]:
        missing = [t for t in request.tests if t not in self._commands]
        if missing:
            self._call_find(request.root, None, "")
        missing = [t for t in request.tests if t not in self._commands]
        if missing:
            raise PluginError(
                f"seed plugin '{self.plugin_name}' no longer finds test {missing[0]!r} "
                f"(and {len(missing) - 1} more)"
                if len(missing) > 1
                else f"seed plugin '{self.plugin_name}' no longer finds test {missing[0]!r}"
            )
        if request.user_command:
            raise PluginError(
                f"seed plugin '{self.plugin_name}' tests carry their own commands: "
                "drop the COMMAND after `--`"
            )
        return [
            Invocation(argv=self._commands[t], cwd=str(request.root), tests=(t,))
            for t in request.tests
        ]
