"""Bamboo: YAML specs with a plan stage, one job per shard in a stage, a final merge stage."""

from __future__ import annotations

from paratest_split.render.base import TemplateRenderer

RENDERER = TemplateRenderer(
    name="bamboo",
    title="Bamboo",
    filename="bamboo-specs/bamboo.yml",
    index_source="none: each shard job passes its own `--index`",
    templates={"default": "bamboo/bamboo.yml.j2"},
)
