"""Golden files (tests/golden/<ci>/<case>.<ext>) and ci-examples/ must match the templates.

Cases are discovered from the golden tree; a case without a fixture, a fixture without golden
files, or any drift fails. Regenerate with `python scripts/regen_golden.py` and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from paratest_split.render import RENDERERS
from paratest_split.render.examples import (
    ERROR_SUFFIX,
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
    assert name.endswith((extension(target), ERROR_SUFFIX))
    if "--" in name:
        assert name.split("--")[0] in FULL_STYLE_CASES
    actual = (GOLDEN / case).read_text(encoding="utf-8")
    assert actual == EXPECTED[case], f"tests/golden/{case} is out of date: {REGEN}"


def test_plan_hooks_case_covers_every_style_of_every_target_that_runs_them() -> None:
    for target, renderer in RENDERERS.items():
        stems = [
            f"{target}/{PLAN_HOOKS_CASE}{'--' + s if s != renderer.styles[0] else ''}"
            for s in renderer.styles
        ]
        present = {stem for stem in stems if f"{stem}{extension(target)}" in EXPECTED} | {
            stem for stem in stems if f"{stem}{ERROR_SUFFIX}" in EXPECTED
        }
        if renderer.plan_hooks:  # rendered, or refused with a reviewed message (gocd teardown)
            assert present == set(stems), target
        else:
            assert not present, target


def test_refusals_are_usage_errors_that_say_why() -> None:
    refusals = {name: text for name, text in EXPECTED.items() if name.endswith(ERROR_SUFFIX)}
    assert set(refusals) == {
        "circleci/agents.error",  # `integration` is no docker resource class
        "circleci/hostile.error",
        "gocd/plan-hooks.error",  # no job surely runs after failed shards
        "k8s/hostile.error",  # `linux && docker: big` is no label value
    }
    for name, text in refusals.items():
        target = name.split("/")[0]
        assert text.startswith(f"pipeline {target}: "), text


def test_ci_examples_match_the_templates() -> None:
    stale = differences(ci_examples(ROOT / "examples" / "paratest.yaml"), ROOT / "ci-examples")
    assert not stale, f"ci-examples out of date: {stale}: {REGEN}"


def test_regen_check_reports_drift(tmp_path: Path) -> None:
    files = {"gitlab/minimal.yml": "a\n", "k8s/minimal.yaml": "b\n"}
    (tmp_path / "gitlab").mkdir()
    (tmp_path / "gitlab" / "minimal.yml").write_text("a\n")
    (tmp_path / "gitlab" / "stale.yml").write_text("x\n")
    assert differences(files, tmp_path) == ["k8s/minimal.yaml", "gitlab/stale.yml"]
