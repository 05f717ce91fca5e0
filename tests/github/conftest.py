"""Fixtures of the GitHub tests: the contract server as a process, and settings pointing at it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from services.github.workflow_template import TEMPLATE, WORKFLOW_PATH

from tests.github.contract import REPOSITORY, TOKEN, ContractServer, start_contract_server, stop

README = "# deployments\n\nGitOps repository managed by MCP Cloud.\n"


@pytest.fixture(scope="session")
def contract_server_process() -> Iterator[ContractServer]:
    server = start_contract_server()
    try:
        yield server
    finally:
        stop(server)


@pytest.fixture
def contract_server(contract_server_process) -> ContractServer:
    """The contract server, emptied, whose repository has main with a README and the workflow."""
    contract_server_process.control("POST", "reset")
    contract_server_process.seed({"README.md": README, WORKFLOW_PATH: TEMPLATE.read_text()})
    return contract_server_process


def _until_seen(key: str, value, timeout: float = 5.0) -> None:
    """Invalidation reaches this process's config cache asynchronously: wait for it."""
    import time

    from shared.config import get_client
    from shared.settings import get_settings

    deadline = time.monotonic() + timeout
    while get_client().value(key, env=get_settings().env, service="github") != value:
        assert time.monotonic() < deadline, f"config {key} not visible after {timeout}s"
        time.sleep(0.05)


@pytest.fixture
def github_config(database, clean_redis):
    """Set config values for one test (`github_config(key, value, secret=False)`); disabled after it,
    so no later test (or worker) finds GitHub credentials it did not ask for."""
    from shared.config import Scope
    from shared.db.session import session_scope

    from services.gateway.config_service import create_item, find_item, update_item

    touched: list[str] = []

    def set_value(key: str, value, secret: bool = False) -> None:
        with session_scope() as db:
            item = find_item(db, key, Scope())
            if item is None:
                create_item(db, key=key, scope=Scope(), value=value, actor="tests", is_secret=secret)
            else:
                update_item(db, item.id, version=item.version, actor="tests", value=value, enabled=True)
        touched.append(key)
        _until_seen(key, value)

    yield set_value
    for key in touched:
        with session_scope() as db:
            item = find_item(db, key, Scope())
            if item is not None and item.enabled:
                update_item(db, item.id, version=item.version, actor="tests", enabled=False)
        _until_seen(key, None, timeout=10.0)  # the next test must not meet this value in a cache


@pytest.fixture
def github_settings(contract_server, clean_redis, monkeypatch):
    """This process's settings pointed at the contract server, with the token in the environment."""
    from shared.settings import get_settings

    values = {"MCP_GITHUB_API_URL": contract_server.url, "MCP_GITHUB_REPOSITORY": REPOSITORY,
              "MCP_GITHUB_TOKEN": TOKEN, "MCP_POLL_INTERVAL_SECONDS": "0.2", "MCP_GITHUB_POLL_MAX_INTERVAL_S": "1",
              "MCP_GITHUB_SECONDARY_RATE_WAIT_S": "1", "MCP_GATEWAY_PUBLIC_URL": "http://gateway.test",
              # no pacing against the contract server (the defaults keep GitHub's advice)
              "MCP_GITHUB_SECONDS_BETWEEN_REQUESTS": "0", "MCP_GITHUB_SECONDS_BETWEEN_WRITES": "0"}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield values
    get_settings.cache_clear()


@pytest.fixture
def webhook_secret_config(github_config):
    github_config("github.webhook_secret", "pipeline-webhook-secret", secret=True)
    return github_config
