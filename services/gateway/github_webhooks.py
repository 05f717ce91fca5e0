"""GitHub webhooks: who sent it, whether it was seen before, and what it changes in a run.

- Authenticity: `X-Hub-Signature-256` is HMAC-SHA256 of the raw body with the secret from
  the config service (`github.webhook_secret`, a secret; `MCP_GITHUB_WEBHOOK_SECRET` as a
  fallback), compared in constant time. No secret configured: every delivery is refused.
- Replays: a delivery id (`X-GitHub-Delivery`) is recorded in the same transaction as its
  effect; the same id again is refused.
- Effects, each only on the run the event is about (found by pull request number and
  repository, or by the correlation id in a workflow run's name):
  `pull_request` closed without merge rejects a run awaiting approval; merged is recorded;
  `pull_request_review` approved counts as the second approval only when the config says
  so (`github.review_counts_as_approval`), for the very commit proposed, and only when the
  reviewer maps to a principal other than the requester; `workflow_run` completed wakes
  the step that follows the run (shared/workflow_signals.py) instead of its next poll.
Anything else is acknowledged and recorded as ignored, with the reason.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from celery import Celery
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from shared import events, workflow_signals
from shared.config import get_client
from shared.db.models import AuditLog, Run, RunStatus
from shared.db.models_github import GitHubDelivery
from shared.settings import get_settings

from services.gateway import runs_service
from services.gateway.auth import Principal, create_principal, get_principal_row
from shared.db.models import PrincipalKind, Role

log = logging.getLogger(__name__)


@dataclass
class WebhookRefused(Exception):
    status: int
    message: str


def _config(key: str) -> Any:
    return get_client().value(key, env=get_settings().env, service="gateway")


def webhook_secret() -> str | None:
    secret = _config("github.webhook_secret")
    if secret:
        return str(secret)
    fallback = get_settings().github_webhook_secret
    return fallback.get_secret_value() if fallback is not None else None


def verify_signature(secret: str, body: bytes, header: str | None) -> None:
    if not header or not header.startswith("sha256="):
        raise WebhookRefused(401, "missing X-Hub-Signature-256 (sha256=<hex HMAC of the body>)")
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), header.strip().encode()):
        raise WebhookRefused(401, "X-Hub-Signature-256 does not match the body: check the webhook secret")


def principal_for(session: Session, login: str) -> Principal | None:
    """The MCP Cloud principal a GitHub login acts as (config `github.principals` = {login: principal name}).

    Only a principal that exists and is not disabled; four eyes then compares it with the
    requester exactly as for an approval over the API."""
    mapping = _config("github.principals") or {}
    name = mapping.get(login) if isinstance(mapping, dict) else None
    row = get_principal_row(session, str(name)) if name else None
    if row is None or row.disabled_at is not None:
        return None
    return Principal(id=row.id, name=row.name, kind=PrincipalKind(row.kind), role=Role(row.role))


def _webhook_principal(session: Session) -> Principal:
    """The service identity that records what GitHub reported (a pull request closed unmerged)."""
    row = get_principal_row(session, "github-webhooks") or create_principal(
        session, "github-webhooks", Role.requester, actor="github-webhooks", kind=PrincipalKind.service)
    return Principal(id=row.id, name=row.name, kind=PrincipalKind(row.kind), role=Role(row.role))


def _run_for_pull(session: Session, repository: str, number: int) -> Run | None:
    change = Run.message["change"]
    query = (select(Run).where(change["number"].astext == str(number), change["repository"].astext == repository)
             .order_by(Run.created_at.desc()).limit(1))
    return session.scalar(query)


def _on_pull_request(session: Session, payload: dict) -> tuple[str, Run | None]:
    pull = payload.get("pull_request") or {}
    run = _run_for_pull(session, (payload.get("repository") or {}).get("full_name", ""), int(pull.get("number", 0)))
    if payload.get("action") != "closed":
        return f"ignored: pull_request {payload.get('action')}", run
    if run is None:
        return "ignored: no run proposed this pull request", None
    sender = (payload.get("sender") or {}).get("login", "unknown")
    if pull.get("merged"):
        events.publish(run.id, "github.pr_merged", number=pull.get("number"), by=sender)
        return f"recorded: PR #{pull.get('number')} merged by {sender}", run
    run = runs_service.get_run(session, run.id, lock=True)
    if run.status != RunStatus.awaiting_approval.value:
        return f"ignored: PR closed while the run is {run.status}", run
    runs_service.reject(session, run, _webhook_principal(session),
                        f"pull request #{pull.get('number')} closed without merge by github:{sender}")
    return f"rejected: PR #{pull.get('number')} closed without merge by {sender}", run


def _on_review(session: Session, celery: Celery, payload: dict) -> tuple[str, Run | None]:
    review, pull = payload.get("review") or {}, payload.get("pull_request") or {}
    run = _run_for_pull(session, (payload.get("repository") or {}).get("full_name", ""), int(pull.get("number", 0)))
    if payload.get("action") != "submitted" or str(review.get("state", "")).lower() != "approved":
        return f"ignored: review {payload.get('action')} {review.get('state')}", run
    if run is None:
        return "ignored: no run proposed this pull request", None
    if not _config("github.review_counts_as_approval"):
        return "ignored: a review approval does not count (config github.review_counts_as_approval is off)", run
    login = (review.get("user") or {}).get("login", "")
    principal = principal_for(session, login)
    if principal is None:
        return f"ignored: GitHub user {login} maps to no principal (config github.principals)", run
    proposed = (run.message.get("change") or {}).get("commit_sha")
    if review.get("commit_id") != proposed:
        return f"ignored: the review approved {str(review.get('commit_id'))[:10]}, not the proposed {str(proposed)[:10]}", run
    run = runs_service.get_run(session, run.id, lock=True)
    try:
        runs_service.approve(session, celery, run, principal, f"GitHub review by {login}: {review.get('html_url', '')}")
    except (runs_service.RunForbidden, runs_service.RunConflict) as exc:
        return f"refused: {exc.message}", run
    return f"approved: review by {login} as {principal.name}", run


def _on_workflow_run(session: Session, payload: dict) -> tuple[str, Run | None]:
    workflow_run = payload.get("workflow_run") or {}
    correlation = workflow_signals.find_correlation_id(workflow_run.get("name"), workflow_run.get("display_title"))
    if correlation is None:
        return "ignored: not a run MCP Cloud dispatched (no correlation id in its name)", None
    run = session.get(Run, uuid.UUID(correlation.removeprefix("mcpcloud-")))
    if payload.get("action") != "completed":
        return f"ignored: workflow_run {payload.get('action')}", run
    if run is None:
        return f"ignored: {correlation} names no run", None
    workflow_signals.notify(correlation, {"status": "completed", "conclusion": workflow_run.get("conclusion"),
                                          "run_id": workflow_run.get("id")})
    return f"signalled: workflow run {workflow_run.get('id')} {workflow_run.get('conclusion')}", run


def handle(session: Session, celery: Celery, event: str, delivery: str, payload: dict) -> dict:
    """Apply one verified delivery; raises WebhookRefused(409) for a delivery seen before."""
    recorded = session.execute(
        insert(GitHubDelivery).values(delivery_id=delivery, event=event, action=str(payload.get("action") or "")[:64],
                                      outcome="processing").on_conflict_do_nothing().returning(GitHubDelivery.delivery_id)
    ).scalar()
    if recorded is None:
        raise WebhookRefused(409, f"delivery {delivery} was already received; replays are refused")
    if event == "ping":
        outcome, run = "pong", None
    elif event == "pull_request":
        outcome, run = _on_pull_request(session, payload)
    elif event == "pull_request_review":
        outcome, run = _on_review(session, celery, payload)
    elif event == "workflow_run":
        outcome, run = _on_workflow_run(session, payload)
    else:
        outcome, run = f"ignored: event {event} is not handled", None
    row = session.get(GitHubDelivery, delivery)
    row.outcome, row.run_id = outcome, run.id if run is not None else None
    session.add(AuditLog(actor="github-webhook", action=f"github.{event}", target_type="run",
                         target_id=str(run.id) if run is not None else "-", detail={"delivery": delivery, "outcome": outcome}))
    log.info("github %s delivery %s: %s", event, delivery, outcome)
    return {"delivery": delivery, "event": event, "outcome": outcome, "run_id": str(run.id) if run is not None else None}
