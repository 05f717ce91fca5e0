"""Forward the console's /api calls to the gateway's public HTTP API.

The console has no backdoor: every call goes to the same endpoints an API client uses,
with the signed-in user's key as the bearer token, so what the UI shows is what the API
says and what it may do is what the key's role allows. Server-sent events are streamed
through as they arrive.
"""

from __future__ import annotations

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import StreamingResponse

# Hop-by-hop headers (RFC 9110 §7.6.1) and those the proxy sets itself.
_DROP_REQUEST = {"host", "cookie", "authorization", "x-api-key", "connection", "keep-alive", "content-length",
                 "transfer-encoding", "te", "upgrade", "proxy-authorization", "origin", "referer", "accept-encoding"}
_DROP_RESPONSE = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "set-cookie"}


async def forward(client: httpx.AsyncClient, request: Request, api_key: str | None) -> StreamingResponse:
    headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROP_REQUEST}
    if api_key:
        headers["authorization"] = f"Bearer {api_key}"
    # The body is passed through as raw bytes with the gateway's Content-Encoding dropped, so
    # ask for it uncompressed; this process compresses for the browser (server.py, GZip).
    headers["accept-encoding"] = "identity"
    upstream = client.build_request(
        request.method, request.url.path, params=request.query_params, headers=headers, content=await request.body(),
    )
    response = await client.send(upstream, stream=True)
    out_headers = {k: v for k, v in response.headers.items() if k.lower() not in _DROP_RESPONSE}
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        out_headers["x-accel-buffering"] = "no"
        out_headers["cache-control"] = "no-cache"
    return StreamingResponse(
        response.aiter_raw(), status_code=response.status_code, headers=out_headers,
        background=BackgroundTask(response.aclose),
    )
