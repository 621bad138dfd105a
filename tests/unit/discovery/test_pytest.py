from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from paratest_split.core.errors import PluginError
from paratest_split.discovery import pytest as pytest_discovery
from paratest_split.discovery.base import DiscoverOptions, RunRequest
from paratest_split.discovery.pytest import (
    PLUGIN_ARGS,
    PytestDiscoverer,
    condense_errors,
    is_pytest_command,
    parse_collect_output,
)
from paratest_split.testing import assert_discoverer_contract
from tests.unit.discovery.helpers import PROJECTS, venv_env

# --------------------------------------------------------------------- captured pytest output

PYTEST9_OUTPUT = """\
tests/sub/test_params.py::test_nasty[ ]
tests/sub/test_params.py::test_nasty[a::b]
tests/sub/test_params.py::test_nasty[x[y]]
tests/test_mod.py::TestOuter::TestInner::test_deep

4 tests collected in 0.74s
"""

# pytest 7: same listing; warnings summary repeats node ids after the first block
PYTEST7_WITH_WARNINGS = """\
tests/test_a.py::test_one
tests/test_a.py::test_two

=============================== warnings summary ===============================
tests/test_a.py::test_one
  /x/tests/test_a.py:3: DeprecationWarning: old
    warnings.warn("old", DeprecationWarning)

-- Docs: https://docs.pytest.org/en/stable/how-to/capture-warnings.html
2 tests collected in 0.01s
"""

DESELECTED = """\
tests/test_a.py::test_one

1/3 tests collected (2 deselected) in 0.01s
"""

COLLECTION_ERROR = """\
tests/test_ok.py::test_ok

==================================== ERRORS ====================================
____________________ ERROR collecting tests/test_broken.py _____________________
ImportError while importing test module '/p/tests/test_broken.py'.
Hint: make sure your test modules/packages have valid Python names.
Traceback:
tests/test_broken.py:1: in <module>
    import module_that_does_not_exist  # noqa: F401
E   ModuleNotFoundError: No module named 'module_that_does_not_exist'
=========================== short test summary info ============================
ERROR tests/test_broken.py
!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!
1 test collected, 1 error in 0.83s
"""

USAGE_ERROR_STDERR = """\
ERROR: usage: python -m pytest [options] [file_or_dir] [file_or_dir] [...]
python -m pytest: error: unrecognized arguments: --nope
  inifile: /p/pytest.ini
  rootdir: /p
"""


def test_parse_pytest9_listing() -> None:
    assert parse_collect_output(PYTEST9_OUTPUT) == [
        "tests/sub/test_params.py::test_nasty[ ]",
        "tests/sub/test_params.py::test_nasty[a::b]",
        "tests/sub/test_params.py::test_nasty[x[y]]",
        "tests/test_mod.py::TestOuter::TestInner::test_deep",
    ]


def test_parse_stops_before_warnings_summary() -> None:
    assert parse_collect_output(PYTEST7_WITH_WARNINGS) == [
        "tests/test_a.py::test_one",
        "tests/test_a.py::test_two",
    ]


def test_parse_deselected_and_empty_and_duplicates() -> None:
    assert parse_collect_output(DESELECTED) == ["tests/test_a.py::test_one"]
    assert parse_collect_output("\nno tests collected in 0.01s\n") == []
    assert parse_collect_output("a.py::t\na.py::t\n") == ["a.py::t"]
    # plugin chatter without `::` before the ids is skipped
    assert parse_collect_output("hypothesis profile 'ci'\na.py::t\n\n1 test collected\n") == [
        "a.py::t"
    ]


def test_condense_collection_error() -> None:
    message = condense_errors(COLLECTION_ERROR, "")
    assert message == (
        "ERROR collecting tests/test_broken.py: ModuleNotFoundError: "
        "No module named 'module_that_does_not_exist'"
    )
    assert "\n" not in message


