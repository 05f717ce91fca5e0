"""`POST /api/v1/webhooks/github`: verified, replay-guarded GitHub deliveries (github_webhooks.py)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request

from services.gateway.deps import CeleryApp, DbSession
from services.gateway.github_webhooks import WebhookRefused, handle, verify_signature, webhook_secret
from services.gateway.errors import declare

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"], responses=declare(400, 401, 409, 413, 422, 503))
MAX_BODY = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB


async def raw_body(request: Request) -> bytes:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(413, f"webhook body over {MAX_BODY} bytes")
    return body


@router.post("/github")
def github_webhook(
    body: Annotated[bytes, Depends(raw_body)],
    db: DbSession,
    celery: CeleryApp,
    x_github_event: Annotated[str | None, Header()] = None,
    x_github_delivery: Annotated[str | None, Header()] = None,
    x_hub_signature_256: Annotated[str | None, Header()] = None,
) -> dict:
    """A GitHub delivery: 401 on a bad signature, 409 on a replay, 200 with what it changed (or why nothing)."""
    secret = webhook_secret()
    if not secret:
        raise HTTPException(503, "no GitHub webhook secret configured (config github.webhook_secret); deliveries are refused")
    try:
        verify_signature(secret, body, x_hub_signature_256)
    except WebhookRefused as exc:
        raise HTTPException(exc.status, exc.message) from None
    if not x_github_event or not x_github_delivery:
        raise HTTPException(400, "missing X-GitHub-Event or X-GitHub-Delivery header")
    try:
        payload = json.loads(body)
    except ValueError:
        raise HTTPException(400, "the body is not JSON: set the webhook's content type to application/json") from None
    if not isinstance(payload, dict):
        raise HTTPException(400, "the body must be a JSON object")
    try:
        return handle(db, celery, x_github_event, x_github_delivery[:100], payload)
    except WebhookRefused as exc:
        raise HTTPException(exc.status, exc.message) from None
