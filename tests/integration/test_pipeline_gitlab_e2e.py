"""End to end: the generated .gitlab-ci.yml runs under gitlab-ci-local on the example project:
a plan job, 3 shard jobs (`parallel: 3`, `--index auto` from CI_NODE_INDEX) and the merge job.
The project's paratest.yaml gets once-per-plan `setup`/`teardown` hooks that log to a file
outside the project: setup runs once in the plan job, teardown once in the merge job (also when
a shard failed), never in a shard job although the shards read the same paratest.yaml.

Needs gitlab-ci-local 4.73.0 (npm), rsync and git: .ci/run installs them; skipped otherwise.
The jobs use this checkout's paratest-split through `--install` (the venv's bin on PATH).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from paratest_split import cli

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("gitlab-ci-local", "rsync", "git")
BROKEN = Path("tests") / "test_zz_broken.py"


def _example_project() -> Path:
    for candidate in (ROOT / "examples" / "integration", ROOT / "examples"):
        if (candidate / "paratest.yaml").is_file():
            return candidate
    pytest.skip("no example project with a paratest.yaml")


HOOKS = (
    'setup: echo "setup {shards} {source}" >> {log}\n'
    'teardown: cd / && echo "teardown {output}" >> {log}\n'
)


def _project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, failing_test: bool = False
) -> tuple[Path, Path]:
    """Copy the example project (with hooks), generate .gitlab-ci.yml, commit it:
    (project, the hook log)."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed: .ci/run installs them")
    source = _example_project()
    project = tmp_path / "project"
    shutil.copytree(
        source,
        project,
        ignore=shutil.ignore_patterns(
            "paratest-plan",
            "paratest-results",
            ".paratest",
            "__pycache__",
            ".gitlab-ci-local",
            "junit.xml",
            "*.db",
        ),
    )
    hook_log = tmp_path / "hooks.log"
    with (project / "paratest.yaml").open("a", encoding="utf-8") as config:
        config.write(HOOKS.replace("{log}", str(hook_log)))
    if failing_test:
        (project / BROKEN).write_text(
            "def test_broken() -> None:\n    assert False\n", encoding="utf-8"
        )
    monkeypatch.chdir(project)
    for name in [n for n in os.environ if n.startswith("PARATEST_")]:
        monkeypatch.delenv(name)
    install = f'export PATH="{Path(sys.executable).parent}:$PATH"'
    assert (
        cli.main(
            [
                "pipeline",
                "gitlab",
                "--shards",
                "3",
                "--install",
                install,
                "--write",
                ".gitlab-ci.yml",
            ]
        )
        == 0
    )
    _git(project, ["init", "-q"])
    _commit(project)
    _git(project, ["remote", "add", "origin", "https://gitlab.example.com/group/project.git"])
    return project, hook_log


def _git(project: Path, argv: list[str]) -> None:
    git = ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci"]
    subprocess.run([*git, *argv], cwd=project, check=True, capture_output=True)


def _commit(project: Path) -> None:
    _git(project, ["add", "-A"])
    _git(project, ["commit", "-qm", "change", "--allow-empty"])


