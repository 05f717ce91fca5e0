"""MCP_K8S_3: no floating image tags that checkov's CKV_K8S_14 accepts.

Why our own check: CKV_K8S_14 fails only ``latest`` and a missing tag. Tags such as
``stable``, ``mainline``, ``edge`` or ``nightly`` move just the same, so the image
that runs is not the one that was reviewed. A digest always passes. ``latest`` and
untagged images are left to CKV_K8S_14 so one mistake gives one finding.
"""

from __future__ import annotations

import re
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.kubernetes.checks.resource.base_spec_check import BaseK8Check

from services.policy.checks import WORKLOAD_KINDS, containers, pod_spec

#: Tags that name a channel, not a release.
FLOATING_TAGS = frozenset(
    {"stable", "mainline", "edge", "nightly", "main", "master", "dev", "develop", "devel", "head",
     "lts", "current", "canary", "beta", "alpha", "rc", "snapshot", "testing", "unstable", "rolling", "release"}
)
#: ``name[:tag]`` after an optional ``host[:port]/`` prefix.
_TAG = re.compile(r":([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$")


def image_tag(image: str) -> str | None:
    last = image.rsplit("/", 1)[-1]
    match = _TAG.search(last)
    return match.group(1) if match else None


class FloatingImageTag(BaseK8Check):
    def __init__(self) -> None:
        super().__init__(
            name="Images must not use a floating tag such as stable, mainline or edge",
            id="MCP_K8S_3",
            categories=(CheckCategories.KUBERNETES,),
            supported_entities=WORKLOAD_KINDS,
        )

    def scan_spec_conf(self, conf: dict[str, Any]) -> CheckResult:
        spec = pod_spec(conf)
        if spec is None:
            return CheckResult.UNKNOWN
        for index, (field, container) in enumerate(containers(spec)):
            image = container.get("image")
            if not isinstance(image, str) or "@" in image:
                continue
            tag = image_tag(image.strip())
            if tag is not None and tag.lower() in FLOATING_TAGS:
                self.evaluated_keys = [f"{field}/[{index}]/image"]
                return CheckResult.FAILED
        return CheckResult.PASSED


check = FloatingImageTag()
