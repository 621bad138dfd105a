"""Buildkite: a step with `parallelism: N`, artifacts through `buildkite-agent`."""

from __future__ import annotations

from paratest_split.render.base import TemplateRenderer

RENDERER = TemplateRenderer(
    name="buildkite",
    title="Buildkite",
    filename=".buildkite/pipeline.yml",
    index_source="`--index auto`: BUILDKITE_PARALLEL_JOB (0-based) of `parallelism`",
    templates={"default": "buildkite/pipeline.yml.j2"},
)
