"""GitHub Enterprise Server: the API under `/api/v3`, clone URLs without it. The adapter
opens its pull request through PyGithub against the contract server laid out that way,
every answer checked against GitHub's OpenAPI schemas."""

from __future__ import annotations

import pytest

from services.github import on_github
from services.github.connection import connect
from services.github.workflow_template import TEMPLATE, WORKFLOW_PATH
from shared.gitops import repository_url

from tests.github.contract import REPOSITORY, TOKEN, start_contract_server, stop
from tests.github.messages import eks_message


@pytest.fixture(scope="module")
def enterprise_server():
    server = start_contract_server(api_prefix="/api/v3")
    try:
        yield server
    finally:
        stop(server)


@pytest.fixture
def enterprise_settings(enterprise_server, database, clean_redis, monkeypatch):
    from shared.settings import get_settings

    enterprise_server.control("POST", "reset")
    enterprise_server.seed({"README.md": "# deployments\n", WORKFLOW_PATH: TEMPLATE.read_text()})
    for name, value in {"MCP_GITHUB_API_URL": enterprise_server.url, "MCP_GITHUB_REPOSITORY": REPOSITORY,
                        "MCP_GITHUB_TOKEN": TOKEN, "MCP_GATEWAY_PUBLIC_URL": "http://gateway.test",
                        "MCP_GITHUB_SECONDS_BETWEEN_REQUESTS": "0", "MCP_GITHUB_SECONDS_BETWEEN_WRITES": "0"}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield enterprise_server
    get_settings.cache_clear()


def test_a_run_on_github_enterprise_server_is_a_pull_request_under_api_v3(enterprise_settings):
    server = enterprise_settings
    assert server.url.endswith("/api/v3")
    message = eks_message()

    change, _ = on_github.propose(connect(), message, "mcp/eks-nginx-ghes", "MCP Cloud run: deploy eks-nginx")

    pr = server.state()["pulls"][str(change.number)]
    assert change.commit_sha == server.state()["refs"]["heads/mcp/eks-nginx-ghes"]
    assert pr["head"] == "mcp/eks-nginx-ghes" and pr["base"] == "main"
    answered = server.requests()
    assert answered and all(r["path"].startswith("/api/v3/") for r in answered)
    assert server.check_responses() == len(answered)
    # The manifests' repoURL is the web host, without /api/v3: what git and Argo CD clone.
    assert repository_url(message.intent) == f"http://127.0.0.1:{server.port}/{REPOSITORY}.git"
