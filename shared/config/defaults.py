"""Seeded defaults (global scope): the personas and the minimum-persona policy, with their schemas.

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

PERSONAS = ["devops", "sre", "security"]

MIN_PERSONA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["default"],
    "additionalProperties": False,
    "properties": {
        "default": {"enum": PERSONAS, "description": "The least strict persona any run may use"},
        "environments": {
            "type": "object", "additionalProperties": {"enum": PERSONAS},
            "description": "Per target environment of the intent (dev, staging, prod): a stricter minimum",
        },
        "description": {"type": "string", "maxLength": 500},
    },
}

DEFAULTS: list[dict[str, Any]] = [
    # Read by the gateway (services/gateway/persona_policy.py) when a run is created.
    {"key": "policy.min_persona", "json_schema": MIN_PERSONA_SCHEMA, "value": {
        "default": "devops", "environments": {"prod": "security"},
        "description": "A request may ask for a stricter persona, never a laxer one; prod changes get security."}},
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

# Intent parser defaults (services/gateway/intent_defaults.py reads them): what a request
# in words gets when it does not say, each shown to the user with this key as its source.
_REGION_SCHEMAS = {
    "aws": ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2", "eu-west-3",
            "eu-central-1", "eu-north-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1",
            "ap-southeast-2", "ap-south-1", "sa-east-1"],
    "gcp": ["us-central1", "us-east1", "us-west1", "europe-west1", "europe-west3", "asia-northeast1",
            "asia-northeast3", "asia-southeast1"],
    "azure": ["eastus", "eastus2", "westus2", "westeurope", "northeurope", "koreacentral", "japaneast", "southeastasia"],
}
DEFAULTS += [
    {"key": "defaults.cloud", "json_schema": {"type": "string", "enum": ["aws", "gcp", "azure"]}, "value": "aws"},
    {"key": "defaults.environment", "json_schema": {"type": "string", "enum": ["dev", "staging", "prod"]}, "value": "dev"},
    {"key": "defaults.namespace", "json_schema": {"type": "string", "pattern": "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"},
     "value": "apps"},
    *({"key": f"defaults.region.{cloud}", "json_schema": {"type": "string", "enum": regions}, "value": default}
      for (cloud, regions), default in zip(_REGION_SCHEMAS.items(), ("ap-northeast-2", "asia-northeast3", "koreacentral"))),
]
