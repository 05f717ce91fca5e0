"""The console's own process (:3000): the built SPA, sign-in, and /api forwarded to the gateway.

`uvicorn services.web.server:app --port 3000`. The SPA (services/web/src, built by Vite
into services/web/dist) talks only to this origin; this process adds the user's key to
each /api call from the sealed session cookie (session.py) and forwards it (proxy.py).

Cross-site requests: the cookie is SameSite=Strict, so another site's page cannot make
the browser send it; and every state-changing /api call must carry the console's own
header and, when the browser sends one, this origin's Origin, so a forged form POST is
refused here before it reaches the gateway.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from shared.settings import get_settings

from services.web.proxy import forward
from services.web.session import COOKIE, SessionSeal, load_secret

DIST = Path(__file__).resolve().parent / "dist"
CSRF_HEADER = "x-mcp-console"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def _gateway_url() -> str:
    settings = get_settings()
    return (settings.web_gateway_url or settings.gateway_public_url).rstrip("/")


@asynccontextmanager
async def lifespan(app: Starlette):
    settings = get_settings()
    secret = settings.web_session_secret.get_secret_value() if settings.web_session_secret else None
    app.state.seal = SessionSeal(load_secret(secret, settings.web_session_secret_file), settings.web_session_ttl_seconds)
    async with httpx.AsyncClient(base_url=_gateway_url(), timeout=httpx.Timeout(30, read=None)) as client:
        app.state.gateway = client
        yield


def _key(request: Request) -> str | None:
    return request.app.state.seal.open(request.cookies.get(COOKIE))


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is None:  # same-origin GETs and some same-origin POSTs carry none; SameSite=Strict covers them
        return True
    return origin == f"{request.url.scheme}://{request.url.netloc}"


def _refuse_cross_site(request: Request) -> Response | None:
    if request.method in SAFE_METHODS:
        return None
    if request.headers.get(CSRF_HEADER) != "1" or not _same_origin(request):
        return JSONResponse(
            {"detail": "refused: state-changing console calls must come from the console itself "
                       f"(same Origin and the {CSRF_HEADER} header)"},
            status_code=403,
        )
    return None


async def _whoami(request: Request, api_key: str) -> httpx.Response:
    return await request.app.state.gateway.get("/api/v1/me", headers={"authorization": f"Bearer {api_key}"})


def _links() -> dict:
    settings = get_settings()
    return {"flower": settings.flower_url, "docs": f"{settings.gateway_public_url.rstrip('/')}/docs",
            "graph": settings.web_graph_url}


async def sign_in(request: Request) -> Response:
    if refused := _refuse_cross_site(request):
        return refused
    try:
        body = await request.json()
    except ValueError:
        return JSONResponse({"detail": "send JSON: {\"api_key\": \"mcp_...\"}"}, status_code=422)
    api_key = body.get("api_key") if isinstance(body, dict) else None
    if not isinstance(api_key, str) or not api_key.strip() or len(api_key) > 500:
        return JSONResponse({"detail": "api_key: paste the API key you were given (mcp_...)"}, status_code=422)
    api_key = api_key.strip()
    me = await _whoami(request, api_key)
    if me.status_code != 200:
        return JSONResponse({"detail": me.json().get("detail", "unknown or revoked API key")}, status_code=401)
    settings = get_settings()
    response = JSONResponse({"me": me.json(), "links": _links()})
    response.set_cookie(
        COOKIE, request.app.state.seal.seal(api_key), max_age=settings.web_session_ttl_seconds, path="/",
        httponly=True, samesite="strict", secure=settings.web_cookie_secure,
    )
    return response


async def session_info(request: Request) -> Response:
    api_key = _key(request)
    if api_key is None:
        return JSONResponse({"detail": "not signed in"}, status_code=401)
    me = await _whoami(request, api_key)
    if me.status_code != 200:
        return JSONResponse({"detail": me.json().get("detail", "session no longer valid")}, status_code=401)
    return JSONResponse({"me": me.json(), "links": _links()})


async def sign_out(request: Request) -> Response:
    if refused := _refuse_cross_site(request):
        return refused
    response = JSONResponse({"signed_out": True})
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


async def api(request: Request) -> Response:
    if refused := _refuse_cross_site(request):
        return refused
    return await forward(request.app.state.gateway, request, _key(request))


async def index(request: Request) -> Response:
    page = DIST / "index.html"
    if not page.exists():
        return PlainTextResponse("console not built: run `bash scripts/bootstrap.sh` (npm ci && npm run build "
                                 "in services/web)", status_code=503)
    return FileResponse(page, headers={"cache-control": "no-cache"})


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok", "built": (DIST / "index.html").exists()})


class HashedAssets(StaticFiles):
    """The built bundle: Vite puts a content hash in every file name under /assets, so a
    browser may keep them for good and never revalidate (a new build has new names)."""

    async def get_response(self, path: str, scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            response.headers["cache-control"] = "public, max-age=31536000, immutable"
        return response


class SecurityHeaders:
    """ASGI middleware: the headers above on every response (streamed ones too)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k.encode() not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app() -> Starlette:
    app = Starlette(
        # GZip skips text/event-stream (Starlette's default), so live events are not buffered.
        middleware=[Middleware(SecurityHeaders), Middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)],
        lifespan=lifespan,
        routes=[
            Route("/", index),
            Route("/healthz", healthz),
            Route("/session", session_info, methods=["GET"]),
            Route("/session", sign_in, methods=["POST"]),
            Route("/session", sign_out, methods=["DELETE"]),
            Route("/api/{path:path}", api, methods=["GET", "POST", "PATCH", "PUT", "DELETE"]),
            Mount("/assets", HashedAssets(directory=DIST / "assets", check_dir=False), name="assets"),
        ],
    )

    return app


app = create_app()
