from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paratest_split.core.errors import UsageError
from paratest_split.core.placeholders import (
    hook_env,
    shell_contexts,
    shell_script_index,
    substitute_arg,
    substitute_argv,
    substitute_shell,
)
from paratest_split.runner.hooks import run_hook
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


# -- every quoting context, executed by a real shell ---------------------------------------------

# Everything a shell could read as syntax; no trailing newline (`$(...)` would strip it).
NASTY = (
    '/w s/it\'s "q" $(touch PWNED) `touch PWNED` ;touch PWNED; a&&touch PWNED|'
    " ${HOME} $HOME \\ \\n }{ ) ( # *?[x]\n\ttab\nEOF\nlast"
)

# (template writing the value to `out`, what `out` holds: V stands for the value)
CONTEXTS = {
    "bare": ("printf %s {workspace} > out", "V"),
    "single": ("printf %s '{workspace}' > out", "V"),
    "double": ('printf %s "{workspace}" > out', "V"),
    "in-a-word": ("printf %s x{workspace}'y'\"z\" > out", "xVyz"),
    "single-in-a-word": ("printf %s \"a\"'<{workspace}>'b > out", "a<V>b"),
    "cmdsub": ('x=$(printf %s {workspace}); printf %s "$x" > out', "V"),
    "cmdsub-in-double": ('printf %s "ws is $(printf %s {workspace})" > out', "ws is V"),
    "single-in-cmdsub-in-double": ("printf %s \"$(printf %s '{workspace}')\" > out", "V"),
    "double-in-cmdsub-in-double": ('printf %s "$(printf %s "{workspace}")" > out', "V"),
    "nested-cmdsub": ('printf %s "$(printf %s "$(printf %s {workspace})")" > out', "V"),
    "subshell-in-cmdsub": ('printf %s "$( (printf %s {workspace}) )" > out', "V"),
    "case-in-cmdsub": ('printf %s "$(case a in a) printf %s {workspace};; esac)" > out', "V"),
    "backticks": ('x=`printf %s {workspace}`; printf %s "$x" > out', "V"),
    "backticks-in-double": ('printf %s "`printf %s {workspace}`" > out', "V"),
    "double-in-backticks-in-double": ('printf %s "`printf %s "{workspace}"`" > out', "V"),
    "single-in-backticks-in-double": ("printf %s \"`printf %s '{workspace}'`\" > out", "V"),
    "double-in-backticks": ('x=`printf %s "{workspace}"`; printf %s "$x" > out', "V"),
    "nested-backticks": ('x=`printf %s "\\`printf %s {workspace}\\`"`; printf %s "$x" > out', "V"),
    "backticks-in-cmdsub": ('printf %s "$(printf %s "`printf %s {workspace}`")" > out', "V"),
    "cmdsub-in-backticks": ('x=`printf %s "$(printf %s {workspace})"`; printf %s "$x" > out', "V"),
    "parameter-default": ('printf %s "${PTS_UNSET_:-{workspace}}" > out', "V"),
    "parameter-default-bare": ("printf %s ${PTS_UNSET_:-{workspace}} > out", "V"),
    "heredoc": ("cat > out <<EOF\n<{workspace}>\nEOF", "<V>\n"),
    "heredoc-cmdsub": ("cat > out <<-EOF\n\t$(printf %s {workspace})\nEOF", "V\n"),
    "heredoc-double": ('cat > out <<EOF\n"{workspace}"\nEOF', '"V"\n'),
    "after-heredoc": ("cat > /dev/null <<'EOF'\nx\nEOF\nprintf %s {workspace} > out", "V"),
    "comment": ("printf %s {workspace} > out # {workspace}", "V"),
    "after-a-comment": ("# it's {workspace}\nprintf %s {workspace} > out", "V"),
}


