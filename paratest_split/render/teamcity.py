"""TeamCity: Kotlin DSL settings with a plan, N shard build configurations, a merge and a
composite build that shows them as one."""

from __future__ import annotations

from paratest_split.render.base import TemplateRenderer

RENDERER = TemplateRenderer(
    name="teamcity",
    title="TeamCity",
    filename=".teamcity/settings.kts",
    index_source="none: each shard build configuration passes its own `--index`",
    templates={"default": "teamcity/settings.kts.j2"},
)
