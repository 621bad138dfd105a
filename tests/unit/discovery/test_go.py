from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from paratest_split.core.errors import PluginError
from paratest_split.core.model import Outcome
from paratest_split.discovery.base import DiscoverOptions, RunRequest
from paratest_split.discovery.go import (
    GoDiscoverer,
    list_command,
    parse_list_output,
    run_pattern,
)
from paratest_split.discovery.gojson import cases_from_events
from tests.unit.discovery.helpers import PROJECTS

CAPTURED = PROJECTS / "captured"
# `go test -list . -json ./...` (go 1.19) on tests/fixtures/projects/go_basic
LIST_JSON = (CAPTURED / "go-list.jsonl").read_text(encoding="utf-8")
# `go test -json -v -run ...` (go 1.19): a pass, a failing subtest, a skip
RUN_JSON = (CAPTURED / "go-run.jsonl").read_text(encoding="utf-8")

BUILD_FAILED = """\
# p [p.test]
./p_test.go:6:2: undefined: undefinedThing
{"Action":"output","Package":"p","Output":"FAIL\\tp [build failed]\\n"}
{"Action":"fail","Package":"p","Elapsed":0}
"""


def test_list_command_and_parsing() -> None:
    assert list_command(()) == ["go", "test", "-list", ".", "-json", "./..."]
    assert list_command(("-tags=it", "./pkg/...")) == [
        "go",
        "test",
        "-list",
        ".",
        "-json",
        "-tags=it",
        "./pkg/...",
    ]
    assert parse_list_output(LIST_JSON + "not json\n") == [
        "example.com/gobasic/calc:ExampleAdd",
        "example.com/gobasic/calc:TestAdd",
        "example.com/gobasic/strutil:TestMaybeFail",
        "example.com/gobasic/strutil:TestUpper",
    ]


def test_run_pattern_escapes() -> None:
    assert run_pattern(["TestA", "TestB"]) == "^(TestA|TestB)$"
    assert run_pattern(["TestT/big.one/x+y"]) == "^TestT$/^big\\.one$/^x\\+y$"


def test_cases_from_events() -> None:
    cases = cases_from_events(
        RUN_JSON.splitlines(), "p", ["TestOk", "TestT", "TestSkip", "TestGone"]
    )
    by_name = {c.name: c for c in cases}
    assert [c.name for c in cases] == ["TestOk", "TestT", "TestSkip", "TestGone"]
    assert by_name["TestOk"].final.outcome is Outcome.PASSED
    assert by_name["TestOk"].final.time == 0.25
    assert by_name["TestT"].final.outcome is Outcome.FAILED
    assert by_name["TestT"].final.message == "t_test.go:10: asked to fail"
    assert "log line" in by_name["TestT"].final.details
    assert by_name["TestSkip"].final.outcome is Outcome.SKIPPED
    assert by_name["TestGone"].final.outcome is Outcome.ERROR
    assert all(c.classname == "p" for c in cases)


def test_build_failure_becomes_error_cases_with_compiler_output() -> None:
    [case] = cases_from_events(BUILD_FAILED.splitlines(keepends=True), "p", ["TestA"])
    assert case.final.outcome is Outcome.ERROR
    assert "undefined: undefinedThing" in case.final.details


def test_invocations_one_per_package_and_subtest(tmp_path: Path) -> None:
    tests = ("m/a:TestX", "m/b:TestY", "m/a:TestZ", "m/a:TestT/sub")
    invs = GoDiscoverer().invocations(
        RunRequest(
            tests=tests,
            tests_file=tmp_path / "t",
            junit_dir=tmp_path,
            root=tmp_path,
            args=("-tags=it", "./..."),
        )
    )
    assert [i.tests for i in invs] == [
        ("m/a:TestX", "m/a:TestZ"),
        ("m/a:TestT/sub",),
        ("m/b:TestY",),
    ]
    first = invs[0].argv
    assert first[:3] == (sys.executable, "-m", "paratest_split.discovery.gojson")
    assert first[first.index("--") :] == (
        "--",
        "go",
        "test",
        "-json",
        "-v",
        "-run",
        "^(TestX|TestZ)$",
        "-tags=it",
        "m/a",
    )
    assert len({i.junit for i in invs}) == 3


go_missing = pytest.mark.skipif(shutil.which("go") is None, reason="needs the go toolchain")


@pytest.mark.external
@go_missing
def test_real_go_discovery_and_run(tmp_path: Path) -> None:
    root = PROJECTS / "go_basic"
    items = GoDiscoverer().discover(DiscoverOptions(root=root))
    assert [i.id for i in items] == [
        "example.com/gobasic/calc:ExampleAdd",
        "example.com/gobasic/calc:TestAdd",
        "example.com/gobasic/calc:TestSkipped",
        "example.com/gobasic/calc:TestTable",
        "example.com/gobasic/strutil:TestMaybeFail",
        "example.com/gobasic/strutil:TestUpper",
    ]
    tests = ("example.com/gobasic/strutil:TestMaybeFail", "example.com/gobasic/strutil:TestUpper")
    [inv] = GoDiscoverer().invocations(
        RunRequest(tests=tests, tests_file=tmp_path / "t", junit_dir=tmp_path, root=root)
    )
    done = subprocess.run(
        inv.argv,
        cwd=inv.cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**__import__("os").environ, "GOBASIC_FAIL": "TestMaybeFail"},
    )
    assert done.returncode == 1
    assert "--- FAIL: TestMaybeFail" in done.stdout  # plain `go test -v` output is echoed
    assert inv.junit is not None
    report = Path(inv.junit).read_text(encoding="utf-8")
    assert 'tests="2" failures="1"' in report
    assert 'message="strutil_test.go:18: asked to fail"' in report


@pytest.mark.external
@go_missing
def test_real_go_build_error_is_a_plugin_error() -> None:
    with pytest.raises(PluginError, match=r"build failed.*undefined: undefinedThing"):
        GoDiscoverer().discover(DiscoverOptions(root=PROJECTS / "go_broken"))
