"""Golden files and `ci-examples/`: which files every renderer produces from which config.

Used by `scripts/regen_golden.py` (writes them) and by the tests (compare them). A *case* is a
configuration file (`tests/fixtures/pipeline/<case>.yaml`, a paratest.yaml); each target renders
it in its default style, and the `minimal` case also in every other style (`<case>--<style>`).
The `plan-hooks` case is built here (`PLAN_HOOKS_CASE`): once-per-plan `setup`/`teardown` with
placeholders, in every style of every target that supports them.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from paratest_split.config import Settings, read_config_file
from paratest_split.core.errors import UsageError
from paratest_split.render import RENDERERS, render
from paratest_split.render.base import spec_from_settings

STYLE_CASE = "minimal"  # the case every non-default style is rendered for
EXAMPLE_SHARDS = 4
# setup in the plan job, teardown in the merge job: with placeholders, a trailing comment and
# characters the CIs interpolate (`$`, `#`, `%`).
PLAN_HOOKS_CASE = "plan-hooks"
PLAN_HOOKS_SETTINGS: dict[str, Any] = {
    "shards": 3,
    "install": "pip install -e '.[test]'",
    "setup": "./ci/shared-db.sh create --shards {shards} --dir {source} # 100% once",
    "teardown": 'cd ci && ./shared-db.sh drop --reports {output} --log "$HOME/db.log"',
    "setup_workspace": "./ci/schema.sh {workspace}",
    "teardown_workspace": "./ci/schema.sh --drop {workspace}",
}
FULL_STYLE_CASES = (STYLE_CASE, PLAN_HOOKS_CASE)  # rendered in every style, not only the first


def extension(target: str) -> str:
    """Golden file extension of a target: its file's suffix, `.groovy` for a Jenkinsfile."""
    filename = PurePosixPath(RENDERERS[target].filename)
    if filename.name.endswith(".gocd.yaml"):
        return ".gocd.yaml"
    return filename.suffix or ".groovy"


def settings_from_file(path: Path, **overrides: object) -> Settings:
    values = read_config_file(path)
    values.update(overrides)
    return Settings(**values)


ERROR_SUFFIX = ".error"  # a golden file holding the usage error a target gives for a case


def golden_files(fixtures: Path) -> dict[str, str]:
    """{`<target>/<case>.<ext>`: text} for every target and every case in `fixtures`; where
    the target refuses the case (a usage error: an agent it cannot use, a hook it cannot run),
    {`<target>/<case>.error`: the message} instead, so a refusal is reviewed like a file."""
    out: dict[str, str] = {}
    cases = [(f.stem, settings_from_file(f)) for f in sorted(fixtures.glob("*.yaml"))]
    cases.append((PLAN_HOOKS_CASE, Settings(**PLAN_HOOKS_SETTINGS)))
    for case, settings in cases:
        spec = spec_from_settings(settings)
        hooks = spec.setup is not None or spec.teardown is not None
        for target, renderer in RENDERERS.items():
            if hooks and not renderer.plan_hooks:
                continue
            styles = renderer.styles if case in FULL_STYLE_CASES else renderer.styles[:1]
            for style in styles:
                name = case if style == renderer.styles[0] else f"{case}--{style}"
                try:
                    out[f"{target}/{name}{extension(target)}"] = render(target, spec, style)
                except UsageError as exc:
                    out[f"{target}/{name}{ERROR_SUFFIX}"] = f"{exc}\n"
    return out


def ci_examples(config: Path) -> dict[str, str]:
    """{`<target>/[<style>/]<file>`: text}: the example project's configuration, every target
    and style (except GitLab's child-jobs part, which its plan job writes)."""
    settings = settings_from_file(config, shards=EXAMPLE_SHARDS)
    spec = spec_from_settings(settings)
    out: dict[str, str] = {}
    for target, renderer in RENDERERS.items():
        for style in renderer.styles:
            if style == "child-jobs":
                continue
            folder = target if style == renderer.styles[0] else f"{target}/{style}"
            out[f"{folder}/{renderer.filename}"] = render(target, spec, style)
    return out


def differences(expected: dict[str, str], root: Path) -> list[str]:
    """Relative paths under `root` that are missing, differ, or should not be there."""
    problems = [
        name
        for name, text in sorted(expected.items())
        if not (root / name).is_file() or (root / name).read_text(encoding="utf-8") != text
    ]
    if root.is_dir():
        present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
        problems += sorted(present - set(expected) - {"README.md"})
    return problems


def write_tree(files: dict[str, str], root: Path) -> None:
    for name, text in sorted(files.items()):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
