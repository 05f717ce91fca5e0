"""Persona strictness from the config service (`persona.<name>`, seeded by `mcpcloud config seed`).

Only non-blocking findings depend on it: blocking guardrails block for every persona.
If the config service cannot answer, the built-in table (scanner.PERSONA_BLOCKS_AT)
applies, and the step log says so.
"""

from __future__ import annotations

import logging

from shared.config import ConfigUnavailable, get_client
from shared.contracts import Persona, Severity
from shared.settings import get_settings

from services.policy.scanner import DEFAULT_THRESHOLD

log = logging.getLogger(__name__)


def blocks_at(persona: Persona) -> tuple[Severity | None | object, str]:
    """The severity from which this persona's non-blocking findings block, and its source."""
    try:
        value = get_client().value(f"persona.{persona.value}", env=get_settings().env, service="policy")
    except ConfigUnavailable as exc:
        log.warning("persona %s: config service unavailable (%s); built-in thresholds apply", persona.value, exc)
        return DEFAULT_THRESHOLD, "built-in (config service unavailable)"
    if not isinstance(value, dict) or "blocks_at" not in value:
        return DEFAULT_THRESHOLD, "built-in (no persona config)"
    threshold = value["blocks_at"]
    return (Severity(threshold) if threshold else None), f"config persona.{persona.value}"
