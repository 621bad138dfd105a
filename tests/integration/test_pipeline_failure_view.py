"""A red build shows its failures in the CI's own view: the merge step of the generated GitHub
workflow and Buildkite pipeline, run as those CIs run them (`sh -e` with their variables), on
real shard reports of a tiny project with one failing test.

- GitHub: `::error` workflow commands on stdout (annotations on the run page) and the Markdown
  step summary in $GITHUB_STEP_SUMMARY; the step fails.
- Buildkite: `buildkite-agent annotate --style error` gets merge's Markdown (a fake agent
  records it); the step fails with the merge's status.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from paratest_split.config import Settings
from paratest_split.render import render
from paratest_split.render.base import spec_from_settings

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
TESTS = """\
def test_ok():
    pass


def test_broken():
    assert 1 + 1 == 3
"""


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARATEST_")}
    env["PATH"] = f"{tmp_path / 'bin'}:{BIN}:{env['PATH']}"
    env.update(extra)
    return env


def _sh(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/sh", "-ec", script], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture
def shards_ran(tmp_path: Path) -> Path:
    """A project after its plan and 2 shard jobs: plan and shard reports in place."""
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "tests" / "test_app.py").write_text(TESTS)
    (tmp_path / "bin").mkdir()
    spec = spec_from_settings(Settings(shards=2, discover="pytest"))
    env = _env(tmp_path)
    for command in (spec.plan_command(), spec.run_command("0"), spec.run_command("1")):
        result = _sh(command, project, env)
        assert result.returncode in (0, 1), result.stderr
    assert sorted(p.name for p in (project / "paratest-results").glob("*.xml")) == [
        "shard-0.xml",
        "shard-1.xml",
    ]
    return project


def test_github_merge_step_annotates_and_writes_the_step_summary(
    shards_ran: Path, tmp_path: Path
) -> None:
    workflow = yaml.safe_load(render("github", spec_from_settings(Settings(shards=2))))
    step = next(s for s in workflow["jobs"]["merge"]["steps"] if s.get("name") == "merge")
    summary = tmp_path / "step-summary.md"
    summary.write_text("")
    result = _sh(step["run"], shards_ran, _env(tmp_path, GITHUB_STEP_SUMMARY=str(summary)))
    assert result.returncode == 1, result.stderr
    errors = [li for li in result.stdout.splitlines() if li.startswith("::error ")]
    assert errors[0] == (
        "::error title=paratest-split%3A failed test::tests.test_app::test_broken failed"
    )
    assert errors[-1].startswith("::error title=paratest-split::FAILED: 2 tests")
    markdown = summary.read_text()
    assert markdown.startswith("### :x: paratest-split merge: FAILED")
    assert "test_broken" in markdown
    # and the history was kept although tests failed (the cache step saves it `always()`)
    assert list((shards_ran / ".paratest" / "history").glob("*.xml.gz"))


FAKE_AGENT = """#!/bin/sh
# buildkite-agent annotate [--style S] [--context C] < body
echo "$*" >> "$AGENT_LOG"
cat >> "$AGENT_LOG"
"""


def test_buildkite_merge_step_annotates_the_build_and_keeps_the_merge_status(
    shards_ran: Path, tmp_path: Path
) -> None:
    agent = tmp_path / "bin" / "buildkite-agent"
    agent.write_text(FAKE_AGENT)
    agent.chmod(0o755)
    pipeline = yaml.safe_load(render("buildkite", spec_from_settings(Settings(shards=2))))
    merge = next(s for s in pipeline["steps"] if s.get("key") == "merge")
    lines = [c.replace("$$", "$") for c in merge["command"]]
    from_merge = next(i for i, c in enumerate(lines) if "paratest-split merge" in c)
    log = tmp_path / "agent.log"
    result = _sh("\n".join(lines[from_merge:]), shards_ran, _env(tmp_path, AGENT_LOG=str(log)))
    assert result.returncode == 1, result.stderr
    recorded = log.read_text()
    assert recorded.startswith("annotate --style error --context paratest\n### :x: ")
    assert "test_broken" in recorded
