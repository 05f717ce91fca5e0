import pytest

from tests.mcp.conftest import bearer, mcp_client

pytestmark = pytest.mark.anyio


async def test_smoke(gateway, keys):
    async with mcp_client(gateway.mcp_url, bearer(keys.viewer)) as client:
        tools = await client.list_tools()
        print(client.protocol_version, [t.name for t in tools.tools])
        result = await client.call_tool("list_runs", {"limit": 2})
        print(result)
