"""Bamboo: YAML specs with a plan stage, one job per shard in a stage, a final merge stage."""

from __future__ import annotations

from paratest_split.render.base import PipelineSpec, TemplateRenderer, render_template
from paratest_split.render.gocd import persistent_history_note


class BambooRenderer(TemplateRenderer):
    def render(self, spec: PipelineSpec, style: str) -> str:
        return render_template(
            self.templates[style],
            spec=spec,
            style=style,
            history_note=persistent_history_note(spec, "Bamboo"),
        )


RENDERER = BambooRenderer(
    name="bamboo",
    title="Bamboo",
    filename="bamboo-specs/bamboo.yml",
    index_source="none: each shard job passes its own `--index`",
    templates={"default": "bamboo/bamboo.yml.j2"},
)
