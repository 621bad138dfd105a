from __future__ import annotations

from pathlib import Path

import pytest

from paratest_split.core.errors import BadInputError, PluginError, UsageError
from paratest_split.discovery.base import DiscoverOptions
from paratest_split.discovery.lines import LinesDiscoverer, parse_lines
from tests.unit.discovery.helpers import run_request

LIST = """\
# smoke tests first
tests/test_a.py::test_x[a b]

example.com/m/pkg:TestLogin
  com.foo.BarTest#testX
spec/login $(id).sh
"""


def test_parse_lines_guesses_kinds() -> None:
    items = parse_lines(LIST.splitlines(), "ids.txt")
    assert [(i.id, i.file, i.classname, i.name) for i in items] == [
        ("tests/test_a.py::test_x[a b]", "tests/test_a.py", "tests.test_a", "test_x[a b]"),
        ("example.com/m/pkg:TestLogin", None, "example.com/m/pkg", "TestLogin"),
        ("com.foo.BarTest#testX", None, "com.foo.BarTest", "testX"),
        ("spec/login $(id).sh", "spec/login $(id).sh", None, None),
    ]


def test_duplicate_names_both_lines() -> None:
    with pytest.raises(BadInputError) as info:
        parse_lines(["a.py::t", "# c", "b.py::t", "a.py::t"], "ids.txt")
    assert str(info.value) == "ids.txt: line 4: duplicate test id 'a.py::t' (first on line 1)"
    assert info.value.exit_code == 10


def test_from_file_relative_to_root(tmp_path: Path) -> None:
    (tmp_path / "ids.txt").write_text(LIST, encoding="utf-8")
    items = LinesDiscoverer().discover(DiscoverOptions(root=tmp_path, source="ids.txt"))
    assert len(items) == 4
    with pytest.raises(BadInputError, match="cannot read the test list"):
        LinesDiscoverer().discover(DiscoverOptions(root=tmp_path, source="missing.txt"))
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe")
    with pytest.raises(BadInputError, match="not UTF-8"):
        LinesDiscoverer().discover(DiscoverOptions(root=tmp_path, source="bin.txt"))
    with pytest.raises(UsageError):
        LinesDiscoverer().discover(DiscoverOptions(root=tmp_path))


def test_from_command_output(tmp_path: Path) -> None:
    options = DiscoverOptions(
        root=tmp_path, source="printf 'a.py::t1\\nb.py::t2\\n' | sort -r", command=True
    )
    assert [i.id for i in LinesDiscoverer().discover(options)] == ["b.py::t2", "a.py::t1"]
    failing = DiscoverOptions(root=tmp_path, source="echo oops >&2; exit 3", command=True)
    with pytest.raises(PluginError, match="exited with 3: oops"):
        LinesDiscoverer().discover(failing)


def test_invocations(tmp_path: Path) -> None:
    [inv] = LinesDiscoverer().invocations(run_request(tmp_path, ("a.py::t",)))
    assert "--paratest-shard-file=" + str(tmp_path / "t.txt") in inv.argv
    [inv] = LinesDiscoverer().invocations(
        run_request(tmp_path, ("x:TestA",), user_command=("run",))
    )
    assert inv.argv == ("run", "x:TestA")
    with pytest.raises(UsageError, match="no runner of its own"):
        LinesDiscoverer().invocations(run_request(tmp_path, ("x:TestA",)))
