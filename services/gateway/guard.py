"""The request guard: unstorable characters and oversized bodies are refused before any route runs.

Why a middleware (pure ASGI, so streaming and SSE responses pass untouched): a NUL or a
lone surrogate reaching Postgres is a 500, and it can come in through any route, the
mounted MCP endpoint included, in a path parameter, a query parameter, a header, a JSON
key or value at any depth, or a form field. One check here covers them all with one answer: a
422 `ErrorBody` naming the field. The body is read to its end before answering, so the
client's keep-alive connection stays usable. Bodies over `gateway_max_body_bytes` get 413.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.contracts.errors import FieldProblem
from shared.settings import get_settings
from shared.storable import Location, describe, field_name, find_unstorable, first_unstorable

from services.gateway.errors import error_response


class _Refused(Exception):
    def __init__(self, status: int, field: str, message: str) -> None:
        self.status, self.field, self.message = status, field, message


def _check(value: Any, root: Location) -> None:
    found = find_unstorable(value, root)
    if found is not None:
        loc, what = found
        raise _Refused(422, field_name(loc), f"holds {what}, which cannot be stored; remove it")


class RequestGuard:
    def __init__(self, app: ASGIApp, openapi: Callable[[], dict] | None = None) -> None:
        self.app = app
        self._openapi = openapi
        self._patterns: list[re.Pattern] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body: bytes | None = None
        try:
            self._check_path(scope)
            self._check_query(scope)
            self._check_headers(scope)
            body = await self._read_body(scope, receive)
            if body is not None:
                await self._check_body(scope, body)
        except _Refused as refused:
            if body is None and refused.status != 413:  # answer once the request is read: keep-alive holds
                await self._drain(receive)
            response = error_response(refused.status, f"invalid request: {refused.field}: {refused.message}",
                                      [FieldProblem(field=refused.field, message=refused.message)],
                                      headers={"Connection": "close"} if refused.status == 413 else None)
            await response(scope, receive, send)
            return
        if body is None:
            await self.app(scope, receive, send)
        else:
            await self.app(scope, _replay(body, receive), send)

    # -- where characters can come in -------------------------------------------------

    def _check_path(self, scope: Scope) -> None:
        path: str = scope.get("path", "")
        if first_unstorable(path) is None:
            return
        for pattern in self._path_patterns():
            if (match := pattern.fullmatch(path)) is not None:
                for name, value in match.groupdict().items():
                    _check(value, ("path", name))
        _check(path, ("path",))

    def _path_patterns(self) -> list[re.Pattern]:
        """The documented path templates as regexes, to name the parameter a character sits in
        (a template's last parameter may span segments: `{path:path}` routes)."""
        if self._patterns is None:
            templates = list(self._openapi().get("paths", {})) if self._openapi else []
            patterns = []
            for greedy_last in (False, True):
                for template in templates:
                    parts = re.split(r"(\{[^}]+\})", template)
                    names = [p for p in parts if p.startswith("{")]
                    regex = "".join(
                        (f"(?P<{p[1:-1]}>.+)" if greedy_last and p == names[-1] else f"(?P<{p[1:-1]}>[^/]+)")
                        if p.startswith("{") else re.escape(p) for p in parts)
                    if names:
                        patterns.append(re.compile(regex, re.S))
            self._patterns = patterns
        return self._patterns

    def _check_query(self, scope: Scope) -> None:
        raw = scope.get("query_string", b"").decode("latin-1")
        if not raw:
            return
        for name, value in parse_qsl(raw, keep_blank_values=True):
            if (char := first_unstorable(name)) is not None:
                raise _Refused(422, field_name(("query", name)), f"the parameter name holds {describe(char)}")
            _check(value, ("query", name))

    @staticmethod
    def _check_headers(scope: Scope) -> None:
        """Some servers' parsers pass a NUL in a header value; Idempotency-Key is stored."""
        for name, value in scope.get("headers", []):
            if b"\x00" in value:
                raise _Refused(422, field_name(("header", name.decode("latin-1"))),
                               "holds a NUL character (\\u0000), which cannot be stored; remove it")

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes | None:
        """The whole body when there is one worth checking (JSON or a form); None otherwise."""
        if scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            return None
        limit = get_settings().gateway_max_body_bytes
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            raise _Refused(413, "body", f"{length} bytes; the limit is {limit} bytes (MCP_GATEWAY_MAX_BODY_BYTES)")
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _Refused(413, "body", f"more than {limit} bytes; the limit is {limit} (MCP_GATEWAY_MAX_BODY_BYTES)")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _check_body(self, scope: Scope, body: bytes) -> None:
        kind = (_header(scope, b"content-type") or "").split(";")[0].strip().lower()
        if kind == "application/json" or kind.endswith("+json"):
            try:
                parsed = json.loads(body)
            except RecursionError:
                raise _Refused(422, "body", "the JSON is nested too deeply to read; flatten it") from None
            except ValueError:
                return  # not JSON: the route's own parser answers (422 json_invalid)
            _check(parsed, ())
        elif kind == "application/x-www-form-urlencoded":
            for name, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
                _check({name: value}, ())
        elif kind == "multipart/form-data":
            await self._check_multipart(scope, body)

    async def _check_multipart(self, scope: Scope, body: bytes) -> None:
        request = Request(scope, _replay(body, _disconnected))
        try:
            form = await request.form()
        except Exception:  # malformed multipart: the route's own parser answers with its 400/422
            return
        try:
            for name, value in form.multi_items():
                if (char := first_unstorable(name)) is not None:
                    raise _Refused(422, field_name((name,)), f"the field name holds {describe(char)}")
                if isinstance(value, UploadFile):
                    _check(value.filename or "", (name, "filename"))
                else:
                    _check(value, (name,))
        finally:
            await form.close()

    @staticmethod
    async def _drain(receive: Receive) -> None:
        """Read what is left of the body (bounded by the body limit) so the next request can follow."""
        limit, size = get_settings().gateway_max_body_bytes, 0
        while size <= limit:
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                return
            size += len(message.get("body", b""))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


async def _disconnected() -> Message:
    return {"type": "http.disconnect"}


def _replay(body: bytes, receive: Receive) -> Callable[[], Awaitable[Message]]:
    """A receive that hands the buffered body once, then the real channel (for disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
