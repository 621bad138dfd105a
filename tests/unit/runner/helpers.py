"""Shared by the runner's unit tests and tests/integration/test_run*.py: real suites, plans."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from lxml import etree

from paratest_split.config import Settings
from paratest_split.core.identity import pytest_item
from paratest_split.core.model import GroupBy, Plan, Shard, TestItem
from paratest_split.discovery.base import Discoverer
from paratest_split.discovery.files import FilesDiscoverer
from paratest_split.discovery.pytest import PytestDiscoverer
from paratest_split.manifest import read_plan, write_plan
from paratest_split.runner.shard import ShardRun

SUITES = Path(__file__).resolve().parents[2] / "fixtures" / "suites"
PLAIN = "tests/test_plain.py"
SLOW = "tests/test_slow.py"


def copy_suite(name: str, tmp_path: Path) -> Path:
    """A fresh copy of tests/fixtures/suites/<name> in tmp_path/<name>, plus a state dir."""
    target = tmp_path / name
    shutil.copytree(SUITES / name, target)
    (tmp_path / "state").mkdir()
    return target


def make_plan(directory: Path, shards: Sequence[Sequence[str]], *, digest: str = "d1g3st") -> Path:
    """Write a real plan (manifest.write_plan) whose shards hold these pytest node ids."""
    tests = [t for shard in shards for t in shard]
    plan = Plan(
        shards=len(shards),
        group_by=GroupBy.TEST,
        algorithm="test",
        inputs_digest=digest,
        predicted_makespan_seconds=1.0,
        lower_bound_seconds=1.0,
        shards_detail=tuple(
            Shard(index=i, predicted_seconds=1.0, tests=tuple(s)) for i, s in enumerate(shards)
        ),
        unknown_tests=(),
        discover="pytest",
        items=tuple(pytest_item(t) for t in tests),
    )
    write_plan(plan, directory)
    return directory


def suite_env(tmp_path: Path) -> dict[str, str]:
    """Our environment with the venv's python first on PATH and the suite's state dir."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["SUITE_STATE"] = str(tmp_path / "state")
    env.pop("PYTEST_ADDOPTS", None)
    return env


def shard_run(
    tmp_path: Path,
    suite: Path,
    shards: Sequence[Sequence[str]],
    *,
    index: int = 0,
    settings: Settings | None = None,
) -> ShardRun:
    plan = read_plan(make_plan(tmp_path / "plan", shards))
    return ShardRun(
        plan=plan,
        index=index,
        settings=settings or Settings(),
        workspace=suite,
        source=suite,
        output=tmp_path / "out",
        env=suite_env(tmp_path),
        discoverer=PytestDiscoverer(),
    )


def report_cases(report: Path) -> dict[str, etree._Element]:
    """name -> <testcase> of a shard report."""
    root = etree.parse(str(report)).getroot()
    return {str(case.get("name")): case for case in root.iter("testcase")}


def children(case: etree._Element) -> list[str]:
    return [str(child.tag) for child in case]


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0): look at its state
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        return stat.read_text().split(")")[-1].split()[0] != "Z"
    return True


def script_suite(root: Path, scripts: dict[str, str]) -> Path:
    """A project of executable shell scripts, `tests/<name>` each (for the `files` plugin)."""
    (root / "tests").mkdir(parents=True, exist_ok=True)
    for name, body in scripts.items():
        path = root / "tests" / name
        path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        path.chmod(0o755)
    return root


def files_run(
    tmp_path: Path,
    workspace: Path,
    shards: Sequence[Sequence[str]],
    *,
    index: int = 0,
    settings: Settings | None = None,
    items: Sequence[TestItem] = (),
    discoverer: Discoverer | None = None,
    env: dict[str, str] | None = None,
) -> ShardRun:
    """A ShardRun of the `files` plugin (no pytest: fast) over `shards` of ids; `items` may
    give tests their own commands (as seed plugins do)."""
    tests = [t for shard in shards for t in shard]
    known = {item.id: item for item in items}
    plan = Plan(
        shards=len(shards),
        group_by=GroupBy.TEST,
        algorithm="test",
        inputs_digest="d1g3st",
        predicted_makespan_seconds=1.0,
        lower_bound_seconds=1.0,
        shards_detail=tuple(
            Shard(index=i, predicted_seconds=1.0, tests=tuple(s)) for i, s in enumerate(shards)
        ),
        unknown_tests=(),
        discover="files",
        items=tuple(known.get(t) or TestItem(id=t, file=t) for t in tests),
    )
    write_plan(plan, tmp_path / "plan")
    return ShardRun(
        plan=read_plan(tmp_path / "plan"),
        index=index,
        settings=settings or Settings(),
        workspace=workspace,
        source=workspace,
        output=tmp_path / "out",
        env=env if env is not None else suite_env(tmp_path),
        discoverer=discoverer or FilesDiscoverer(),
    )
