"""Issue 11: faults that already hold and must stay held: hostile XML in reports, many shards,
concurrent `merge --store` into one history directory. Real processes, real files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.faults.conftest import SCRIPT, no_traceback, paratest, tool_env

pytestmark = pytest.mark.slow

SECRET = "top-secret-0451"

HOSTILE = {
    "xxe": (
        '<?xml version="1.0"?>\n<!DOCTYPE t [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        '<testsuite name="s"><testcase classname="c" name="&xxe;" time="1"/></testsuite>'
    ),
    "billion-laughs": (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        + ']>\n<testsuite name="s"><testcase classname="c" name="&lol9;" time="1"/></testsuite>'
    ),
    "truncated": '<testsuite name="s"><testcase classname="c" name="t" time="1"/><testca',
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_report_is_refused_with_one_line(tmp_path: Path, kind: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    report = tmp_path / "shard-0.xml"
    report.write_text(HOSTILE[kind].replace("{secret}", str(secret)), encoding="utf-8")
    result = paratest(["merge", str(report), "-o", "out.xml"], tmp_path, timeout=60)
    no_traceback(result)
    assert result.returncode == 10, result.stderr
    assert "shard-0.xml" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "out.xml").exists()
    assert SECRET not in result.stdout + result.stderr
    history = paratest(["timings", "--junit", str(report)], tmp_path, timeout=60)
    no_traceback(history)
    assert history.returncode == 10, history.stderr
    assert SECRET not in history.stdout + history.stderr


def test_deeply_nested_suites_stream_without_recursion(tmp_path: Path) -> None:
    depth = 100_000
    (tmp_path / "deep.xml").write_text(
        "<testsuites>"
        + '<testsuite name="s">' * depth
        + '<testcase classname="c" name="t" time="1"/>'
        + "</testsuite>" * depth
        + "</testsuites>"
    )
    result = paratest(["merge", "deep.xml", "-o", "out.xml"], tmp_path, timeout=60)
    no_traceback(result)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.xml").read_text().count("<testcase") == 1


def _shard_report(path: Path, shard: int, shards: int) -> None:
    cases = "".join(
        f'<testcase classname="tests.test_{shard}" name="test_{i}" time="0.5"/>' for i in range(3)
    )
    props = (
        f'<properties><property name="paratest.shard" value="{shard}"/>'
        f'<property name="paratest.shards" value="{shards}"/></properties>'
    )
    path.write_text(f'<testsuite name="paratest-split">{props}{cases}</testsuite>')


def test_a_thousand_shards_merge_and_one_lost_is_named(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    for shard in range(1000):
        if shard != 637:
            _shard_report(reports / f"shard-{shard}.xml", shard, 1000)
    result = paratest(["merge", "reports", "-o", "junit.xml"], tmp_path, timeout=120)
    no_traceback(result)
    assert result.returncode == 1, result.stdout
    assert "no report: shard 637 of 1000" in result.stdout
    assert (tmp_path / "junit.xml").read_text().count("<testcase") == 999 * 3


def test_concurrent_merge_store_keeps_every_history_file_whole(tmp_path: Path) -> None:
    history = tmp_path / "history"
    procs = []
    for run in range(6):
        directory = tmp_path / f"run-{run}"
        directory.mkdir()
        _shard_report(directory / "shard-0.xml", 0, 1)
        procs.append(
            subprocess.Popen(
                [
                    str(SCRIPT),
                    "merge",
                    str(directory),
                    "-o",
                    str(directory / "junit.xml"),
                    "--store",
                    str(history),
                    "--keep",
                    "4",
                ],
                cwd=tmp_path,
                env=tool_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    stored = sorted(history.iterdir())
    assert [p for p in stored if p.name.startswith(".")] == []  # no temporary file left
    assert 1 <= len(stored) <= 6
    check = paratest(["timings", "--junit", str(history)], tmp_path)
    assert check.returncode == 0, check.stderr  # every stored file is a whole report
