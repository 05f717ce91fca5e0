"""JWTs from an OIDC issuer set in the config service: a real RSA key pair, a JWKS served over HTTP."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from shared.config import Scope
from shared.db.session import session_scope

from services.gateway import config_service

from tests.conftest import free_port
from tests.mcp.conftest import bearer, mcp_client
from tests.scenarios import PRIVATE_LOGS_BUCKET, with_stack

pytestmark = pytest.mark.anyio
ISSUER = "https://idp.test.example"


class _Jwks(BaseHTTPRequestHandler):
    body = b""
    served = 0

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).served += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def idp(gateway):
    """An issuer: an RSA key pair, its JWKS on a local HTTP server, and `auth.oidc` pointing at it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    _Jwks.body = json.dumps({"keys": [{**jwk, "kid": "test-1", "use": "sig", "alg": "RS256"}]}).encode()
    server = HTTPServer(("127.0.0.1", free_port()), _Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = {"issuer": ISSUER, "audience": gateway.mcp_url,
              "jwks_url": f"http://127.0.0.1:{server.server_port}/jwks.json",
              "principal_claim": "email", "role_claim": "groups",
              "role_map": {"platform-readers": "viewer", "platform-approvers": "approver"}}
    with session_scope() as session:
        item = config_service.create_item(session, key="auth.oidc", scope=Scope(), value=config, actor="tests")
        item_id = item.id
    yield key
    server.shutdown()
    with session_scope() as session:
        item = config_service.get_item(session, item_id)
        config_service.update_item(session, item_id, version=item.version, actor="tests", enabled=False)


def _token(key, *, email: str, groups: list[str], audience: str, lifetime: int = 300, kid: str = "test-1") -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": f"sub-{email}", "email": email, "groups": groups, "aud": audience,
              "iat": now, "exp": now + lifetime}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


async def _names(url: str, token: str) -> set[str]:
    async with mcp_client(url, token) as client:
        return {tool.name for tool in (await client.list_tools()).tools}


async def test_a_token_from_the_configured_issuer_is_a_principal_with_its_mapped_role(gateway, idp):
    reader = _token(idp, email="rita@example.com", groups=["platform-readers"], audience=gateway.mcp_url)
    assert await _names(gateway.mcp_url, reader) == {"get_run", "list_runs", "summarize", "search_knowledge"}
    approver = _token(idp, email="ana@example.com", groups=["staff", "platform-approvers"], audience=gateway.mcp_url)
    assert "approve_run" in await _names(gateway.mcp_url, approver)
    metadata = httpx.get(f"{gateway.url}/.well-known/oauth-protected-resource/mcp").json()
    assert metadata["authorization_servers"] == [ISSUER]
    assert _Jwks.served >= 1  # the keys came from the issuer's JWKS URL


@pytest.mark.parametrize("case", ["expired", "other audience", "other key", "no mapped group", "not a jwt"])
async def test_a_token_that_does_not_verify_gets_401(gateway, idp, case):
    good = dict(email="eve@example.com", groups=["platform-approvers"], audience=gateway.mcp_url)
    token = {
        "expired": lambda: _token(idp, **{**good, "lifetime": -120}),
        "other audience": lambda: _token(idp, **{**good, "audience": "https://elsewhere.example/mcp"}),
        "other key": lambda: _token(rsa.generate_private_key(public_exponent=65537, key_size=2048), **good),
        "no mapped group": lambda: _token(idp, **{**good, "groups": ["staff"]}),
        "not a jwt": lambda: "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
    }[case]()
    response = httpx.post(gateway.mcp_url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                          headers={"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream"})
    assert response.status_code == 401 and "resource_metadata=" in response.headers["www-authenticate"]


async def test_a_token_principal_approves_a_run_an_api_key_requested(gateway, keys, workers, idp):
    body = with_stack(PRIVATE_LOGS_BUCKET, f"oidc-logs-{uuid.uuid4().hex[:6]}")
    async with mcp_client(gateway.mcp_url, bearer(keys.requester)) as requester:
        run = (await requester.call_tool("request_change", {"intent": body["intent"], "wait_seconds": 90})
               ).structured_content["run"]
    assert run["status"] == "awaiting_approval", run
    token = _token(idp, email="ana@example.com", groups=["platform-approvers"], audience=gateway.mcp_url)
    async with mcp_client(gateway.mcp_url, token) as approver:
        approved = await approver.call_tool("approve_run", {"run_id": run["id"], "content_sha256": run["bundle_sha256"]})
    assert not approved.is_error, approved.content
    decision = approved.structured_content["approvals"][0]
    assert decision["actor"] == "oidc:ana@example.com" and decision["content_sha256"] == run["bundle_sha256"]