def test_condense_usage_error_and_fallback() -> None:
    assert condense_errors("", USAGE_ERROR_STDERR) == (
        "python -m pytest: error: unrecognized arguments: --nope"
    )
    assert condense_errors("", "ERROR: file or directory not found: nothere\n") == (
        "ERROR: file or directory not found: nothere"
    )
    assert condense_errors("", "Traceback\n  boom\nRuntimeError: x\n") == (
        "Traceback boom RuntimeError: x"
    )
    assert len(condense_errors("E   " + "x" * 5000, "")) <= 600


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (("pytest", "-x"), True),
        (("python", "-m", "pytest"), True),
        (("/venv/bin/py.test",), True),
        (("uv", "run", "pytest", "tests"), True),
        (("C:\\venv\\Scripts\\pytest.exe",), True),
        (("tox", "-e", "py"), False),
        (("make", "test"), False),
        (("python", "-m", "unittest"), False),
    ],
)
def test_is_pytest_command(argv: tuple[str, ...], expected: bool) -> None:
    assert is_pytest_command(argv) is expected


# --------------------------------------------------------------------- invocations


def request(
    tmp_path: Path, command: tuple[str, ...] | None = None, args: tuple[str, ...] = ()
) -> RunRequest:
    return RunRequest(
        tests=("tests/test_a.py::test_x[$(id)]", "tests/test_a.py::test_y"),
        tests_file=tmp_path / "tests.txt",
        junit_dir=tmp_path / "junit",
        root=tmp_path,
        user_command=command,
        args=args,
    )


def test_default_invocation_keeps_args_and_deselects_by_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pytest_discovery, "python_executable", lambda env=None: "/usr/bin/python")
    [inv] = PytestDiscoverer().invocations(request(tmp_path, args=("-x", "tests")))
    assert inv.argv == (
        "/usr/bin/python",
        "-m",
        "pytest",
        "-x",
        "tests",
        "-p",
        "no:paratest_split",
        "-p",
        "paratest_split.pytest_plugin",
        f"--paratest-shard-file={tmp_path / 'tests.txt'}",
        f"--junitxml={tmp_path / 'junit' / 'pytest.xml'}",
    )
    assert inv.junit == str(tmp_path / "junit" / "pytest.xml")
    assert inv.cwd == str(tmp_path)
    assert inv.tests == request(tmp_path).tests


def test_user_pytest_command_gets_shard_options(tmp_path: Path) -> None:
    [inv] = PytestDiscoverer().invocations(request(tmp_path, ("pytest", "-n", "4")))
    assert inv.argv[:3] == ("pytest", "-n", "4")
    assert inv.argv[3:7] == PLUGIN_ARGS
    assert f"--paratest-shard-file={tmp_path / 'tests.txt'}" in inv.argv
    assert not any("$(id)" in arg for arg in inv.argv)  # ids only through the file


def test_user_pytest_command_with_placeholders(tmp_path: Path) -> None:
    [inv] = PytestDiscoverer().invocations(
        request(tmp_path, ("pytest", "{tests}", "--junitxml={junit}"))
    )
    assert inv.argv == (
        "pytest",
        "tests/test_a.py::test_x[$(id)]",
        "tests/test_a.py::test_y",
        f"--junitxml={tmp_path / 'junit' / 'pytest.xml'}",
    )


def test_non_pytest_user_command_gets_ids_as_argv(tmp_path: Path) -> None:
    [inv] = PytestDiscoverer().invocations(request(tmp_path, ("./run-tests.sh", "--fast")))
    assert inv.argv == ("./run-tests.sh", "--fast", *request(tmp_path).tests)
    assert inv.junit is None


def test_no_tests_no_invocations(tmp_path: Path) -> None:
    empty = RunRequest(tests=(), tests_file=tmp_path / "t", junit_dir=tmp_path, root=tmp_path)
    assert PytestDiscoverer().invocations(empty) == []


