"""Seeded defaults (global scope): personas and guardrail settings, with their schemas.

Why here: the policy worker's persona thresholds (services/policy/scanner.py,
PERSONA_BLOCKS_AT) become run-time configuration; these values match them, so seeding
changes no behaviour. Seeding never overwrites a value an operator has changed.
"""

from __future__ import annotations

from typing import Any

SEVERITIES = ["LOW", "MEDIUM", "HIGH", "CRITICAL"]

PERSONA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["policy_strictness", "blocks_at", "requires_approval"],
    "additionalProperties": False,
    "properties": {
        "policy_strictness": {"type": "string", "enum": ["relaxed", "standard", "strict"]},
        "blocks_at": {"type": ["string", "null"], "enum": [*SEVERITIES, None],
                      "description": "From which severity a non-blocking finding blocks (null: never)"},
        "requires_approval": {"type": "boolean"},
        "description": {"type": "string", "maxLength": 500},
    },
}

GUARDRAILS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["fail_closed", "disabled_guardrails"],
    "additionalProperties": False,
    "properties": {
        "fail_closed": {"type": "boolean", "description": "A scanner error blocks the run"},
        "disabled_guardrails": {"type": "array", "items": {"type": "string", "pattern": "^GR-[A-Z0-9-]+$"}},
        "plain_findings_default_severity": {"type": "string", "enum": SEVERITIES},
        "max_files": {"type": "integer", "minimum": 1, "maximum": 10000},
    },
}

DEFAULTS: list[dict[str, Any]] = [
    {"key": "persona.devops", "json_schema": PERSONA_SCHEMA, "value": {
        "policy_strictness": "standard", "blocks_at": None, "requires_approval": True,
        "description": "Ships changes; blocking guardrails block, other findings are reported."}},
    {"key": "persona.security", "json_schema": PERSONA_SCHEMA, "value": {
        "policy_strictness": "strict", "blocks_at": "MEDIUM", "requires_approval": True,
        "description": "Any finding of MEDIUM or above blocks the run."}},
    {"key": "persona.sre", "json_schema": PERSONA_SCHEMA, "value": {
        "policy_strictness": "standard", "blocks_at": None, "requires_approval": True,
        "description": "Operates services; blocking guardrails block, other findings are reported."}},
    {"key": "guardrails.settings", "json_schema": GUARDRAILS_SCHEMA, "value": {
        "fail_closed": True, "disabled_guardrails": [], "plain_findings_default_severity": "LOW", "max_files": 300}},
]
