"""Characters Postgres cannot store: NUL (text columns refuse it) and lone UTF-16 surrogates
(not encodable as UTF-8, so not as JSON/JSONB either); and non-finite numbers (NaN,
Infinity, 1e400), which Python's JSON reader accepts and JSONB refuses.

Why one module: the gateway's request guard, the upload checks and the MCP tools must
refuse the same characters with the same words, before any of them reaches a store.
`find_unstorable` walks nested JSON-like values iteratively (a hostile body can be nested
far deeper than Python's recursion limit) and checks keys as well as values.
"""

from __future__ import annotations

import math
import re
from typing import Any

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

Location = tuple[str | int, ...]


def describe(char: str) -> str:
    """What the character is, in words a caller understands."""
    return "a NUL character (\\u0000)" if char == "\x00" else f"a lone surrogate (\\u{ord(char):04x}, not valid Unicode)"


def first_unstorable(text: str) -> str | None:
    match = UNSTORABLE.search(text)
    return match.group() if match else None


def find_unstorable(value: Any, root: Location = ()) -> tuple[Location, str] | None:
    """The location of the first unstorable character in `value` (keys and values, nested) and a
    description of it; None when everything is storable."""
    stack: list[tuple[Location, Any]] = [(root, value)]
    while stack:
        loc, item = stack.pop()
        if isinstance(item, str):
            if (match := UNSTORABLE.search(item)) is not None:
                where = f" at line {item.count(chr(10), 0, match.start()) + 1}" if "\n" in item else ""
                return loc, describe(match.group()) + where
        elif isinstance(item, float) and not math.isfinite(item):
            return loc, "a number JSON cannot store (NaN, Infinity or out of range)"
        elif isinstance(item, dict):
            for key, sub in reversed(list(item.items())):
                if isinstance(key, str) and (char := first_unstorable(key)) is not None:
                    return (*loc, key), f"{describe(char)} in a key"
                stack.append(((*loc, key), sub))
        elif isinstance(item, list | tuple):
            stack.extend(((*loc, index), sub) for index, sub in reversed(list(enumerate(item))))
    return None


def field_name(loc: Location) -> str:
    """`("intent", "app", 0)` -> `intent.app.0` (the form the gateway's 422 bodies use)."""
    parts = [str(part).encode("utf-8", "backslashreplace").decode().replace("\x00", "\\u0000") for part in loc]
    return ".".join(parts) or "body"


def escaped(value: Any) -> Any:
    """A copy with every unstorable character written as its escape (`\\u0000`): for audit rows
    that must record what a refused caller sent without storing the character itself."""
    if isinstance(value, str):
        return UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", value)
    if isinstance(value, dict):
        return {escaped(key) if isinstance(key, str) else key: escaped(sub) for key, sub in value.items()}
    if isinstance(value, list | tuple):
        return [escaped(sub) for sub in value]
    return value
