"""Helpers for plugin authors: check a discovery plugin against the Discoverer contract.

In a plugin's own test suite::

    from paratest_split.testing import assert_discoverer_contract

    def test_contract(tmp_path):
        assert_discoverer_contract(MyDiscoverer(), DiscoverOptions(root=my_project), tmp_path)

The checks (each failure is one line of the AssertionError):
- `name` is a non-empty string and `file_level` a bool; it is a `Discoverer`;
- `discover` returns a list of `TestItem`s with unique, non-empty, one-line ids;
- file-level plugins return items with `file` set and `name=None`;
- `item_for_id(id)` agrees with `discover` on the JUnit key (classname, name; file when it
  rebuilds one);
- `invocations` for the first half of the tests cover exactly those tests, every argv item is a
  string, and a test id never appears inside a longer argv item (ids reach commands only as
  whole argv items or through the tests file, never pasted into a shell script).
"""

from __future__ import annotations

from pathlib import Path, PurePath

from paratest_split.core.model import Invocation, TestItem
from paratest_split.discovery.base import Discoverer, DiscoverOptions, RunRequest

_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "cmd", "powershell", "pwsh"})


def _check_items(discoverer: Discoverer, items: object) -> list[str]:
    problems: list[str] = []
    if not isinstance(items, list):
        return [f"discover() returned {type(items).__name__}, not a list"]
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, TestItem):
            problems.append(f"discover() returned {item!r}, not a TestItem")
            continue
        if not item.id or "\n" in item.id or "\r" in item.id:
            problems.append(f"test id {item.id!r} is empty or spans lines")
        if item.id in seen:
            problems.append(f"test id {item.id!r} is discovered twice")
        seen.add(item.id)
        if discoverer.file_level and (item.file is None or item.name is not None):
            problems.append(f"file-level plugin returned {item!r}: needs file set and name=None")
        rebuilt = discoverer.item_for_id(item.id)
        if rebuilt.id != item.id:
            problems.append(f"item_for_id({item.id!r}) has id {rebuilt.id!r}")
        if (rebuilt.classname, rebuilt.name) != (item.classname, item.name):
            problems.append(
                f"item_for_id({item.id!r}) gives JUnit key {(rebuilt.classname, rebuilt.name)!r}, "
                f"discover() gave {(item.classname, item.name)!r}"
            )
        if rebuilt.file is not None and rebuilt.file != item.file:
            problems.append(
                f"item_for_id({item.id!r}) gives file {rebuilt.file!r}, not {item.file!r}"
            )
    return problems


def _check_invocations(invocations: object, tests: tuple[str, ...]) -> list[str]:
    if not isinstance(invocations, list) or not all(isinstance(i, Invocation) for i in invocations):
        return ["invocations() must return a list of Invocation"]
    problems: list[str] = []
    covered: list[str] = [t for invocation in invocations for t in invocation.tests]
    if sorted(covered) != sorted(tests):
        problems.append(
            f"invocations() cover {len(covered)} test ids, not exactly the {len(tests)} requested"
        )
    ids = set(tests)
    for invocation in invocations:
        if not invocation.argv or not all(isinstance(a, str) for a in invocation.argv):
            problems.append(f"invocation argv {invocation.argv!r} must be non-empty strings")
            continue
        if PurePath(invocation.argv[0]).stem.lower() not in _SHELLS:
            continue
        for arg in invocation.argv[1:]:
            pasted = sorted(t for t in ids if t in arg)
            if pasted:
                problems.append(f"test id {pasted[0]!r} is pasted into the shell script {arg!r}")
    return problems


def _contract(
    discoverer: object, options: DiscoverOptions, work_dir: Path
) -> tuple[list[str], list[TestItem]]:
    if not isinstance(discoverer, Discoverer):
        return ["not a Discoverer: needs name, file_level, discover, item_for_id, invocations"], []
    problems: list[str] = []
    if not isinstance(getattr(discoverer, "name", None), str) or not discoverer.name:
        problems.append("`name` must be a non-empty string")
    if not isinstance(getattr(discoverer, "file_level", None), bool):
        problems.append("`file_level` must be a bool")
    items = discoverer.discover(options)
    problems += _check_items(discoverer, items)
    if problems or not items:
        return problems, items
    tests = tuple(item.id for item in items[: max(1, len(items) // 2)])
    work_dir.mkdir(parents=True, exist_ok=True)
    tests_file = work_dir / "tests.txt"
    tests_file.write_text("".join(f"{t}\n" for t in tests), encoding="utf-8")
    junit_dir = work_dir / "junit"
    junit_dir.mkdir(parents=True, exist_ok=True)
    request = RunRequest(
        tests=tests,
        tests_file=tests_file,
        junit_dir=junit_dir,
        root=options.root,
        args=options.args,
    )
    problems += _check_invocations(discoverer.invocations(request), tests)
    return problems, items


def discoverer_problems(discoverer: object, options: DiscoverOptions, work_dir: Path) -> list[str]:
    """Every contract violation found, as one-line messages (empty: the plugin passes)."""
    return _contract(discoverer, options, work_dir)[0]


def assert_discoverer_contract(
    discoverer: object, options: DiscoverOptions, work_dir: Path
) -> list[TestItem]:
    """Raise AssertionError listing every violation; return the discovered items otherwise.

    `discover` runs once; `work_dir` receives a tests file and a report directory.
    """
    problems, items = _contract(discoverer, options, work_dir)
    if problems:
        raise AssertionError("discoverer contract violated:\n  " + "\n  ".join(problems))
    return items


__all__ = ["assert_discoverer_contract", "discoverer_problems"]
