"""CircleCI: one job with `parallelism: N`, a workspace for the plan and the reports."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from paratest_split.core.errors import UsageError
from paratest_split.render.base import PipelineSpec, TemplateRenderer

# Resource classes of CircleCI's docker executor (x86 and Arm); a self-hosted container
# runner's class is `namespace/name`.
DOCKER_CLASSES = (
    "small",
    "medium",
    "medium+",
    "large",
    "xlarge",
    "2xlarge",
    "2xlarge+",
    "arm.medium",
    "arm.large",
    "arm.xlarge",
    "arm.2xlarge",
)
_RUNNER_CLASS = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


def resource_class(agent: str) -> str:
    """`--agent` as the docker executor's `resource_class`, or a usage error that lists what
    CircleCI accepts there (a class name it does not know makes the whole config invalid)."""
    if agent in DOCKER_CLASSES or _RUNNER_CLASS.fullmatch(agent):
        return agent
    raise UsageError(
        f"pipeline circleci: --agent {agent!r} is not a resource class of the docker executor: "
        f"use one of {', '.join(DOCKER_CLASSES)}, or a container runner's NAMESPACE/NAME"
    )


def _context(spec: PipelineSpec) -> Mapping[str, Any]:
    return {"resource_class": resource_class(spec.agent) if spec.agent else None}


RENDERER = TemplateRenderer(
    name="circleci",
    title="CircleCI",
    filename=".circleci/config.yml",
    index_source="`--index auto`: CIRCLE_NODE_INDEX (0-based) of `parallelism`",
    templates={"default": "circleci/config.yml.j2"},
    context=_context,
)
