"""One documented error body: every error the gateway answers is an `ErrorBody`, and the OpenAPI
document declares it (400/401/403/404/409/413/422/503 as they apply) on every operation."""

from __future__ import annotations

import uuid

from shared.contracts.errors import ErrorBody

REF = "#/components/schemas/ErrorBody"


def _declared(doc: dict, path: str, method: str, status: int) -> bool:
    response = doc["paths"][path][method]["responses"].get(str(status), {})
    return response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref") == REF


def test_every_operation_declares_the_error_body(api):
    doc = api.get("/openapi.json").json()
    assert "HTTPValidationError" not in doc["components"]["schemas"]  # FastAPI's array form is gone
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            codes = {int(code) for code in operation["responses"] if code[0] in "45"}
            assert {413, 422} <= codes, (method, path)
            for code in codes:
                if not (path == "/readyz" and code == 503):  # readiness answers its own body, documented
                    assert _declared(doc, path, method, code), (method, path, code)
            if path.startswith("/api/v1/") and "webhooks" not in path:
                assert {400, 401, 403, 503} <= codes, (method, path)
            if "{" in path:
                assert 404 in codes, (method, path)


def _error(response, status: int, doc: dict | None = None, path: str = "", method: str = "") -> ErrorBody:
    assert response.status_code == status, response.text
    body = ErrorBody.model_validate(response.json())
    assert body.detail and body.schema_version == 1
    if doc is not None:
        assert _declared(doc, path, method, status), (method, path, status)
    return body


def test_each_error_status_answers_the_documented_body(api, keys):
    doc = api.get("/openapi.json").json()
    _error(api.get("/api/v1/config/resolve?key=a&prefix=b", headers=keys.viewer), 400, doc,
           "/api/v1/config/resolve", "get")
    _error(api.get("/api/v1/runs"), 401, doc, "/api/v1/runs", "get")
    _error(api.post("/api/v1/config", json={"key": "x", "value": 1}, headers=keys.viewer), 403, doc,
           "/api/v1/config", "post")
    _error(api.get(f"/api/v1/runs/{uuid.uuid4()}", headers=keys.viewer), 404, doc, "/api/v1/runs/{run_id}", "get")
    made = api.post("/api/v1/config", json={"key": f"t{uuid.uuid4().hex[:6]}.err", "value": 1}, headers=keys.admin)
    stale = api.patch(f"/api/v1/config/{made.json()['id']}", json={"version": 7, "value": 2}, headers=keys.admin)
    _error(stale, 409, doc, "/api/v1/config/{item_id}", "patch")
    invalid = _error(api.get("/api/v1/runs?limit=0", headers=keys.viewer), 422, doc, "/api/v1/runs", "get")
    assert [p.field for p in invalid.errors] == ["query.limit"] and isinstance(invalid.detail, str)
    broken_json = _error(api.post("/api/v1/intents/parse", content=b"{not json", headers={
        **keys.requester, "Content-Type": "application/json"}), 422)
    assert [(p.field, p.message.startswith("not valid JSON at character 1")) for p in broken_json.errors] == [("body", True)]
    # outside any operation: unknown paths and methods answer the same shape
    assert "no such endpoint" in _error(api.get("/api/v1/nothing-here"), 404).detail
    assert _error(api.delete("/api/v1/runs"), 405).detail.startswith("DELETE is not allowed")


def test_a_request_in_words_that_needs_input_is_the_error_body_plus_what_it_needs(api, keys):
    response = api.post("/api/v1/requests", json={"text": "EKS 클러스터에 앱 배포해줘"}, headers=keys.requester)
    body = _error(response, 422)
    assert response.json()["needs_input"] is True and [m["field"] for m in response.json()["missing"]] == ["app"]
    assert body.detail.startswith("more information needed")