def _run_in(shell: str, template: str, value: str, cwd: Path) -> str:
    if shell == "sh":  # the real path: run_hook through /bin/sh, PTS_* variables set
        result = run_hook(
            "setup_workspace", template, values={"workspace": value}, cwd=cwd, env=dict(os.environ)
        )
        assert result.ok, (result.command, result.process.output)
    else:
        script = substitute_shell(template, {"workspace": value})
        env = {**os.environ, **hook_env({"workspace": value})}
        done = subprocess.run(
            [shell, "-c", script],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        assert done.returncode == 0, (script, done.stderr)
    return (cwd / "out").read_text()


@pytest.mark.parametrize("shell", ["sh", "bash"])
@pytest.mark.parametrize("case", sorted(CONTEXTS))
def test_a_value_arrives_intact_and_runs_nothing_in_every_context(
    tmp_path: Path, case: str, shell: str
) -> None:
    if shell == "bash" and shutil.which("bash") is None:
        pytest.skip("no bash")
    template, expected = CONTEXTS[case]
    for value in (NASTY, "plain", "/with space/x", ""):
        if not value and case.startswith("heredoc"):
            continue  # an empty value is placed through PTS_WORKSPACE there: same result
        assert _run_in(shell, template, value, tmp_path) == expected.replace("V", value)
        assert not list(tmp_path.rglob("PWNED")), (case, value)


def test_the_reported_injection_through_a_command_substitution_in_double_quotes(
    tmp_path: Path,
) -> None:
    workspace = tmp_path / "b;touch PWNED;x"
    workspace.mkdir()
    lines: list[str] = []
    result = run_hook(
        "setup_workspace",
        'echo "ws is $(basename {workspace})"',
        values={"workspace": str(workspace)},
        cwd=workspace,
        env=dict(os.environ),
        on_line=lines.append,
    )
    assert result.ok
    assert lines == ["ws is b;touch PWNED;x"]
    assert not list(tmp_path.rglob("PWNED"))
    assert result.command == "echo \"ws is $(basename '" + str(workspace) + "')\""


def test_where_a_literal_is_not_certain_a_hook_uses_its_own_variable() -> None:
    values = {"workspace": "/w s", "shard": "3"}
    assert substitute_shell('echo "${X:-{workspace}}"', values) == (
        'echo "${X:-"${PTS_WORKSPACE}"}"'
    )
    assert substitute_shell("cat <<EOF\n{workspace}\nEOF", {"workspace": "EOF"}) == (
        "cat <<EOF\n${PTS_WORKSPACE}\nEOF"
    )
    # a plain word is the same text anywhere
    assert substitute_shell("echo ${X:-{shard}} $(( {shard} + 1 ))", values) == (
        "echo ${X:-3} $(( 3 + 1 ))"
    )
    assert hook_env({"workspace": "/w s", "shard": "3", "other": "x"}) == {
        "PTS_SHARD": "3",
        "PTS_WORKSPACE": "/w s",
    }


def test_a_heredoc_value_cannot_end_the_heredoc_early(tmp_path: Path) -> None:
    lines: list[str] = []
    result = run_hook(
        "setup",
        "cat <<EOF\n{workspace}\nEOF\necho end",
        values={"workspace": "EOF\ntouch PWNED"},
        cwd=tmp_path,
        env=dict(os.environ),
        on_line=lines.append,
    )
    assert result.ok
    assert lines == ["EOF", "touch PWNED", "end"]
    assert not list(tmp_path.rglob("PWNED"))


@pytest.mark.parametrize(
    ("script", "where"),
    [
        ("echo ${X:-{workspace}}", r"inside a \$\{\.\.\.\} expansion"),
        ("echo $(( {workspace} ))", r"inside \$\(\(\.\.\.\)\) arithmetic"),
        ("cat <<EOF\n{workspace}\nEOF", "inside a here-document"),
        ("cat <<'EOF'\n{workspace}\nEOF", "inside a quoted here-document"),
        ("echo \\{workspace}", "right after a backslash"),
        ("echo $'{workspace}'", "where its shell quoting cannot be told for sure"),
    ],
)
def test_without_a_variable_an_uncertain_place_is_a_usage_error(script: str, where: str) -> None:
    argv = ("sh", "-c", script)
    with pytest.raises(UsageError, match=rf"placeholder \{{workspace\}} stands {where}"):
        substitute_argv(argv, {"workspace": "/w s;x\nEOF\n$(id)"})
    assert substitute_argv(argv, {"workspace": "7"})[2] == script.replace("{workspace}", "7")


def test_no_variable_holds_a_value_in_arithmetic_or_a_quoted_heredoc() -> None:
    with pytest.raises(UsageError, match="arithmetic"):
        substitute_shell("echo $(( {workspace} + 1 ))", {"workspace": "a[$(id)]"})
    with pytest.raises(UsageError, match="quoted here-document"):
        substitute_shell("cat <<'EOF'\n{workspace}\nEOF", {"workspace": "a\nEOF"})
    assert substitute_shell("cat <<'EOF'\n{workspace}\nEOF", {"workspace": "a $b"}) == (
        "cat <<'EOF'\na $b\nEOF"
    )


def test_shell_contexts() -> None:
    text = 'a {x} \'{x}\' "{x}" $({x} "{x}") `{x}` ${v:-{x}} # {x}\n$(({x}))'
    kinds = [(c.kind, c.backticks) for c in shell_contexts(text, re.compile(r"\{(x)\}")).values()]
    assert kinds == [
        ("bare", ()),
        ("single", ()),
        ("double", ()),
        ("bare", ()),
        ("double", ()),
        ("bare", (False,)),
        ("param", ()),
        ("comment", ()),
        ("arith", ()),
    ]
