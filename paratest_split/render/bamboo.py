"""Bamboo: YAML specs with a plan stage, one job per shard in a stage, a final merge stage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paratest_split.render.base import PipelineSpec, TemplateRenderer
from paratest_split.render.gocd import persistent_history_note


def _context(spec: PipelineSpec) -> Mapping[str, Any]:
    return {"history_note": persistent_history_note(spec, "Bamboo")}


RENDERER = TemplateRenderer(
    name="bamboo",
    title="Bamboo",
    filename="bamboo-specs/bamboo.yml",
    index_source="none: each shard job passes its own `--index`",
    templates={"default": "bamboo/bamboo.yml.j2"},
    context=_context,
)
