"""The intent parser: a request in words -> ParsedRequest (no framework code here).

`parse_request(text, persona=..., defaults=...)` is pure and deterministic; the gateway
builds `IntentDefaults` from the config service (services/gateway/intent_defaults.py).
"""

from services.gateway.intents.defaults import AppDefault, IntentDefaults, Sourced
from services.gateway.intents.parser import parse_request

__all__ = ["AppDefault", "IntentDefaults", "Sourced", "parse_request"]