def test_python_executable_prefers_path(tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert pytest_discovery.python_executable({"PATH": str(tmp_path)}) == str(fake)
    assert pytest_discovery.python_executable({"PATH": str(tmp_path / "none")}) == sys.executable


# --------------------------------------------------------------------- real pytest runs


@pytest.mark.slow
def test_verbose_addopts_from_environment_do_not_change_the_format() -> None:
    env = {**venv_env(), "PYTEST_ADDOPTS": "-v -v"}
    items = PytestDiscoverer().discover(
        DiscoverOptions(root=PROJECTS / "pytest_basic", args=("tests/test_mod.py",), env=env)
    )
    assert [item.id for item in items] == [
        "tests/test_mod.py::test_plain",
        "tests/test_mod.py::TestOuter::test_method",
        "tests/test_mod.py::TestOuter::TestInner::test_deep",
    ]


@pytest.mark.slow
def test_collection_error_is_a_plugin_error_with_pytests_message() -> None:
    with pytest.raises(PluginError) as info:
        PytestDiscoverer().discover(
            DiscoverOptions(root=PROJECTS / "pytest_collect_error", env=venv_env())
        )
    message = str(info.value)
    assert "exit 2" in message
    assert "ERROR collecting tests/test_broken.py" in message
    assert "No module named 'module_that_does_not_exist'" in message
    assert "\n" not in message
    assert info.value.exit_code == 11


@pytest.mark.slow
def test_usage_error_and_no_tests() -> None:
    with pytest.raises(PluginError, match="unrecognized arguments: --no-such-flag"):
        PytestDiscoverer().discover(
            DiscoverOptions(
                root=PROJECTS / "pytest_empty", args=("--no-such-flag",), env=venv_env()
            )
        )
    assert (
        PytestDiscoverer().discover(DiscoverOptions(root=PROJECTS / "pytest_empty", env=venv_env()))
        == []
    )


@pytest.mark.slow
def test_shard_run_executes_exactly_the_shard(tmp_path: Path) -> None:
    root = PROJECTS / "pytest_basic"
    tests = (
        "tests/sub/test_params.py::test_nasty[$(touch pwned)]",
        "tests/test_mod.py::TestOuter::TestInner::test_deep",
    )
    tests_file = tmp_path / "tests.txt"
    tests_file.write_text("".join(f"{t}\n" for t in tests), encoding="utf-8")
    (tmp_path / "junit").mkdir()
    env = venv_env()
    [inv] = PytestDiscoverer().invocations(
        RunRequest(tests=tests, tests_file=tests_file, junit_dir=tmp_path / "junit", root=root)
    )
    argv = (sys.executable, *inv.argv[1:])  # the venv interpreter, as PATH would give
    done = subprocess.run(
        argv,
        cwd=inv.cwd,
        env={**env, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert inv.junit is not None
    report = Path(inv.junit).read_text(encoding="utf-8")
    # the two shard tests only: the module with a module-level skip holds no shard test, so
    # it is not even imported and pytest writes no "collection skipped" pseudo-case for it
    assert report.count('<testcase classname="tests.') == 2
    assert report.count("<testcase") == 2
    assert 'name="test_deep"' in report
    assert not (root / "pwned").exists()


@pytest.mark.slow
def test_contract_and_nasty_ids_on_real_project(tmp_path: Path) -> None:
    root = PROJECTS / "pytest_basic"  # its pytest.ini has addopts = -q (would make -qq)
    items = assert_discoverer_contract(
        PytestDiscoverer(), DiscoverOptions(root=root, env=venv_env()), tmp_path
    )
    ids = [item.id for item in items]
    assert len(ids) == 17
    assert "tests/sub/test_params.py::test_nasty[a::b]" in ids
    assert "tests/sub/test_params.py::test_nasty[nul\\x00byte]" in ids
    assert "tests/sub/test_params.py::test_nasty[\\xe9t\\xe9]" in ids
    assert "tests/sub/test_params.py::test_nasty[$(touch pwned)]" in ids
    deep = next(i for i in items if i.id.endswith("test_deep"))
    assert (deep.file, deep.classname, deep.name) == (
        "tests/test_mod.py",
        "tests.test_mod.TestOuter.TestInner",
        "test_deep",
    )
    pair = next(i for i in items if i.id.endswith("test_pair[q.2]"))
    assert (pair.classname, pair.name) == ("tests.sub.test_params.TestParams", "test_pair[q.2]")
    assert not (root / "pwned").exists()
