"""MCP_K8S_1: no explicit runAsUser 0 anywhere in a pod.

Why our own check: checkov's CKV_K8S_23 reads app containers only, and it passes a
container with runAsUser 0 when the pod sets runAsNonRoot true (the kubelet then
refuses to start it, so the manifest is broken as well as asking for root). An
explicit UID 0 on the pod, a container, an init container or an ephemeral container
is always a request for root, and the guardrail must say so.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.kubernetes.checks.resource.base_spec_check import BaseK8Check

from services.policy.checks import WORKLOAD_KINDS, containers, is_uid_zero, pod_spec, security_context


class ExplicitRootUid(BaseK8Check):
    def __init__(self) -> None:
        super().__init__(
            name="Pods and containers must not set runAsUser to 0 (root)",
            id="MCP_K8S_1",
            categories=(CheckCategories.KUBERNETES,),
            supported_entities=WORKLOAD_KINDS,
        )

    def scan_spec_conf(self, conf: dict[str, Any]) -> CheckResult:
        spec = pod_spec(conf)
        if spec is None:
            return CheckResult.UNKNOWN
        if is_uid_zero(security_context(spec).get("runAsUser")):
            self.evaluated_keys = ["securityContext/runAsUser"]
            return CheckResult.FAILED
        for field, container in containers(spec):
            if is_uid_zero(security_context(container).get("runAsUser")):
                self.evaluated_keys = [f"{field}/securityContext/runAsUser"]
                return CheckResult.FAILED
        return CheckResult.PASSED


check = ExplicitRootUid()
