"""GitHub webhooks through the real gateway app: signature, replay, ordering, and what each event changes."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

import pytest
from sqlalchemy import select

from shared import workflow_signals
from shared.contracts import ChangeProposal, RunMessage
from shared.db.models import Approval, AuditLog, Outbox, Run, RunStatus
from shared.db.models_github import GitHubDelivery
from shared.db.session import session_scope
from shared.queues import CHAIN_APPLY

from tests.github.messages import eks_message

SECRET = "webhook-secret-for-tests"
REPO = "mcp-cloud/deployments"


def deliver(api, event: str, payload: dict, *, secret: str = SECRET, delivery: str | None = None):
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
               "X-Hub-Signature-256": signature, "Content-Type": "application/json"}
    return api.post("/api/v1/webhooks/github", content=body, headers=headers)


@pytest.fixture
def webhook_secret(github_config):
    github_config("github.webhook_secret", SECRET, secret=True)
    return github_config


def _run_awaiting_approval(number: int, requested_by: str = "alice") -> tuple[str, RunMessage]:
    message = eks_message().model_copy(update={"requested_by": requested_by})
    message = message.model_copy(update={
        "intent": message.intent.model_copy(update={"stack": f"wh-{uuid.uuid4().hex[:8]}"}),
        "change": ChangeProposal(provider="github", repository=REPO, branch=f"mcp/wh-{number}", commit_sha="a" * 40,
                                 number=number, url=f"https://github.test/{REPO}/pull/{number}"),
    })
    with session_scope() as session:
        session.add(Run(id=message.run_id, status=RunStatus.awaiting_approval.value, persona="devops",
                        requested_by=requested_by, target=message.intent.target,
                        intent=message.intent.model_dump(mode="json"), message=message.to_wire()))
    return str(message.run_id), message


def _review(number: int, login: str, commit: str, state: str = "approved") -> dict:
    return {"action": "submitted", "repository": {"full_name": REPO}, "pull_request": {"number": number},
            "review": {"state": state, "commit_id": commit, "user": {"login": login},
                       "html_url": f"https://github.test/{REPO}/pull/{number}#review"}}


def _status(run_id: str) -> str:
    with session_scope() as session:
        return session.get(Run, uuid.UUID(run_id)).status


def test_a_delivery_without_the_right_signature_changes_nothing(api, webhook_secret):
    run_id, _ = _run_awaiting_approval(101)
    closed = {"action": "closed", "repository": {"full_name": REPO}, "pull_request": {"number": 101, "merged": False},
              "sender": {"login": "mallory"}}
    forged = deliver(api, "pull_request", closed, secret="not-the-secret")
    assert forged.status_code == 401 and "does not match" in forged.json()["detail"]
    body = json.dumps(closed).encode()
    unsigned = api.post("/api/v1/webhooks/github", content=body,
                        headers={"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": str(uuid.uuid4())})
    assert unsigned.status_code == 401
    assert _status(run_id) == "awaiting_approval"


def test_no_secret_configured_refuses_every_delivery(api, database):
    response = deliver(api, "ping", {"zen": "hi"})
    assert response.status_code == 503 and "github.webhook_secret" in response.json()["detail"]


def test_a_replayed_delivery_is_refused_and_acts_once(api, webhook_secret):
    run_id, _ = _run_awaiting_approval(102)
    closed = {"action": "closed", "repository": {"full_name": REPO}, "pull_request": {"number": 102, "merged": False},
              "sender": {"login": "bob"}}
    delivery = str(uuid.uuid4())
    first = deliver(api, "pull_request", closed, delivery=delivery)
    assert first.status_code == 200 and first.json()["outcome"].startswith("rejected")
    again = deliver(api, "pull_request", closed, delivery=delivery)
    assert again.status_code == 409 and "replays are refused" in again.json()["detail"]
    assert _status(run_id) == "rejected"
    with session_scope() as session:
        rows = session.scalars(select(GitHubDelivery).where(GitHubDelivery.delivery_id == delivery)).all()
        assert [(r.event, str(r.run_id)) for r in rows] == [("pull_request", run_id)]


def test_a_review_approval_counts_only_when_configured_for_the_proposed_commit_by_another_principal(api, webhook_secret):
    run_id, _ = _run_awaiting_approval(103, requested_by="alice")
    from services.gateway.auth import create_principal, get_principal_row
    from shared.db.models import Role

    with session_scope() as session:  # a login maps only to a principal that exists
        for name, role in (("alice", Role.requester), ("bob", Role.approver)):
            get_principal_row(session, name) or create_principal(session, name, role, actor="tests")
    webhook_secret("github.principals", {"alice-gh": "alice", "bob-gh": "bob"})
    off = deliver(api, "pull_request_review", _review(103, "bob-gh", "a" * 40))
    assert "is off" in off.json()["outcome"] and _status(run_id) == "awaiting_approval"

    webhook_secret("github.review_counts_as_approval", True)
    own = deliver(api, "pull_request_review", _review(103, "alice-gh", "a" * 40))
    assert own.json()["outcome"].startswith("refused: four-eyes"), own.json()
    stranger = deliver(api, "pull_request_review", _review(103, "eve-gh", "a" * 40))
    assert "maps to no principal" in stranger.json()["outcome"]
    stale = deliver(api, "pull_request_review", _review(103, "bob-gh", "b" * 40))
    assert "not the proposed" in stale.json()["outcome"]
    commented = deliver(api, "pull_request_review", _review(103, "bob-gh", "a" * 40, state="commented"))
    assert commented.json()["outcome"].startswith("ignored")
    assert _status(run_id) == "awaiting_approval"

    approved = deliver(api, "pull_request_review", _review(103, "bob-gh", "a" * 40))
    assert approved.json()["outcome"] == "approved: review by bob-gh as bob"
    with session_scope() as session:  # the approval committed the run as applying, with its chain B
        assert [(a.decision, a.actor) for a in session.scalars(select(Approval).where(Approval.run_id == uuid.UUID(run_id)))] \
            == [("approved", "bob")]
        audit = session.scalars(select(AuditLog).where(AuditLog.target_id == run_id, AuditLog.action == "run.approve")).all()
        assert [row.actor for row in audit] == ["bob"]
        chains = session.scalars(select(Outbox).where(Outbox.run_id == uuid.UUID(run_id))).all()
        assert [(row.reason, row.tasks) for row in chains] == [("run.approve", [task.value for task in CHAIN_APPLY])]
    # chain B may already have moved the run on: this run's message is made up, so a worker
    # that picks up its chain fails it
    assert _status(run_id) in ("applying", "failed")
    # arrives after it already counted
    late = deliver(api, "pull_request_review", _review(103, "bob-gh", "a" * 40))
    assert late.json()["outcome"].startswith("refused: run is ")
    assert "only a run awaiting approval can be approved" in late.json()["outcome"]


def test_workflow_run_completed_wakes_the_wait_even_when_it_arrives_first(api, webhook_secret):
    run_id, _ = _run_awaiting_approval(104)
    correlation = workflow_signals.correlation_id(run_id)
    running = {"action": "in_progress", "workflow_run": {"id": 5, "name": f"mcp-cloud workflow_dispatch {correlation}"}}
    assert deliver(api, "workflow_run", running).json()["outcome"] == "ignored: workflow_run in_progress"
    completed = {"action": "completed", "workflow_run": {"id": 5, "name": f"mcp-cloud workflow_dispatch {correlation}",
                                                         "conclusion": "success"}}
    response = deliver(api, "workflow_run", completed)
    assert response.json()["outcome"] == "signalled: workflow run 5 success"
    # the follower starts waiting only now: the signal was kept for it
    assert workflow_signals.wait(correlation, 1.0) == {"status": "completed", "conclusion": "success", "run_id": 5}
    assert workflow_signals.wait(correlation, 0.1) is None
    foreign = {"action": "completed", "workflow_run": {"id": 6, "name": "nightly build"}}
    assert deliver(api, "workflow_run", foreign).json()["outcome"].startswith("ignored: not a run MCP Cloud dispatched")


def test_a_merged_pull_request_is_recorded_and_a_bad_body_is_a_clear_400(api, webhook_secret):
    run_id, _ = _run_awaiting_approval(105)
    merged = {"action": "closed", "repository": {"full_name": REPO}, "pull_request": {"number": 105, "merged": True},
              "sender": {"login": "bob"}}
    assert deliver(api, "pull_request", merged).json()["outcome"] == "recorded: PR #105 merged by bob"
    body = b"not json"
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    bad = api.post("/api/v1/webhooks/github", content=body, headers={
        "X-GitHub-Event": "ping", "X-GitHub-Delivery": str(uuid.uuid4()), "X-Hub-Signature-256": signature})
    assert bad.status_code == 400 and "not JSON" in bad.json()["detail"]
