"""Which cluster a deploy talks to: a kubeconfig context, with its credentials.

A target is one context of one kubeconfig, so several clusters are several contexts.
The kubeconfig comes from the config service's secret `k8s.kubeconfig` (the kubeconfig
YAML as the secret's value, for a user's EKS/GKE/AKS) when one is stored, else from the
file `MCP_KUBECONFIG` (the local cluster that `scripts/cluster.sh` starts). Nothing here
knows the local cluster: whether nodes are simulated is read from the nodes themselves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client, config, dynamic

from shared.settings import get_settings

log = logging.getLogger(__name__)
KUBECONFIG_SECRET = "k8s.kubeconfig"
KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node"


class ClusterUnavailable(RuntimeError):
    """No usable kubeconfig/context: the reason names what to set."""


@dataclass
class ClusterTarget:
    kubeconfig: dict[str, Any]
    context: str
    source: str  # where the kubeconfig came from, for the report ("config secret k8s.kubeconfig", a path)

    @classmethod
    def from_file(cls, path: Path, context: str | None = None) -> ClusterTarget:
        try:
            data = yaml.safe_load(Path(path).read_text())
        except OSError as exc:
            raise ClusterUnavailable(f"kubeconfig {path} cannot be read: {exc}") from exc
        return cls.from_dict(data, context, source=str(path))

    @classmethod
    def from_dict(cls, data: Any, context: str | None, source: str) -> ClusterTarget:
        if not isinstance(data, dict) or not data.get("contexts"):
            raise ClusterUnavailable(f"kubeconfig from {source} has no contexts")
        names = [c["name"] for c in data["contexts"]]
        chosen = context or data.get("current-context") or names[0]
        if chosen not in names:
            raise ClusterUnavailable(f"kubeconfig from {source} has no context {chosen!r} (it has {', '.join(names)})")
        return cls(data, chosen, source)

    def _entry(self, section: str, name: str) -> dict[str, Any]:
        for item in self.kubeconfig.get(section) or []:
            if item.get("name") == name:
                return item.get(section[:-1]) or {}
        raise ClusterUnavailable(f"kubeconfig from {self.source}: {section[:-1]} {name!r} not found")

    @property
    def cluster_name(self) -> str:
        return self._entry("contexts", self.context).get("cluster", "")

    @property
    def user(self) -> str:
        return self._entry("contexts", self.context).get("user", "")

    @property
    def server(self) -> str:
        return self._entry("clusters", self.cluster_name).get("server", "")

    @cached_property
    def api(self) -> client.ApiClient:
        return config.new_client_from_config_dict(self.kubeconfig, context=self.context)

    @cached_property
    def dynamic(self) -> dynamic.DynamicClient:
        return dynamic.DynamicClient(self.api)

    def simulated_nodes(self) -> bool | None:
        """True when every node is a KWOK node (no container runs); None if nodes cannot be listed."""
        try:
            nodes = client.CoreV1Api(self.api).list_node(_request_timeout=10).items
        except client.ApiException:
            return None
        if not nodes:
            return None
        return all((n.metadata.annotations or {}).get(KWOK_NODE_ANNOTATION) == "fake" for n in nodes)

    def describe(self) -> str:
        return f"context {self.context} (cluster {self.cluster_name} at {self.server}, user {self.user})"


def configured_target(context: str | None = None, *, env: str | None = None) -> ClusterTarget | None:
    """The target of this deployment: the config secret, else MCP_KUBECONFIG, else None."""
    settings = get_settings()
    context = context or settings.kube_context
    secret = _kubeconfig_secret(env or settings.env)
    if secret is not None:
        data = yaml.safe_load(secret) if isinstance(secret, str) else secret
        return ClusterTarget.from_dict(data, context, source=f"config secret {KUBECONFIG_SECRET}")
    if settings.kubeconfig is not None:
        return ClusterTarget.from_file(settings.kubeconfig, context)
    return None


def _kubeconfig_secret(env: str) -> Any:
    from shared.config import client as config_client

    resolved = config_client.get_client().get(KUBECONFIG_SECRET, env=env, service="k8s")
    if resolved is None:
        return None
    if not resolved.is_secret:
        raise ClusterUnavailable(f"{KUBECONFIG_SECRET} must be stored as a secret (it holds credentials)")
    return resolved.value
