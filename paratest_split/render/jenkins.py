"""Jenkins: a declarative Jenkinsfile (matrix over the shard index) or a scripted one."""

from __future__ import annotations

from paratest_split.render.base import TemplateRenderer

RENDERER = TemplateRenderer(
    name="jenkins",
    title="Jenkins",
    filename="Jenkinsfile",
    index_source="none: the Jenkinsfile passes `--index` (matrix axis `SHARD`, 0-based)",
    templates={
        "declarative": "jenkins/declarative.groovy.j2",
        "scripted": "jenkins/scripted.groovy.j2",
    },
)
