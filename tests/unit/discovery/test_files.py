from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from paratest_split.core.errors import PluginError
from paratest_split.discovery.base import DiscoverOptions
from paratest_split.discovery.command import expand_command
from paratest_split.discovery.files import FilesDiscoverer, glob_files
from paratest_split.testing import assert_discoverer_contract
from tests.unit.discovery.helpers import run_request


def make_tree(root: Path) -> None:
    for name in (
        "tests/test_b.sh",
        "tests/api/test_a.sh",
        "tests/api/helper.sh",
        "tests/.hidden/test_h.sh",
        "tests/__pycache__/test_x.cpython-311.pyc",
        "node_modules/tests/test_n.sh",
        "tests/test_ü $(x).sh",
    ):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\nexit 0\n")


def test_default_pattern_sorted_relative_skips_hidden(tmp_path: Path) -> None:
    make_tree(tmp_path)
    items = FilesDiscoverer().discover(DiscoverOptions(root=tmp_path))
    assert [i.id for i in items] == [
        "tests/api/test_a.sh",
        "tests/test_b.sh",
        "tests/test_ü $(x).sh",
    ]
    assert all(i.file == i.id and i.name is None and i.classname is None for i in items)


def test_explicit_patterns(tmp_path: Path) -> None:
    make_tree(tmp_path)
    assert glob_files(tmp_path, ["tests/api/*.sh"]) == [
        "tests/api/helper.sh",
        "tests/api/test_a.sh",
    ]
    # a pattern naming a hidden directory finds it
    assert glob_files(tmp_path, ["tests/.hidden/*.sh"]) == ["tests/.hidden/test_h.sh"]
    items = FilesDiscoverer().discover(
        DiscoverOptions(root=tmp_path, args=("**/helper.sh", "tests/test_b.sh"))
    )
    assert [i.id for i in items] == ["tests/api/helper.sh", "tests/test_b.sh"]
    with pytest.raises(PluginError, match="must be relative"):
        glob_files(tmp_path, ["../x/*.sh"])
    with pytest.raises(PluginError, match="does not exist"):
        glob_files(tmp_path / "nope", ["*"])


def test_expand_command_placeholders() -> None:
    tests = ("a b.sh", "$(rm -rf /).sh")
    assert expand_command(("run", "-v"), tests=tests, tests_file="/t") == ("run", "-v", *tests)
    assert expand_command(("run", "{tests}", "--"), tests=tests, tests_file="/t") == (
        "run",
        *tests,
        "--",
    )
    assert expand_command(
        ("run", "@{tests_file}", "--out={junit}"), tests=tests, tests_file="/t", junit="/j.xml"
    ) == ("run", "@/t", "--out=/j.xml")
    assert expand_command(("run", "--only={tests}"), tests=tests, tests_file="/t") == (
        "run",
        "--only=a b.sh $(rm -rf /).sh",
    )
    # an id that contains a placeholder is not substituted again; others are left for the runner
    assert expand_command(
        ("x", "{workspace}"), tests=("{junit}",), tests_file="/t", junit="/j"
    ) == ("x", "{workspace}", "{junit}")


def test_invocations(tmp_path: Path) -> None:
    invs = FilesDiscoverer().invocations(run_request(tmp_path, ("tests/a.sh", "tests/b.sh")))
    assert [i.argv for i in invs] == [
        (str(tmp_path / "tests/a.sh"),),
        (str(tmp_path / "tests/b.sh"),),
    ]
    assert [i.tests for i in invs] == [("tests/a.sh",), ("tests/b.sh",)]
    [inv] = FilesDiscoverer().invocations(
        run_request(
            tmp_path,
            ("tests/a.sh",),
            user_command=("bats", "--report-formatter", "junit", "-o", "{junit}"),
        )
    )
    assert inv.argv == (
        "bats",
        "--report-formatter",
        "junit",
        "-o",
        str(tmp_path / "j" / "files.xml"),
        "tests/a.sh",
    )
    assert inv.junit == str(tmp_path / "j" / "files.xml")


def test_contract(tmp_path: Path) -> None:
    make_tree(tmp_path / "p")
    assert (
        len(
            assert_discoverer_contract(
                FilesDiscoverer(), DiscoverOptions(root=tmp_path / "p"), tmp_path
            )
        )
        == 3
    )


def test_expand_command_quotes_values_in_a_shell_script(tmp_path: Path) -> None:
    tests = ("a b.sh", "x; touch PWNED", "$(touch PWNED)")
    argv = expand_command(
        ("sh", "-c", "printf '%s\\n' {tests} \"{junit}\" > out.txt", "{tests}"),
        tests=tests,
        tests_file="/t",
        junit=str(tmp_path / "j $(touch PWNED).xml"),
    )
    assert argv[3:] == tests  # outside the script: one plain argument per id
    subprocess.run(argv, cwd=tmp_path, check=True)
    assert (tmp_path / "out.txt").read_text().splitlines() == [
        *tests,
        str(tmp_path / "j $(touch PWNED).xml"),
    ]
    assert not list(tmp_path.rglob("PWNED"))
