"""Golden files (tests/golden/<ci>/<case>.<ext>) and ci-examples/ must match the templates.

Cases are discovered from the golden tree; a case without a fixture, a fixture without golden
files, or any drift fails. Regenerate with `python scripts/regen_golden.py` and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from paratest_split.render import RENDERERS
from paratest_split.render.examples import (
    FULL_STYLE_CASES,
    PLAN_HOOKS_CASE,
    ci_examples,
    differences,
    extension,
    golden_files,
)

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = ROOT / "tests" / "golden"
FIXTURES = ROOT / "tests" / "fixtures" / "pipeline"
REGEN = "run `python scripts/regen_golden.py` and review the diff"

EXPECTED = golden_files(FIXTURES)
CASES = sorted(p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file())


def test_every_target_and_fixture_has_golden_files() -> None:
    missing = sorted(set(EXPECTED) - set(CASES))
    assert not missing, f"no golden file for {missing}: {REGEN}"
    assert len(list(FIXTURES.glob("*.yaml"))) >= 3


@pytest.mark.parametrize("case", CASES)
def test_golden_file_matches(case: str) -> None:
    assert case in EXPECTED, f"{case} has no fixture or target: delete it or {REGEN}"
    target, name = case.split("/", 1)
    assert target in RENDERERS
    assert name.endswith(extension(target))
    if "--" in name:
        assert name.split("--")[0] in FULL_STYLE_CASES
    actual = (GOLDEN / case).read_text(encoding="utf-8")
    assert actual == EXPECTED[case], f"tests/golden/{case} is out of date: {REGEN}"


def test_plan_hooks_case_covers_every_style_of_every_target_that_runs_them() -> None:
    for target, renderer in RENDERERS.items():
        names = {
            f"{target}/{PLAN_HOOKS_CASE}{'--' + s if s != renderer.styles[0] else ''}"
            f"{extension(target)}"
            for s in renderer.styles
        }
        if renderer.plan_hooks:
            assert names <= set(EXPECTED), target
        else:
            assert not names & set(EXPECTED), target


def test_ci_examples_match_the_templates() -> None:
    stale = differences(ci_examples(ROOT / "examples" / "paratest.yaml"), ROOT / "ci-examples")
    assert not stale, f"ci-examples out of date: {stale}: {REGEN}"


def test_regen_check_reports_drift(tmp_path: Path) -> None:
    files = {"gitlab/minimal.yml": "a\n", "k8s/minimal.yaml": "b\n"}
    (tmp_path / "gitlab").mkdir()
    (tmp_path / "gitlab" / "minimal.yml").write_text("a\n")
    (tmp_path / "gitlab" / "stale.yml").write_text("x\n")
    assert differences(files, tmp_path) == ["k8s/minimal.yaml", "gitlab/stale.yml"]
