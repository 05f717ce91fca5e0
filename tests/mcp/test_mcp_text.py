"""Requests in words over MCP: understood, asked back when something is missing, never guessed."""

from __future__ import annotations

import anyio
import pytest
from mcp_types import ElicitResult
from sqlalchemy import func, select

from shared.db.models import Run
from shared.db.session import session_scope

from tests.mcp.conftest import bearer, mcp_client

pytestmark = pytest.mark.anyio
KOREAN_EKS = "AWS EKS 클러스터에 Nginx 배포하고 ArgoCD로 관리해줘"
NO_APP = "EKS 클러스터에 앱 배포해줘"


def _runs() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(Run))


async def test_a_korean_request_reaches_approval_with_progress_is_approved_by_another_principal_and_reports(
        gateway, keys, workers):
    progress: list[str] = []

    async def on_progress(done, total, message):
        progress.append(message or "")

    async with mcp_client(gateway.mcp_url, bearer(keys.requester)) as requester:
        result = await requester.call_tool("request_change", {"text": KOREAN_EKS, "wait_seconds": 90},
                                           progress_callback=on_progress)
        outcome = result.structured_content
        assert not result.is_error and outcome["outcome"] == "run", result.content
        run = outcome["run"]
        assert run["status"] == "awaiting_approval", run
        assert outcome["understood"]["cloud"] == "aws" and outcome["understood"]["gitops"] == "argocd"
        assert run["intent"]["app"]["name"] == "nginx" and run["intent"]["platform"] == "eks"
        assert {d["field"] for d in outcome["defaulted"]} and all(d["source"] for d in outcome["defaulted"])
        assert [m for m in progress if m.startswith("terraform.generate")], progress

    async with mcp_client(gateway.mcp_url, bearer(keys.approver)) as approver:
        approved = await approver.call_tool("approve_run", {"run_id": run["id"], "content_sha256": run["bundle_sha256"]})
        assert not approved.is_error, approved.content
        with anyio.fail_after(120):
            while (final := (await approver.call_tool("get_run", {"run_id": run["id"]})).structured_content)[
                    "status"] not in ("succeeded", "not_applied", "failed"):
                await anyio.sleep(0.5)
        assert final["status"] in ("succeeded", "not_applied"), final
        report = await approver.read_resource(f"mcpcloud://runs/{run['id']}/report")
        assert final["report"][:40] in report.contents[0].text


async def test_a_request_missing_the_app_returns_needs_input_to_a_client_that_cannot_elicit(gateway, keys):
    before = _runs()
    async with mcp_client(gateway.mcp_url, bearer(keys.requester)) as client:
        result = await client.call_tool("request_change", {"text": NO_APP})
    outcome = result.structured_content
    assert outcome["outcome"] == "needs_input" and outcome["run"] is None
    assert [m["field"] for m in outcome["missing"]] == ["app"] and "앱" in outcome["missing"][0]["question"]
    assert _runs() == before  # nothing half-created


async def test_answers_sent_back_complete_the_request(gateway, keys, workers):
    async with mcp_client(gateway.mcp_url, bearer(keys.other_requester)) as client:
        result = await client.call_tool("request_change", {"text": NO_APP, "answers": {"app": "nginx:1.27.3"},
                                                           "wait_seconds": 0})
    outcome = result.structured_content
    assert outcome["outcome"] == "run" and outcome["run"]["intent"]["app"]["tag"] == "1.27.3", outcome


@pytest.mark.parametrize("mode", ["auto", "legacy"], ids=["2026-input_required", "2025-elicitation"])
async def test_a_client_that_can_elicit_is_asked_in_the_request_language(gateway, keys, workers, mode):
    asked: list[str] = []

    async def answer(context, params) -> ElicitResult:
        asked.append(params.message)
        field = next(iter(params.requested_schema["properties"]))
        return ElicitResult(action="accept", content={field: "nginx:1.27.3"})

    async with mcp_client(gateway.mcp_url, bearer(keys.requester), mode=mode, elicitation_callback=answer) as client:
        expected = "2026-07-28" if mode == "auto" else "2025"
        assert client.protocol_version.startswith(expected)
        result = await client.call_tool("request_change", {"text": NO_APP, "wait_seconds": 0})
    assert asked and "어떤 앱" in asked[0]
    outcome = result.structured_content
    assert outcome["outcome"] == "run" and outcome["run"]["intent"]["app"]["name"] == "nginx", outcome


async def test_a_question_in_words_is_answered_from_the_run_records(gateway, keys):
    async with mcp_client(gateway.mcp_url, bearer(keys.requester)) as client:
        result = await client.call_tool("request_change", {"text": "What failed in the last run?"})
    outcome = result.structured_content
    assert outcome["outcome"] == "answer" and outcome["run"] is None
    assert outcome["summary"]["text"] and outcome["summary"]["query"]["status"] in (None, "failed")