def _gitlab_ci_local(project: Path) -> tuple[str, int]:
    """One pipeline, as GitLab would run it: (gitlab-ci-local's output, its exit code)."""
    result = subprocess.run(
        [
            "gitlab-ci-local",
            "--shell-isolation",
            "--no-artifacts-to-source",
            "--force-shell-executor",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return result.stdout + result.stderr, result.returncode


def _hooks(hook_log: Path) -> list[str]:
    return hook_log.read_text(encoding="utf-8").splitlines() if hook_log.exists() else []


def _run_pipeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, failing_test: bool = False
) -> tuple[Path, str, int, list[str]]:
    """Copy the example project (with hooks), generate .gitlab-ci.yml, run it:
    (project, log, gitlab-ci-local's exit code, the hook log's lines)."""
    project, hook_log = _project(tmp_path, monkeypatch, failing_test=failing_test)
    log, code = _gitlab_ci_local(project)
    return project, log, code, _hooks(hook_log)


def _builds(project: Path) -> Path:
    return (project / ".gitlab-ci-local" / "builds").resolve()


@pytest.mark.external
@pytest.mark.slow
def test_gitlab_pipeline_runs_plan_shards_and_merge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project, log, code, hooks = _run_pipeline(tmp_path, monkeypatch)
    capsys.readouterr()
    assert code == 0, log[-4000:]
    for job in ("plan", "shard: [1/3]", "shard: [2/3]", "shard: [3/3]", "merge"):
        assert f"PASS  {job}" in log, f"{job} did not pass:\n{log[-4000:]}"
    builds = _builds(project)
    assert hooks == [
        f"setup 3 {builds / 'plan'}",
        f"teardown {builds / 'merge' / 'paratest-results'}",
    ], log[-4000:]
    merged = project / ".gitlab-ci-local" / "builds" / "merge" / "junit.xml"
    assert merged.is_file(), log[-2000:]
    cases = [
        (c.get("classname"), c.get("name"))
        for c in etree.parse(str(merged)).getroot().iter("testcase")
    ]
    assert len(cases) >= 10
    assert len(cases) == len(set(cases)), "a test appears twice in the merged report"
    shard_reports = sorted(
        (project / ".gitlab-ci-local" / "builds").glob("shard*/paratest-results/shard-*.xml")
    )
    assert {p.name for p in shard_reports} >= {"shard-0.xml", "shard-1.xml", "shard-2.xml"}


@pytest.mark.external
@pytest.mark.slow
def test_gitlab_teardown_runs_when_a_shard_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project, log, code, hooks = _run_pipeline(tmp_path, monkeypatch, failing_test=True)
    capsys.readouterr()
    assert code != 0, "a failed test must fail the pipeline"
    assert "FAIL  merge" in log, log[-4000:]  # the merge ran, found the failure, failed
    assert len([job for job in ("1/3", "2/3", "3/3") if f"FAIL  shard: [{job}]" in log]) == 1
    builds = _builds(project)
    assert hooks == [
        f"setup 3 {builds / 'plan'}",
        f"teardown {builds / 'merge' / 'paratest-results'}",
    ], log[-4000:]
    merged = builds / "merge" / "junit.xml"
    assert "test_broken" in merged.read_text(encoding="utf-8")


def _job_lines(log: str, job: str) -> list[str]:
    """What `job` printed, from gitlab-ci-local's output (`<job, padded> > <line>`)."""
    line = re.compile(rf"^{re.escape(job)} +> (.*)$")
    return [m.group(1) for m in map(line.match, log.splitlines()) if m]


def _history_line(log: str) -> str:
    return next(li for li in _job_lines(log, "plan") if li.startswith("history:"))


def _shard_times(log: str) -> list[tuple[float, float]]:
    """(predicted s, actual s) per shard from the merge job's table."""
    rows = []
    for line in _job_lines(log, "merge"):
        cells = line.split()
        if len(cells) == 7 and cells[0].isdigit():
            rows.append((float(cells[2]), float(cells[3])))
    return rows


@pytest.mark.external
@pytest.mark.slow
def test_gitlab_next_pipeline_plans_from_the_history_of_a_red_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pipeline 1 fails (a broken test); its merge job still saves the cache. Pipeline 2 (the
    test fixed) plans every test from pipeline 1's timings."""
    project, hook_log = _project(tmp_path, monkeypatch, failing_test=True)
    capsys.readouterr()
    first, code = _gitlab_ci_local(project)
    assert code != 0, first[-4000:]
    assert "FAIL  merge" in first, first[-4000:]
    assert _history_line(first).startswith("history: 0 report file(s)"), first[-4000:]
    merged = _builds(project) / "merge" / "junit.xml"
    ran = len(list(etree.parse(str(merged)).getroot().iter("testcase")))
    (project / BROKEN).unlink()
    _commit(project)
    second, code = _gitlab_ci_local(project)
    assert code == 0, second[-4000:]
    history = _history_line(second)
    planned = ran - 1  # the broken test is gone
    assert history.startswith(f"history: 1 report file(s), {ran} known cases"), history
    assert f"estimates: {planned} matched" in history, history
    times = _shard_times(second)
    assert len(times) == 3, second[-4000:]
    with capsys.disabled():
        print(f"\n{history}\npredicted vs actual per shard: {times}")
    assert _hooks(hook_log).count(f"setup 3 {_builds(project) / 'plan'}") == 2


@pytest.mark.external
@pytest.mark.slow
def test_gitlab_a_pipeline_that_failed_before_its_merge_keeps_the_history_it_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pipeline 1 passes; pipeline 2's plan job fails (a test module that does not import),
    so no shard runs; pipeline 3 (fixed) still plans every test from pipeline 1's timings."""
    project, _hook_log = _project(tmp_path, monkeypatch)
    capsys.readouterr()
    first, code = _gitlab_ci_local(project)
    assert code == 0, first[-4000:]
    merged = _builds(project) / "merge" / "junit.xml"
    ran = len(list(etree.parse(str(merged)).getroot().iter("testcase")))
    broken = project / "tests" / "test_zz_syntax.py"
    broken.write_text("def test_x(:\n", encoding="utf-8")
    _commit(project)
    second, code = _gitlab_ci_local(project)
    assert code != 0, second[-4000:]
    assert "FAIL  plan" in second, second[-4000:]
    assert "PASS  shard" not in second, second[-4000:]  # no shard ran
    assert "FAIL  shard" not in second, second[-4000:]
    broken.unlink()
    _commit(project)
    third, code = _gitlab_ci_local(project)
    assert code == 0, third[-4000:]
    history = _history_line(third)
    assert history.startswith(f"history: 1 report file(s), {ran} known cases"), history
    assert f"estimates: {ran} matched" in history, history
