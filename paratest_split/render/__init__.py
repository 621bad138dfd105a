"""`paratest-split pipeline TARGET`: ready CI configurations from Jinja2 templates.

`RENDERERS` is the one registry of the built-in targets: it feeds the docs table, the golden-file
tests and `scripts/regen_golden.py`, and our pyproject registers each of them in the entry-point
group `paratest_split.renderers`, where third-party renderers join them
(`plugins.load_renderer`, which imports this package, never the other way round).
"""

from __future__ import annotations

from paratest_split.config import Settings
from paratest_split.core.errors import UsageError
from paratest_split.render import (
    azure,
    bamboo,
    buildkite,
    circleci,
    github,
    gitlab,
    gocd,
    jenkins,
    k8s,
    teamcity,
)
from paratest_split.render.base import PipelineSpec, Renderer, spec_from_settings

__all__ = [
    "RENDERERS",
    "PipelineSpec",
    "Renderer",
    "history_note",
    "render",
    "render_settings",
    "resolve_style",
]

RENDERERS: dict[str, Renderer] = {
    r.name: r
    for r in (
        jenkins.RENDERER,
        gitlab.RENDERER,
        gocd.RENDERER,
        github.RENDERER,
        circleci.RENDERER,
        buildkite.RENDERER,
        azure.RENDERER,
        teamcity.RENDERER,
        bamboo.RENDERER,
        k8s.RENDERER,
    )
}


def resolve_style(renderer: Renderer, style: str | None, *, child: bool = False) -> str:
    if child:
        if "child" not in renderer.styles:
            raise UsageError(f"pipeline {renderer.name}: --child is only for gitlab")
        if style not in (None, "child"):
            raise UsageError(f"pipeline {renderer.name}: --child conflicts with --style {style}")
        return "child"
    if style is None:
        return renderer.styles[0]
    if style not in renderer.styles:
        raise UsageError(
            f"pipeline {renderer.name}: unknown --style {style!r} "
            f"(choose from {', '.join(renderer.styles)})"
        )
    return style


def _renderer(target: str | Renderer) -> Renderer:
    """A renderer, or a built-in one by name. Plugins are found by `plugins.load_renderer`
    (the entry points are the adapters' business, never this package's)."""
    if not isinstance(target, str):
        return target
    renderer = RENDERERS.get(target)
    if renderer is None:
        raise UsageError(
            f"pipeline: unknown target {target!r} (choose from {', '.join(sorted(RENDERERS))})"
        )
    return renderer


def render(target: str | Renderer, spec: PipelineSpec, style: str | None = None) -> str:
    """The configuration file of `target` (a renderer, or a built-in one's name) for `spec`,
    as text. Deterministic: same spec, same bytes."""
    renderer = _renderer(target)
    return _render(renderer, spec, resolve_style(renderer, style))


def _render(renderer: Renderer, spec: PipelineSpec, style: str) -> str:
    """`renderer`'s file for `spec` in `style` (already resolved), after the checks every
    target gets: its executor limit and whether it can run once-per-plan hooks."""
    if spec.shards > renderer.max_shards:
        raise UsageError(
            f"pipeline {renderer.name}: {renderer.title} runs at most {renderer.max_shards} "
            f"parallel executors, --shards is {spec.shards}"
        )
    if not renderer.plan_hooks and (spec.setup or spec.teardown):
        raise UsageError(
            f"pipeline {renderer.name}: setup/teardown run once per plan, which "
            f"{renderer.title} cannot do (no job runs before all shards, none surely after "
            "them): run them around the CI step that starts these jobs, or use "
            "setup_workspace/teardown_workspace"
        )
    return renderer.render(spec, style)


# Targets whose builds hand no files on to the next build: the history must live in a
# directory that persists (`render.gocd.persistent_history_note`).
NO_HANDOVER = {"gocd": "GoCD", "bamboo": "Bamboo"}


def history_note(target: str, settings: Settings) -> str | None:
    """What `pipeline` says on stderr when the file it wrote cannot hand the timing history to
    the next build as configured (a relative history_dir on GoCD or Bamboo), else None."""
    ci = NO_HANDOVER.get(target)
    if ci is None or settings.history_dir.startswith("/"):
        return None
    lines = gocd.persistent_history_note(spec_from_settings(settings), ci)
    return f"note: {ci} does not pass files from one build to the next: " + " ".join(lines)


def render_settings(target: str | Renderer, settings: Settings) -> str:
    """`render` for the `pipeline` command's settings (their style and --child)."""
    renderer = _renderer(target)
    style = resolve_style(renderer, settings.style, child=settings.child)
    return _render(renderer, spec_from_settings(settings), style)
