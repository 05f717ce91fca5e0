"""HCL values in python-hcl2's dict form, and a checked dict -> text -> dict round trip.

python-hcl2 8.x keeps source forms in its dicts: a string literal is `'"abc"'` (quotes
and HCL escapes included) and anything else shaped like `'${...}'` is an expression.
That makes a plain Python string dangerous: `'${file("/etc/passwd")}'` would be written
as live code. So the generator never puts raw strings into a document. It goes
through `to_hcl`, where every `str` becomes an escaped literal and only an explicit
`Expr` (code written by us, never by a user) becomes an expression.
"""

from __future__ import annotations

import re
from typing import Any

import hcl2
from hcl2 import DeserializerOptions, FormatterOptions

IS_BLOCK = "__is_block__"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_SIMPLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_DUMP_OPTIONS = DeserializerOptions(object_elements_trailing_comma=False)
_FORMAT_OPTIONS = FormatterOptions(open_empty_blocks=False)


class Expr(str):
    """An HCL expression written by the generator itself, e.g. `Expr("var.region")`."""


class HclRoundTripError(RuntimeError):
    """python-hcl2 did not read back what it wrote: the file must not be shipped."""


def escape(value: str) -> str:
    """Escape text for the inside of an HCL quoted string, so it stays literal.

    Backslashes, quotes and control characters get their HCL escapes; `${` and `%{`
    are doubled to `$${` and `%%{`, so no interpolation or directive can start.
    """
    out = []
    for char in value:
        if char in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out).replace("${", "$${").replace("%{", "%%{")


def quote(value: str) -> str:
    """A string literal in python-hcl2's dict form."""
    return f'"{escape(value)}"'


def key(name: str) -> str:
    """An object key: bare when it is an identifier, otherwise a quoted literal."""
    return name if _IDENTIFIER.match(name) else quote(name)


def to_hcl(value: Any) -> Any:
    """Convert a Python value to python-hcl2's dict form (str is always a literal)."""
    if isinstance(value, Expr):
        # python-hcl2 reads a lone identifier (`string`) bare and anything else as `${...}`.
        return str(value) if _IDENTIFIER.match(value) else "${" + value + "}"
    if isinstance(value, str):
        return quote(value)
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, (list, tuple)):
        return [to_hcl(item) for item in value]
    if isinstance(value, dict):
        return {key(k): to_hcl(v) for k, v in value.items()}
    raise TypeError(f"cannot write {type(value).__name__} as an HCL value")


def block(body: dict[str, Any] | None = None, /, **attributes: Any) -> dict[str, Any]:
    """A block body. `attributes` are converted with `to_hcl`; `body` is taken as is
    (nested blocks, already converted values)."""
    return {IS_BLOCK: True, **{name: to_hcl(v) for name, v in attributes.items()}, **(body or {})}


def labelled(*labels: str, body: dict[str, Any]) -> dict[str, Any]:
    """A block with labels, e.g. `labelled("aws_s3_bucket", "this", body=block(...))`."""
    for label in reversed(labels):
        body = {quote(label): body}
    return body


def loads(text: str) -> dict[str, Any]:
    """Parse HCL text. Raises lark's UnexpectedInput (with .line/.column) on syntax
    errors and VisitError on malformed templates such as an unclosed %{ if }."""
    return hcl2.loads(text)


def render(document: dict[str, Any]) -> str:
    """Write a document with `hcl2.dumps` and prove it reads back as the same dict."""
    text = _tidy(hcl2.dumps(document, deserializer_options=_DUMP_OPTIONS, formatter_options=_FORMAT_OPTIONS))
    parsed = hcl2.loads(text)
    parsed.pop("__comments__", None)
    if parsed != document:
        raise HclRoundTripError(f"python-hcl2 round trip changed the document at {_first_difference(document, parsed)}")
    return text


def _tidy(text: str) -> str:
    """Drop the trailing spaces and extra blank lines dumps leaves; values are untouched
    because generated documents contain no heredocs or multi-line strings."""
    lines = [line.rstrip() for line in text.splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    while tidy and not tidy[-1]:
        tidy.pop()
    return "\n".join(tidy) + "\n"


def _first_difference(expected: Any, actual: Any, path: str = "") -> str:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for name in list(expected) + [k for k in actual if k not in expected]:
            if name not in expected or name not in actual:
                return f"{path}/{name}"
            if expected[name] != actual[name]:
                return _first_difference(expected[name], actual[name], f"{path}/{name}")
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for index, (left, right) in enumerate(zip(expected, actual)):
            if left != right:
                return _first_difference(left, right, f"{path}[{index}]")
    return f"{path or '/'}: wrote {expected!r}, read {actual!r}"
