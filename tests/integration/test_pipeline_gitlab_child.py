"""`pipeline gitlab --child`: the parent's plan job writes the child pipeline with the settings
the parent was generated with, whether they came from flags, PARATEST_* or paratest.yaml.

The parent is generated on a developer's machine (flags, environment); the child is generated
later, in the CI plan job, where neither exists: the parent must carry them. The test runs the
plan job's command line in a shell with an empty PARATEST_* environment and no paratest.yaml,
as the CI job would see it, with this checkout's paratest-split.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from paratest_split import cli

BIN = Path(sys.executable).parent


def _child_command(project: Path, argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main(["pipeline", "gitlab", "--child", *argv]) == 0
    parent = yaml.safe_load(capsys.readouterr().out)
    return str(next(line for line in parent["plan"]["script"] if "pipeline gitlab" in line))


def _run_in_ci_job(tmp_path: Path, command: str) -> dict[str, object]:
    """Run the plan job's line where a 4-shard plan exists; the child file it wrote."""
    job = tmp_path / "job"
    (job / "paratest-plan").mkdir(parents=True)
    (job / "paratest-plan" / "plan.json").write_text(json.dumps({"version": 1, "shards": 4}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARATEST_")}
    env["PATH"] = f"{BIN}:{env['PATH']}"
    result = subprocess.run(
        ["/bin/sh", "-ec", command], cwd=job, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    child: dict[str, object] = yaml.safe_load((job / "paratest-child.yml").read_text())
    return child


def _argv(line: str) -> list[str]:
    return shlex.split(line)


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("PARATEST_")]:
        monkeypatch.delenv(name)
    return tmp_path


def test_child_keeps_flags_and_environment_settings(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PARATEST_TIMEOUT", "900")
    monkeypatch.setenv("PARATEST_KEEP", "7")  # merge's: `pipeline` has no flag for it
    monkeypatch.setenv("PARATEST_STRICT_JUNIT", "true")
    command = _child_command(
        clean_env,
        [
            "--shards",
            "2",
            "--retries",
            "3",
            "--setup-workspace",
            "./db.sh up {workspace}",
            "--teardown-workspace",
            "./db.sh down {workspace}",
            "--teardown",
            "./shared.sh down",
            "--install",
            "pip install -e .",
            "--command",
            "pytest",
            "--command=-x",
        ],
        capsys,
    )
    child = _run_in_ci_job(clean_env, command)
    shard, merge = child["shard"], child["merge"]
    assert isinstance(shard, dict)
    assert isinstance(merge, dict)
    assert shard["parallel"] == 4  # from the plan, not the parent's --shards
    run = _argv(shard["script"][1])
    assert run[run.index("--retries") + 1] == "3"
    assert run[run.index("--timeout") + 1] == "900"
    assert run[run.index("--setup-workspace") + 1] == "./db.sh up {workspace}"
    assert run[run.index("--teardown-workspace") + 1] == "./db.sh down {workspace}"
    assert run[run.index("--") + 1 :] == ["pytest", "-x"]
    assert shard["script"][0] == "pip install -e ."
    merge_line = next(li for li in merge["script"] if "paratest-split merge" in li)
    merged = _argv(merge_line.split(" || ")[0].split("; ", 1)[1])
    assert merged[merged.index("--keep") + 1] == "7"
    assert "--strict-junit" in merged
    assert any("./shared.sh down" in li for li in merge["script"])


def test_child_keeps_paratest_yaml_settings_without_the_file(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (clean_env / "paratest.yaml").write_text(
        "shards: 2\nretries: 1\ngroup_by: class\nhistory_dir: /mnt/ci/history\n"
    )
    command = _child_command(clean_env, [], capsys)
    (clean_env / "paratest.yaml").unlink()  # the child generator must not need it
    child = _run_in_ci_job(clean_env, command)
    shard, merge = child["shard"], child["merge"]
    assert isinstance(shard, dict)
    assert isinstance(merge, dict)
    assert "--retries 1" in shard["script"][1]
    merged = _argv(merge["script"][1])
    assert merged[merged.index("--store") + 1] == "/mnt/ci/history"
