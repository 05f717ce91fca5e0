"""Every gateway error as one `ErrorBody` (shared/contracts/errors.py), and its OpenAPI declaration.

Why here and not per route: FastAPI's defaults answer `{"detail": "..."}` for HTTP errors
and document 422 as an array of pydantic errors; our 422 carried a string. These handlers
make every 4xx/5xx the gateway raises one documented shape, and `declare()` puts that
shape on each operation (`responses=` on the routers), so the document and the answers agree.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.contracts.errors import ERROR_DESCRIPTIONS, ErrorBody, FieldProblem
from shared.store_retry import is_db_fault
from shared.storable import field_name

#: What any authenticated operation can answer besides its own codes.
COMMON = (400, 401, 403, 413, 422, 503)


def declare(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a router or route: each code documented with the ErrorBody schema."""
    return {code: {"model": ErrorBody, "description": ERROR_DESCRIPTIONS[code]} for code in codes}


def error_response(status: int, detail: str, problems: list[FieldProblem] | None = None,
                   headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = ErrorBody(detail=detail, errors=problems or [], **extra)
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def _location(loc: tuple) -> str:
    return field_name(tuple(part for part in loc if part != "body"))


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with one line per problem: where it is and what to fix."""
    problems = []
    for error in exc.errors():
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        loc = tuple(error.get("loc", ()))
        if error.get("type") == "json_invalid":  # loc is ("body", <character offset>)
            offset = loc[-1] if loc and isinstance(loc[-1], int) else "?"
            reason = (error.get("ctx") or {}).get("error", "")
            message, loc = f"not valid JSON at character {offset}: {reason}".rstrip(": "), ("body",)
        problems.append(FieldProblem(field=_location(loc) if loc != ("body",) else "body", message=message))
    summary = "; ".join(f"{p.field}: {p.message}" for p in problems[:5])
    return error_response(422, f"invalid request: {summary}", problems)


async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no such endpoint: {request.method} {request.url.path} (see /docs)"
    elif exc.status_code == 405:
        detail = f"{request.method} is not allowed on {request.url.path} (see /docs)"
    return error_response(exc.status_code, detail, headers=getattr(exc, "headers", None))


async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """Postgres down or restarting: a 503 the caller can retry, not a 500. Any other
    database error is a bug and stays a 500."""
    if not is_db_fault(exc):
        raise exc
    return error_response(503, "the database (Postgres) did not answer; try again shortly", headers={"Retry-After": "5"})


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(DBAPIError, database_unavailable)
