"""Seeded defaults (global scope): the personas, with their schema.

Why here: the policy worker's persona thresholds (services/policy/scanner.py,
PERSONA_BLOCKS_AT) become run-time configuration; these values match them, so seeding
changes no behaviour. Seeding never overwrites a value an operator has changed.
Only settings a service reads are seeded: a key nothing reads would look like a switch
(there is deliberately none to turn a guardrail off).
"""

from __future__ import annotations

from typing import Any

SEVERITIES = ["LOW", "MEDIUM", "HIGH", "CRITICAL"]

PERSONA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["blocks_at"],
    "additionalProperties": False,
    "properties": {
        "blocks_at": {"type": ["string", "null"], "enum": [*SEVERITIES, None],
                      "description": "From which severity a non-blocking finding blocks (null: never)"},
        "description": {"type": "string", "maxLength": 500},
    },
}

DEFAULTS: list[dict[str, Any]] = [
    {"key": "persona.devops", "json_schema": PERSONA_SCHEMA, "value": {
        "blocks_at": None,
        "description": "Ships changes; blocking guardrails block, other findings are reported."}},
    {"key": "persona.security", "json_schema": PERSONA_SCHEMA, "value": {
        "blocks_at": "MEDIUM",
        "description": "Any finding of MEDIUM or above blocks the run."}},
    {"key": "persona.sre", "json_schema": PERSONA_SCHEMA, "value": {
        "blocks_at": None,
        "description": "Operates services; blocking guardrails block, other findings are reported."}},
]
