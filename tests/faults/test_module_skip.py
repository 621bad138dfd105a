"""Fault (before 438464c: "results for tests not in shard" and an unplanned result): pytest's module-level skip pseudo-case (a module that calls `pytest.skip(...,
allow_module_level=True)`) is no test of any shard: `run` does not warn about it as a result
"not in shard", and `merge` writes it once without counting it folded, whatever number of
shards collected the module (every one of them, with `--paratest-collect-all`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from tests.faults.conftest import THREE_MODULES, paratest, write_project

pytestmark = pytest.mark.slow

SKIPPED_MODULE = (
    "import pytest\n"
    'pytest.skip("not on this platform", allow_module_level=True)\n'
    "def test_never():\n    pass\n"
)


@pytest.mark.parametrize("collect_all", [False, True], ids=["own-modules", "collect-all"])
def test_a_skipped_module_is_neither_outside_the_shard_nor_folded(
    tmp_path: Path, collect_all: bool
) -> None:
    project = write_project(
        tmp_path / "p", {**THREE_MODULES, "tests/test_skipped.py": SKIPPED_MODULE}
    )
    args = ["tests", *(["--paratest-collect-all"] if collect_all else [])]
    planned = paratest(
        [
            "--shards",
            "2",
            "--discover",
            "pytest",
            "--discover-args",
            " ".join(args),
            "--out",
            "plan",
        ],
        project,
    )
    assert planned.returncode == 0, planned.stderr
    codes = []
    for index in (0, 1):
        ran = paratest(["run", "--plan", "plan", "--index", str(index)], project)
        codes.append(ran.returncode)
        assert "not in shard" not in ran.stderr
    assert sorted(codes) == [0, 1]  # test_b2 fails in one of them
    merged = paratest(["merge", "paratest-results", "--plan", "plan", "-o", "merged.xml"], project)
    assert merged.returncode == 1, merged.stderr  # test_b2 failed
    said = merged.stdout + merged.stderr
    assert "0 missing" in said
    assert "0 tests had results in more than one place" in said
    assert "0 results not in the plan" in said
    cases = list(etree.parse(str(project / "merged.xml")).iter("testcase"))
    pseudo = [c for c in cases if not c.get("classname")]
    assert [c.get("name") for c in pseudo] == (["tests.test_skipped"] if collect_all else [])
    assert len(cases) - len(pseudo) == 6
