"""Findings of a black-box sweep of every command with bad input: each is one line on stderr,
exit 4 (usage) or 10 (bad input file), nothing written or lost, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from paratest_split import cli


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ids.txt").write_text("a\nb\nc\n")
    for name in ("PARATEST_OUT", "PARATEST_CONFIG", "CI_NODE_TOTAL", "CI_NODE_INDEX"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def one_line_error(capsys: pytest.CaptureFixture[str], *parts: str) -> None:
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    assert "internal error" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    for part in parts:
        assert part in err, err


@pytest.mark.parametrize(
    "argv",
    [
        ["--shards", "2", "--tests-from", ""],
        ["--shards", "2", "--tests-from", "ids.txt", "--out", ""],
        ["--shards", "2", "--tests-from", "ids.txt", "--config", ""],
    ],
)
def test_empty_paths_are_usage_errors_not_the_working_directory(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert cli.main(argv) == 4
    one_line_error(capsys, "must not be empty")
    assert sorted(p.name for p in project.iterdir()) == ["ids.txt"]  # no plan anywhere


def test_a_nul_byte_in_a_test_id_is_refused_by_split(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "ids.txt").write_bytes(b"a\0b\nc\n")
    assert cli.main(["--shards", "1", "--tests-from", "ids.txt"]) == 10
    one_line_error(capsys, "ids.txt", "NUL byte")


def test_a_nul_byte_from_a_discovery_plugin_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "list.txt").write_bytes(b"a\0b\nc\n")
    argv = ["--shards", "1", "--discover", "lines", "--lines-from", "list.txt"]
    assert cli.main(argv) == 10
    one_line_error(capsys, "--discover lines", "NUL byte")
    assert not (project / "paratest-plan").exists()


def test_a_nul_byte_in_plan_json_is_a_bad_plan_not_a_crash_of_run(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--shards", "1", "--tests-from", "ids.txt"]) == 0
    plan = project / "paratest-plan" / "plan.json"
    plan.write_text(plan.read_text().replace('"b"', '"b\\u0000x"'))
    capsys.readouterr()
    assert cli.main(["run", "--index", "0", "--", "echo"]) == 10
    one_line_error(capsys, "plan.json", "NUL byte")


def test_split_names_a_missing_root(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--shards", "2", "--root", "nope", "--tests-from", "ids.txt"]) == 4
    one_line_error(capsys, "--root nope: no such directory")


def test_shards_auto_is_capped_like_shards(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI_NODE_INDEX", "1")
    monkeypatch.setenv("CI_NODE_TOTAL", "1000000")
    assert cli.main(["--shards", "auto", "--tests-from", "ids.txt", "--out", "p"]) == 4
    one_line_error(capsys, "$CI_NODE_TOTAL is 1000000, more than 10000 shards")
    assert not (project / "p").exists()


@pytest.mark.parametrize("write", [".", ""])
def test_pipeline_write_to_a_directory_or_nowhere(
    project: Path, capsys: pytest.CaptureFixture[str], write: str
) -> None:
    assert cli.main(["pipeline", "gitlab", "--shards", "3", "--write", write]) == 4
    one_line_error(capsys, "--write")
    assert sorted(p.name for p in project.iterdir()) == ["ids.txt"]
    assert capsys.readouterr().out == ""  # not printed instead either


def test_merge_output_named_as_an_input_is_refused_and_nothing_is_lost(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = '<testsuite name="s"><testcase classname="c" name="a" time="1"/></testsuite>'
    (project / "shard-0.xml").write_text(first)
    (project / "shard-1.xml").write_text(first.replace('"a"', '"b"'))
    argv = ["merge", "shard-0.xml", "shard-1.xml", "--no-plan", "-o", "shard-0.xml"]
    assert cli.main(argv) == 4
    one_line_error(capsys, "shard-0.xml: is both an input and the merge output")
    assert (project / "shard-0.xml").read_text() == first


def test_script_workspaces_need_their_hook_before_anything_runs(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["local", "--shards", "2", "--workspaces", "script", "--tests-from", "ids.txt"]
    assert cli.main(argv) == 4
    one_line_error(capsys, "--workspaces script", "setup_workspace")
    assert not (project / "paratest-results").exists()
