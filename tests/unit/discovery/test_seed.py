"""Seed-tool commands: test names and placeholders never become shell syntax."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from paratest_split.core.placeholders import substitute_argv
from paratest_split.discovery.seed import command_argv

NAME = "login; touch PWNED"
WORKSPACE = "/tmp/my proj/$(touch PWNED)"


def test_shell_command_gets_the_name_quoted_and_the_workspace_left_to_the_runner() -> None:
    argv = command_argv("cd {WORKSPACE} && ./run.sh {TID_NAME} > out.log", NAME)
    assert argv == ("sh", "-c", "cd {workspace} && ./run.sh 'login; touch PWNED' > out.log")
    assert substitute_argv(argv, {"workspace": WORKSPACE}) == (
        "sh",
        "-c",
        "cd '/tmp/my proj/$(touch PWNED)' && ./run.sh 'login; touch PWNED' > out.log",
    )


def test_a_name_with_shell_syntax_does_not_turn_a_plain_command_into_a_shell_one() -> None:
    assert command_argv("./run.sh --name {TID_NAME} --ws={WORKSPACE}", NAME) == (
        "./run.sh",
        "--name",
        NAME,
        "--ws={workspace}",
    )
    assert command_argv("run -x '{TID_NAME}'", "it's") == ("run", "-x", "it's")


@pytest.mark.parametrize(
    "template",
    ["echo {TID_NAME} > out.txt", "echo '{TID_NAME}' > out.txt", 'echo "{TID_NAME}" > out.txt'],
    ids=["bare", "single-quoted", "double-quoted"],
)
@pytest.mark.parametrize("name", [NAME, "a$(touch PWNED)\"`touch PWNED`'b", "it's"])
def test_shell_command_runs_with_the_name_intact(tmp_path: Path, template: str, name: str) -> None:
    subprocess.run(command_argv(template, name), cwd=tmp_path, check=True)
    assert (tmp_path / "out.txt").read_text() == f"{name}\n"
    assert not list(tmp_path.rglob("PWNED"))
