from __future__ import annotations

import os
from pathlib import Path

import pytest

from paratest_split.errors import UsageError
from paratest_split.runner.hooks import run_hook, substitute_arg, substitute_shell

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
        "setup_workspace", "echo {workspace}; echo second >&2; exit 3",
        values=values, cwd=tmp_path, env=dict(os.environ), on_line=lines.append,
    )
    assert not result.ok
    assert result.process.returncode == 3
    assert result.describe() == "setup_workspace failed (exit 3)"
    assert lines == [str(tmp_path / "$(touch PWNED)"), "second"]
    assert not list(tmp_path.rglob("PWNED"))


def test_unknown_hook_name_is_a_bug() -> None:
    with pytest.raises(ValueError, match="unknown hook"):
        run_hook("setup_everything", "true", values={}, cwd=Path(), env={})
