"""The persona's rollout policy, from the config service: timeout and rollback on failure.

Key `k8s.rollout.<persona>` (e.g. `{"rollback_on_failure": true, "timeout_seconds": 120}`).
Unset keys fall back to: the sre persona rolls back a failed direct rollout, the others
leave it for a person to look at; the timeout is MCP_K8S_ROLLOUT_TIMEOUT_SECONDS.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.config.client import get_client
from shared.settings import get_settings

ROLLBACK_BY_DEFAULT = {"sre"}


@dataclass(frozen=True)
class RolloutPolicy:
    rollback_on_failure: bool
    timeout_seconds: float
    source: str


def rollout_policy(persona: str) -> RolloutPolicy:
    settings = get_settings()
    key = f"k8s.rollout.{persona}"
    value = get_client().value(key, default=None, env=settings.env, service="k8s")
    if not isinstance(value, dict):
        return RolloutPolicy(persona in ROLLBACK_BY_DEFAULT, settings.k8s_rollout_timeout_seconds, "defaults")
    return RolloutPolicy(
        bool(value.get("rollback_on_failure", persona in ROLLBACK_BY_DEFAULT)),
        float(value.get("timeout_seconds", settings.k8s_rollout_timeout_seconds)),
        f"config {key}",
    )
