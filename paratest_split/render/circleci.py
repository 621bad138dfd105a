"""CircleCI: one job with `parallelism: N`, a workspace for the plan and the reports."""

from __future__ import annotations

from paratest_split.render.base import TemplateRenderer

RENDERER = TemplateRenderer(
    name="circleci",
    title="CircleCI",
    filename=".circleci/config.yml",
    index_source="`--index auto`: CIRCLE_NODE_INDEX (0-based) of `parallelism`",
    templates={"default": "circleci/config.yml.j2"},
)
