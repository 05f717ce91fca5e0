"""MCP Cloud's own checkov checks, for rules checkov 3.3.30 does not cover.

checkov loads every ``.py`` file here as an external check (``--external-checks-dir``
or ``registry.load_external_checks``); it needs this ``__init__.py`` or it skips the
folder without a word. Each file holds one small check class with a stable id
(``MCP_K8S_n`` for Kubernetes, ``MCP_AWS_n`` for Terraform/AWS), mapped to a
guardrail in ``services/policy/guardrails``. File names start with ``mcp_`` because
checkov imports them as top-level modules by file name: a file called ``yaml.py``
would shadow the real module.

The helpers below are shared by the Kubernetes checks: they find the pod spec of
every workload kind and walk all its containers, because the gaps we close are
exactly the places checkov's own checks do not look (init containers, ephemeral
containers, explicit values checkov accepts).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: Workload kinds whose pod spec sits at spec.template.spec.
TEMPLATE_KINDS = ("Deployment", "DeploymentConfig", "DaemonSet", "Job", "ReplicaSet", "ReplicationController", "StatefulSet")
#: Every kind that carries a pod spec.
WORKLOAD_KINDS = ("Pod", "PodTemplate", "CronJob", *TEMPLATE_KINDS)
CONTAINER_FIELDS = ("containers", "initContainers", "ephemeralContainers")


def pod_spec(conf: dict[str, Any]) -> dict[str, Any] | None:
    """The pod spec of a workload, or None when the manifest has none."""
    kind = conf.get("kind")
    path: tuple[str, ...]
    if kind == "Pod":
        path = ("spec",)
    elif kind == "PodTemplate":
        path = ("template", "spec")
    elif kind == "CronJob":
        path = ("spec", "jobTemplate", "spec", "template", "spec")
    elif kind in TEMPLATE_KINDS:
        path = ("spec", "template", "spec")
    else:
        return None
    node: Any = conf
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node if isinstance(node, dict) else None


def containers(spec: dict[str, Any], fields: tuple[str, ...] = CONTAINER_FIELDS) -> Iterator[tuple[str, dict[str, Any]]]:
    """(field, container) for every container of the given kinds in a pod spec."""
    for fld in fields:
        items = spec.get(fld)
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict):
                    yield fld, item


def security_context(node: dict[str, Any]) -> dict[str, Any]:
    context = node.get("securityContext")
    return context if isinstance(context, dict) else {}


def is_uid_zero(value: Any) -> bool:
    """runAsUser 0, also when a templating step left it as the string "0"."""
    return value is not None and not isinstance(value, bool) and str(value).strip() == "0"
