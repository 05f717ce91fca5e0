"""MCP_K8S_2: init containers must run as non-root too.

Why our own check: CKV_K8S_23 (root containers) never looks at initContainers, yet
init containers are where root sneaks in ("chown the volume first"). The rule is
CKV_K8S_23's, applied to init containers: the container's securityContext overrides
the pod's; runAsNonRoot true or a runAsUser above 0 passes; an explicit
runAsNonRoot false or runAsUser 0 fails even when the pod says otherwise.
Workloads without init containers are not applicable (no result).
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.kubernetes.checks.resource.base_spec_check import BaseK8Check

from services.policy.checks import WORKLOAD_KINDS, containers, is_uid_zero, pod_spec, security_context


def _runs_as_non_root(pod: dict[str, Any], container: dict[str, Any]) -> bool:
    context = security_context(container)
    non_root = context.get("runAsNonRoot", pod.get("runAsNonRoot"))
    uid = context.get("runAsUser", pod.get("runAsUser"))
    if is_uid_zero(uid) or non_root is False:
        return False
    if non_root is True:
        return True
    return isinstance(uid, int) and not isinstance(uid, bool) and uid > 0


class InitContainersNonRoot(BaseK8Check):
    def __init__(self) -> None:
        super().__init__(
            name="Init containers must run as non-root",
            id="MCP_K8S_2",
            categories=(CheckCategories.KUBERNETES,),
            supported_entities=WORKLOAD_KINDS,
        )

    def scan_spec_conf(self, conf: dict[str, Any]) -> CheckResult:
        spec = pod_spec(conf)
        if spec is None:
            return CheckResult.UNKNOWN
        init = list(containers(spec, ("initContainers",)))
        if not init:
            return CheckResult.UNKNOWN
        pod = security_context(spec)
        for index, (_, container) in enumerate(init):
            if not _runs_as_non_root(pod, container):
                self.evaluated_keys = [f"initContainers/[{index}]/securityContext"]
                return CheckResult.FAILED
        return CheckResult.PASSED


check = InitContainersNonRoot()
