"""The command line as a user meets it: in-process `cli.main` and a few real subprocesses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from paratest_split import __version__
from paratest_split.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"paratest-split {__version__}"


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ("split", "run", "merge", "pipeline", "local", "timings", "plugins"):
        assert name in out


def test_bad_flag_value_is_exit_4_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--shards", "3", "--group-by", "module"]) == 4
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "--group-by" in err[0]
    assert "'module' is not one of auto, test, class, file, dir" in err[0]


def test_unknown_flag_is_exit_4(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["split", "--shardz", "3"]) == 4
    assert "unrecognized arguments: --shardz" in capsys.readouterr().err


def test_bad_config_file_is_exit_4_naming_key_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "paratest.yaml").write_text("shards: 2\nretrys: 3\n")
    monkeypatch.chdir(tmp_path)
    assert main(["--shards", "2"]) == 4
    err = capsys.readouterr().err
    assert "paratest.yaml:2: unknown key 'retrys' (did you mean 'retries'?)" in err
    assert "Traceback" not in err


def test_installed_script_and_module_run() -> None:
    for argv in ([sys.executable, "-m", "paratest_split", "--version"],):
        result = subprocess.run(argv, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        assert __version__ in result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "paratest_split", "--shards", "x"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 4
    assert "Traceback" not in result.stderr


def test_switches_may_come_before_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--debug", "plugins", "--format", "json"]) == 0
    assert capsys.readouterr().out.lstrip().startswith(("[", "{"))


def test_usage_error_names_the_command_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--retries", "x"]) == 4
    err = capsys.readouterr().err.strip()
    assert err.startswith("paratest-split: error: run: argument --retries")
    assert err.count("paratest-split") == 1


def test_unusable_output_or_root_fails_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("")
    (tmp_path / "ids.txt").write_text("a\n")
    assert main(["--shards", "1", "--discover", "lines", "--lines-from", "ids.txt"]) == 0
    marker = tmp_path / "ran"
    command = ["--", "sh", "-c", f"touch {marker}"]
    assert main(["run", "--index", "0", "--output", "afile", *command]) == 4
    assert "--output afile: cannot write there" in capsys.readouterr().err
    assert main(["run", "--index", "0", "--root", "nowhere", *command]) == 4
    assert "--root" in capsys.readouterr().err
    assert not marker.exists()
    assert (
        main(
            [
                "local",
                "--shards",
                "1",
                "--discover",
                "lines",
                "--lines-from",
                "ids.txt",
                "--history-dir",
                "afile",
                "--",
                "true",
            ]
        )
        == 4
    )
    assert "--history-dir afile" in capsys.readouterr().err
