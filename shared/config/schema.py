"""A small JSON Schema subset validator (jsonschema is not installed in this project).

Supported: type (incl. lists of types), enum, const, properties, required,
additionalProperties (bool or schema), items, minItems, maxItems, minimum, maximum,
minLength, maxLength, pattern. Unknown keywords are refused when a schema is stored,
so a schema never silently checks less than it says. Messages name the path and the
rule, never the value (the value may be a secret).
"""

from __future__ import annotations

import re
from typing import Any

SUPPORTED = {"type", "enum", "const", "properties", "required", "additionalProperties", "items", "minItems",
             "maxItems", "minimum", "maximum", "minLength", "maxLength", "pattern", "title", "description",
             "default", "$schema"}
_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def check_schema(schema: Any, path: str = "schema") -> list[str]:
    """Problems with the schema itself (unsupported keywords, unknown types)."""
    if not isinstance(schema, dict):
        return [f"{path}: must be an object"]
    problems = [f"{path}: unsupported keyword {k!r} (supported: {', '.join(sorted(SUPPORTED))})"
                for k in schema if k not in SUPPORTED]
    types = schema.get("type", [])
    for name in [types] if isinstance(types, str) else types:
        if name not in _TYPES:
            problems.append(f"{path}.type: unknown type {name!r}")
    for name, sub in schema.get("properties", {}).items():
        problems += check_schema(sub, f"{path}.properties.{name}")
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            problems += check_schema(schema[key], f"{path}.{key}")
    return problems


def validate(value: Any, schema: dict, path: str = "value") -> list[str]:
    """Every way `value` breaks `schema`, as 'path: rule' lines."""
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else types
        if not any(_TYPES[n](value) for n in names):
            return [f"{path}: must be {' or '.join(names)}, got {_type_name(value)}"]
    problems: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{path}: must be one of {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        problems.append(f"{path}: must equal the schema's const")
    if isinstance(value, dict):
        problems += [f"{path}.{name}: required" for name in schema.get("required", []) if name not in value]
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                problems += validate(item, properties[name], f"{path}.{name}")
            elif extra is False:
                problems.append(f"{path}.{name}: not allowed (allowed: {', '.join(properties)})")
            elif isinstance(extra, dict):
                problems += validate(item, extra, f"{path}.{name}")
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            problems.append(f"{path}: needs at least {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            problems.append(f"{path}: takes at most {schema['maxItems']} items")
        if isinstance(schema.get("items"), dict):
            for index, item in enumerate(value):
                problems += validate(item, schema["items"], f"{path}[{index}]")
    if _TYPES["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            problems.append(f"{path}: must be >= {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            problems.append(f"{path}: must be <= {schema['maximum']}")
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            problems.append(f"{path}: must be at least {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            problems.append(f"{path}: must be at most {schema['maxLength']} characters")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            problems.append(f"{path}: must match {schema['pattern']!r}")
    return problems


def _type_name(value: Any) -> str:
    return next((name for name in ("null", "boolean", "integer", "number", "string", "array", "object")
                 if _TYPES[name](value)), type(value).__name__)
