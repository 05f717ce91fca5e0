"""import_graph over the in-memory MCP client: the real server (gate, audit, tools), the real rag
worker and Neo4j, the same import path as POST /api/v1/graph/import."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from mcp import Client

from shared.graph import get_driver

from services.gateway.mcp.auth import principal_for_key, set_stdio_principal
from services.gateway.mcp.server import build_server

from tests.mcp.conftest import bearer

pytestmark = pytest.mark.anyio
STATE = (Path(__file__).resolve().parent.parent / "rag" / "fixtures" / "eks-stack.tfstate.json").read_text()


def _count(acct: str) -> tuple[int, int]:
    records = get_driver().execute_query(
        "MATCH (n:Infra) WHERE n.uid CONTAINS $a OPTIONAL MATCH (n)-[r]->() RETURN count(DISTINCT n) AS n, count(r) AS r",
        a=acct).records
    return records[0]["n"], records[0]["r"]


@pytest.fixture
def accounts():
    """Cloud account ids of this test alone (uids contain them), removed from the shared graph afterwards."""
    made = [f"8{secrets.randbelow(10**10):010d}{n}" for n in range(2)]
    yield made
    for acct in made:
        get_driver().execute_query("MATCH (n:Infra) WHERE n.uid CONTAINS $a DETACH DELETE n", a=acct)


@pytest.fixture
def as_key():
    """Serve the in-memory client as the owner of an API key (as `mcpcloud mcp` does); reset afterwards."""
    def use(key: str) -> None:
        principal = principal_for_key(key)
        assert principal is not None
        set_stdio_principal(principal)
    yield use
    set_stdio_principal(None)


@pytest.mark.timeout(600)
async def test_an_admin_imports_state_over_mcp_as_http_would_and_twice_changes_nothing(
        api, workers, keys, accounts, as_key):
    mcp_account, http_account = accounts
    as_key(bearer(keys.admin))
    async with Client(build_server()) as client:
        assert "import_graph" in {tool.name for tool in (await client.list_tools()).tools}
        first = await client.call_tool("import_graph", {"content": STATE, "filename": "terraform.tfstate",
                                                        "account": mcp_account})
        assert not first.is_error, first.content
        again = await client.call_tool("import_graph", {"content": STATE, "filename": "terraform.tfstate",
                                                        "account": mcp_account})
        stored = _count(mcp_account)
        bad = await client.call_tool("import_graph", {"content": STATE[:200], "filename": "broken.tfstate",
                                                      "account": accounts[1]})
    result = first.structured_content
    assert result["format"] == "terraform-state" and result["kinds"]["VPC"] == 1 and result["nodes_created"] > 0
    assert f"{result['nodes']} nodes ({result['nodes_created']} new)" in first.content[0].text
    assert again.structured_content["nodes_created"] == 0 and again.structured_content["relationships_created"] == 0
    assert _count(mcp_account) == stored and stored[0] > 0
    assert bad.is_error and "broken.tfstate is not JSON" in bad.content[0].text
    assert _count(http_account) == (0, 0)  # the refused file wrote nothing

    # The same file over HTTP gives the same graph: one code path.
    response = api.post("/api/v1/graph/import", headers=keys.requester, data={"account": http_account},
                        files={"file": ("terraform.tfstate", STATE.encode(), "application/json")})
    assert response.status_code == 200, response.text
    over_http = response.json()
    assert {k: over_http[k] for k in ("format", "nodes", "relationships", "kinds")} == {
        k: result[k] for k in ("format", "nodes", "relationships", "kinds")}
    assert _count(http_account) == stored


async def test_import_graph_is_for_admins_only(database, keys, as_key):
    as_key(bearer(keys.approver))
    async with Client(build_server()) as client:
        assert "import_graph" not in {tool.name for tool in (await client.list_tools()).tools}
        refused = await client.call_tool("import_graph", {"content": STATE, "account": "000000000000"})
    assert refused.is_error and "not available" in refused.content[0].text
