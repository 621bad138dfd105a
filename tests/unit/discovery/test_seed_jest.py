from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from paratest_split.core.errors import PluginError
from paratest_split.discovery.base import DiscoverOptions
from paratest_split.discovery.jest import JestDiscoverer, parse_list_output
from paratest_split.discovery.seed import SeedDiscoverer, command_argv, translate_placeholders
from tests.unit.discovery.helpers import run_request

# ---------------------------------------------------------------------------------- seed

# The seed tool's own NUnit plugin builds commands like this one (its placeholders, its shell).
SEED_NUNIT = (
    "nunit3-console --process:Single --result:{output}\\output_{ID}_3.xml;format=nunit2 "
    "{WORKSPACE}\\Shop.Tests.dll"
)


def test_translate_placeholders() -> None:
    assert translate_placeholders(
        "run {ID} {WORKSPACE}/x '{TID_NAME}' {output} {{lit}}", "a b"
    ) == ("run {shard} {workspace}/x 'a b' {output} {lit}")
    assert translate_placeholders("broken {ID", "t") == "broken {ID"


def test_command_argv() -> None:
    # what the seed tool's shell would have run, quoting mistakes included
    # the name stays one argument: no shell, unlike the seed tool's quoting mistake
    assert command_argv("run -x '{TID_NAME}'", "it's") == ("run", "-x", "it's")
    assert command_argv('run -x "{TID_NAME}"', "a b") == ("run", "-x", "a b")
    assert command_argv(["run", "{TID_NAME}"], "$(id)") == ("run", "$(id)")
    assert command_argv(SEED_NUNIT, "t")[:2] == ("sh", "-c")  # `;` needs the shell, as in seed
    assert command_argv("unbalanced 'quote", "t") == ("sh", "-c", "unbalanced 'quote")
    with pytest.raises(ValueError):
        command_argv(42, "t")


class Plugin:
    """Object-style seed plugin."""

    def __init__(self, result: Any) -> None:
        self.result = result
        self.calls: list[tuple[Any, ...]] = []

    def find(self, path: str, test_pattern: Any, file_pattern: Any, output_path: str) -> Any:
        self.calls.append((path, test_pattern, file_pattern, output_path))
        return self.result


def test_seed_discover_records_the_call_and_keeps_order(tmp_path: Path) -> None:
    plugin = Plugin([("z", "run z"), ("a", ["run", "a"])])
    discoverer = SeedDiscoverer("obj", plugin)
    items = discoverer.discover(DiscoverOptions(root=tmp_path, pattern="T*", file_pattern=".*dll"))
    assert [(i.id, i.name, i.command) for i in items] == [
        ("z", "z", ("run", "z")),
        ("a", "a", ("run", "a")),
    ]
    assert plugin.calls == [(str(tmp_path), "T*", ".*dll", "{output}")]
    assert discoverer.description == "Object-style seed plugin."
    assert discoverer.item_for_id("a").command == ("run", "a")


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ("a string", "not a dict"),
        ([("a", "x"), ("a", "y")], "appears twice"),
        ([("a",)], "not a \\(name, command\\) pair"),
        ({"": "run"}, "not a one-line string"),
        ({"t": 3}, "command must be a string"),
    ],
)
def test_seed_bad_results_are_plugin_errors(tmp_path: Path, result: Any, message: str) -> None:
    with pytest.raises(PluginError, match=f"seed plugin 'bad': find\\(\\) failed: .*{message}"):
        SeedDiscoverer("bad", Plugin(result)).discover(DiscoverOptions(root=tmp_path))


def test_seed_invocations_rediscover_and_refuse_commands(tmp_path: Path) -> None:
    discoverer = SeedDiscoverer("obj", Plugin({"t": "run t"}))
    [inv] = discoverer.invocations(run_request(tmp_path, ("t",)))  # finds again
    assert (inv.argv, inv.tests) == (("run", "t"), ("t",))
    with pytest.raises(PluginError, match="no longer finds test 'gone'"):
        discoverer.invocations(run_request(tmp_path, ("gone",)))
    with pytest.raises(PluginError, match="carry their own commands"):
        discoverer.invocations(run_request(tmp_path, ("t",), user_command=("x",)))
    with pytest.raises(PluginError, match="has no find"):
        SeedDiscoverer("none", object())


# ---------------------------------------------------------------------------------- jest

# Captured from `npx jest --listTests --json` (jest 29) in a project at /tmp/jestprobe.
LIST = '["/tmp/jestprobe/src/a.test.js","/tmp/jestprobe/src/xa.test.js"]\n'


def test_jest_list_parsing() -> None:
    assert parse_list_output(LIST, Path("/tmp/jestprobe")) == ["src/a.test.js", "src/xa.test.js"]
    assert parse_list_output('npm warn x\n["/elsewhere/b.test.js"]', Path("/tmp/jestprobe")) == [
        "/elsewhere/b.test.js"
    ]
    with pytest.raises(PluginError, match="no JSON list"):
        parse_list_output("Error: no jest", Path("/tmp"))


def test_jest_invocations(tmp_path: Path) -> None:
    [inv] = JestDiscoverer().invocations(
        run_request(tmp_path, ("src/a.test.js", "src/(x).test.js"), args=("--runInBand",))
    )
    assert inv.argv == (
        "npx",
        "--no-install",
        "jest",
        "--ci",
        "--reporters=default",
        "--reporters=jest-junit",
        "--runInBand",
        "--runTestsByPath",
        "src/a.test.js",
        "src/(x).test.js",
    )
    assert dict(inv.env) == {
        "JEST_JUNIT_OUTPUT_DIR": str(tmp_path / "j"),
        "JEST_JUNIT_OUTPUT_NAME": "jest.xml",
        "JEST_JUNIT_ADD_FILE_ATTRIBUTE": "true",
    }
    assert inv.junit == str(tmp_path / "j" / "jest.xml")
    [inv] = JestDiscoverer().invocations(
        run_request(tmp_path, ("src/a.test.js",), user_command=("npm", "test", "--"))
    )
    assert inv.argv == ("npm", "test", "--", "src/a.test.js")
    assert inv.junit == str(tmp_path / "j" / "jest.xml")
