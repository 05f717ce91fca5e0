"""The minimum persona: a server-side policy, so a requester cannot pick a laxer one.

The policy is the config key `policy.min_persona` (seeded in shared/config/defaults.py),
resolved at the gateway's scope (MCP env, service `gateway`, the tenant when one is
given): `{"default": "devops", "environments": {"prod": "security"}}` names the least
strict persona a run may use, per target environment of the intent. A request may ask
for a stricter persona; a laxer one is raised to the minimum. Personas are ordered
devops = sre < security (devops and sre share thresholds; security blocks from MEDIUM).

When the key is missing or the config service does not answer, the built-in policy
(the same values as the seed) applies, and the run records that it did.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from shared.config.client import ConfigUnavailable, get_client
from shared.contracts import Persona
from shared.settings import get_settings

log = logging.getLogger(__name__)

POLICY_KEY = "policy.min_persona"
STRICTNESS = {Persona.devops: 0, Persona.sre: 0, Persona.security: 1}
BUILT_IN: dict[str, Any] = {"default": "devops", "environments": {"prod": "security"}}


@dataclass(frozen=True)
class PersonaDecision:
    requested: Persona
    applied: Persona
    minimum: Persona
    source: dict[str, Any]

    @property
    def raised(self) -> bool:
        return self.applied is not self.requested


def _policy(tenant: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        found = get_client().get(POLICY_KEY, env=get_settings().env, service="gateway", tenant=tenant)
    except ConfigUnavailable as exc:
        log.warning("%s: config service unavailable (%s); the built-in policy applies", POLICY_KEY, exc)
        return BUILT_IN, {"key": POLICY_KEY, "source": "built-in (config service unavailable)"}
    if found is None or not isinstance(found.value, dict):
        return BUILT_IN, {"key": POLICY_KEY, "source": f"built-in (no {POLICY_KEY} in config)"}
    return found.value, {"key": POLICY_KEY, "source": "config", "scope": found.scope, "version": found.version}


def decide(requested: Persona, environment: str, tenant: str | None = None) -> PersonaDecision:
    """The persona a run of this environment uses, and which policy said so."""
    policy, source = _policy(tenant)
    by_environment = policy.get("environments") or {}
    rule = f"environments.{environment}" if environment in by_environment else "default"
    minimum = Persona(by_environment.get(environment, policy.get("default", "devops")))
    applied = requested if STRICTNESS[requested] >= STRICTNESS[minimum] else minimum
    return PersonaDecision(requested, applied, minimum,
                           {**source, "rule": rule, "environment": environment, "minimum": minimum.value})
