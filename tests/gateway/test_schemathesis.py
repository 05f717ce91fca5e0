"""schemathesis against the gateway's own OpenAPI document, with a key of every role.

Every operation in the document gets generated requests (bounded: EXAMPLES per operation,
each sent once per role, so the whole run stays within a few minutes on a loaded machine)
against a real gateway process with the real stores and workers behind it. Two numbers
must be zero: server errors (any 5xx) and responses that break
their own documented schema (status code, content type, body).

Excluded, and why (nothing else is):
- GET /api/v1/runs/{run_id}/events: a server-sent event stream that stays open until the
  run ends; a generated request would hold the connection (tests/gateway/test_events.py).
- POST /api/v1/webhooks/github: every request needs an HMAC of its body under the webhook
  secret, so generated bodies only ever reach the 401/503 refusal
  (tests/github covers the route with signed deliveries).
- POST /api/v1/keys/{key_id}/revoke and /api/v1/principals/{principal_id}/disable: small
  generated ids hit the keys this very run (and the rest of the test session) authenticate
  with (tests/gateway/test_identity.py and test_cli_keys.py cover both).
"""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest
import schemathesis
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import gateway_server

EXAMPLES = int(os.environ.get("MCP_TEST_SCHEMATHESIS_EXAMPLES", "10"))
EXCLUDED = {
    ("GET", "/api/v1/runs/{run_id}/events"),
    ("POST", "/api/v1/webhooks/github"),
    ("POST", "/api/v1/keys/{key_id}/revoke"),
    ("POST", "/api/v1/principals/{principal_id}/disable"),
}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def gateway(workers):
    server = gateway_server("gateway-schemathesis")
    server.log_offset = server.log_path.stat().st_size if server.log_path.exists() else 0
    with server:
        yield server


def _exercise(operation, base_url, roles, calls, statuses, failures, unsendable):
    """A hypothesis test over one operation: each generated request (valid per the document, or
    deliberately not: negative mode) sent once per role."""

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)))
    def exercise(case):
        for role, headers in roles.items():
            try:
                response = case.call(base_url=base_url, headers=headers, timeout=90)
            except (requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL, UnicodeError) as exc:
                calls["unsendable"] += 1  # the client refused to send it (e.g. a header with a newline)
                unsendable.append(f"{type(exc).__name__}: {str(exc)[:100]}")
                continue
            calls[role] += 1
            statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=CHECKS)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected, reported together
                failures.append(f"{operation.method.upper()} {operation.path} as {role}: "
                                f"{response.status_code} {type(exc).__name__}: {str(exc)[:600]}")

    return exercise


def test_every_operation_holds_its_documented_contract_for_every_role(gateway, keys):
    roles = {"viewer": keys.viewer, "requester": keys.requester, "approver": keys.approver, "admin": keys.admin}
    schema = schemathesis.openapi.from_url(f"{gateway.url}/openapi.json")
    failures: list[str] = []
    unsendable: list[str] = []
    calls: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    operations = []
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in EXCLUDED:
            continue
        operations.append(f"{operation.method.upper()} {operation.path}")

        began = time.monotonic()
        _exercise(operation, gateway.url, roles, calls, statuses, failures, unsendable)()
        print(f"  {operations[-1]}: {time.monotonic() - began:.1f} s")

    elapsed = time.monotonic() - started
    print(f"schemathesis: {len(operations)} operations, {sum(calls.values())} calls {dict(calls)}, "
          f"statuses {dict(sorted(statuses.items()))}, {len(failures)} failures, {elapsed:.0f} s")
    assert len(operations) >= 25, operations
    assert set(roles) <= set(calls) and len(unsendable) < sum(calls.values()) / 10, unsendable[:10]
    assert not any(code >= 500 for code in statuses), dict(statuses)
    assert not failures, "\n".join(failures[:30])
    with open(gateway.log_path, errors="replace") as log:
        log.seek(gateway.log_offset)
        assert "Traceback" not in (text := log.read()), text[-4000:]
