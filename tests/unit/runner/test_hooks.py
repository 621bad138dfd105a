from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paratest_split.errors import UsageError
from paratest_split.runner.hooks import (
    run_hook,
    shell_script_index,
    substitute_arg,
    substitute_argv,
    substitute_shell,
)
from tests.unit.runner.helpers import pid_alive

VALUES = {
    "shard": "2",
    "shards": "6",
    "workspace": "/w s/$(touch PWNED)",
    "source": "/src",
    "output": "/out",
    "tests_file": "/tmp/it's.txt",
    "junit": "/out/shard-2.xml",
}


def test_shell_placeholders_are_quoted_and_other_braces_untouched() -> None:
    command = "cd {workspace} && awk '{print $1}' {tests_file} ${HOME} {unknown} {shard}/{shards}"
    assert substitute_shell(command, VALUES) == (
        "cd '/w s/$(touch PWNED)' && awk '{print $1}' '/tmp/it'\"'\"'s.txt' ${HOME} {unknown} 2/6"
    )


def test_argv_placeholders_are_verbatim() -> None:
    assert substitute_arg("--junitxml={junit}", VALUES) == "--junitxml=/out/shard-2.xml"
    assert substitute_arg("{workspace}", VALUES) == "/w s/$(touch PWNED)"


def test_placeholder_without_value_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"placeholder \{junit\} has no value"):
        substitute_shell("echo {junit}", {"shard": "1"})


def test_run_hook_quotes_values_so_nothing_is_executed(tmp_path: Path) -> None:
    values = dict(VALUES, workspace=str(tmp_path / "$(touch PWNED)"))
    lines: list[str] = []
    result = run_hook(
        "setup_workspace",
        "echo {workspace}; echo second >&2; exit 3",
        values=values,
        cwd=tmp_path,
        env=dict(os.environ),
        on_line=lines.append,
    )
    assert not result.ok
    assert result.process.returncode == 3
    assert result.describe() == "setup_workspace failed (exit 3)"
    assert lines == [str(tmp_path / "$(touch PWNED)"), "second"]
    assert not list(tmp_path.rglob("PWNED"))


def test_unknown_hook_name_is_a_bug() -> None:
    with pytest.raises(ValueError, match="unknown hook"):
        run_hook("setup_everything", "true", values={}, cwd=Path(), env={})


HOSTILE = '/tmp/my proj/$(touch PWNED) `touch PWNED` "q" it\'s \\'


@pytest.mark.parametrize(
    "template",
    [
        "printf '%s|' {workspace}",
        "printf '%s|' '{workspace}'",
        "printf '%s|' \"{workspace}\"",
        "printf '%s|' x{workspace}y",
    ],
    ids=["bare", "single-quoted", "double-quoted", "inside-a-word"],
)
def test_shell_values_stay_one_literal_word_wherever_they_stand(
    tmp_path: Path, template: str
) -> None:
    lines: list[str] = []
    result = run_hook(
        "setup",
        template,
        values={"workspace": HOSTILE},
        cwd=tmp_path,
        env=dict(os.environ),
        on_line=lines.append,
    )
    assert result.ok
    expected = f"x{HOSTILE}y|" if "x{" in template else f"{HOSTILE}|"
    assert lines == [expected]
    assert not list(tmp_path.rglob("PWNED"))


def test_shell_script_index() -> None:
    assert shell_script_index(("sh", "-c", "x")) == 2
    assert shell_script_index(("/bin/bash", "-e", "-o", "pipefail", "-c", "x", "arg0")) == 5
    assert shell_script_index(("bash", "-ec", "x")) == 2
    assert shell_script_index(("sh", "script.sh", "-c")) is None
    assert shell_script_index(("sh", "-c")) is None
    assert shell_script_index(("python", "-c", "x")) is None


def test_substitute_argv_quotes_only_the_shell_script_and_leaves_runner_placeholders() -> None:
    values = {"shard": "1", "workspace": "/w s/$(id)"}
    argv = ("sh", "-c", "cd {workspace} && run {tests_file}", "--ws={workspace}", "{shard}")
    assert substitute_argv(argv, values, leave=("tests_file",)) == (
        "sh",
        "-c",
        "cd '/w s/$(id)' && run {tests_file}",
        "--ws=/w s/$(id)",
        "1",
    )
    assert substitute_argv(("run", "--ws={workspace}"), values) == ("run", "--ws=/w s/$(id)")


def test_a_service_started_by_a_hook_keeps_running_and_logging(tmp_path: Path) -> None:
    lines: list[str] = []
    started = time.monotonic()
    result = run_hook(
        "setup",
        "(while true; do echo tick; sleep .2; done) & echo $! > service.pid; echo started",
        values={},
        cwd=tmp_path,
        env=dict(os.environ),
        on_line=lines.append,
    )
    assert result.ok
    assert time.monotonic() - started < 2  # the hook is done: the service does not block it
    pid = int((tmp_path / "service.pid").read_text())
    try:
        count = lines.count("tick")
        time.sleep(2)
        assert pid_alive(pid)  # not killed by SIGPIPE on a closed pipe
        assert lines.count("tick") > count  # its output is still read and delivered
    finally:
        os.kill(pid, signal.SIGKILL)
    assert "started" in lines


def test_a_hook_service_does_not_keep_the_interpreter_alive(tmp_path: Path) -> None:
    script = (
        "import os, pathlib, sys\n"
        "from paratest_split.runner.hooks import run_hook\n"
        "run_hook('setup', '(while true; do echo tick; sleep .05; done) & echo $! > svc.pid',"
        " values={}, cwd=pathlib.Path('.'), env=dict(os.environ),"
        " on_line=lambda line: print(line, flush=True))\n"
        "print('done', flush=True)\n"
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    pid = int((tmp_path / "svc.pid").read_text())
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 8
    assert "done" in done.stdout
    assert "Fatal" not in done.stderr
