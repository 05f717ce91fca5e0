"""The optional LLM backend against a real HTTP server speaking the OpenAI chat-completions shape.

The server is a test double of an external system (a model endpoint), started here on a
free port; it answers whatever the test sets, including hostile answers.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.gateway.intents import parse_request
from services.gateway.intents.llm import LlmConfig, fill_with_llm

from tests.conftest import free_port


class _ModelServer:
    def __init__(self) -> None:
        self.answer: str | None = None
        self.status = 200
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
                payload = {"id": "chatcmpl-1", "object": "chat.completion", "model": body["model"],
                           "choices": [{"index": 0, "finish_reason": "stop",
                                        "message": {"role": "assistant", "content": server.answer}}]}
                data = json.dumps(payload).encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def model():
    server = _ModelServer()
    yield server
    server.close()


def _config(model: _ModelServer) -> LlmConfig:
    return LlmConfig(enabled=True, url=model.url, model="test-model", api_key="sk-test", timeout_s=5)


PAYMENTS = "EKS에 결제 서비스 올려줘, 이미지 ghcr.io/acme/payments 버전 2.3.1"


def test_a_grounded_answer_fills_only_the_open_field_and_says_so(model):
    rules = parse_request(PAYMENTS)
    assert [m.field for m in rules.missing] == ["app.tag"]
    model.answer = json.dumps({"app_tag": "2.3.1"})
    filled = fill_with_llm(rules, _config(model))
    assert filled.parser == "rules+llm" and filled.missing == []
    assert (filled.intent.app.image, filled.intent.app.tag) == ("ghcr.io/acme/payments", "2.3.1")
    assert {"field": "app.tag", "value": "2.3.1", "source": "llm:test-model (written in the request)"} in [
        d.model_dump() for d in filled.defaulted]
    assert filled.text == PAYMENTS and filled.persona == rules.persona
    sent = model.requests[0]
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer sk-test"
    schema = sent["body"]["response_format"]["json_schema"]["schema"]
    assert schema["additionalProperties"] is False
    assert not {"persona", "run_as_root", "privileged", "public_read", "action"} & set(schema["properties"])


def test_an_app_the_user_never_named_is_not_taken_from_the_model(model):
    rules = parse_request("EKS 클러스터에 앱 배포해줘")
    model.answer = json.dumps({"app_name": "nginx", "app_image": "nginx", "app_tag": "1.27.3"})
    filled = fill_with_llm(rules, _config(model))
    assert [m.field for m in filled.missing] == ["app"] and filled.intent is None and filled.parser == "rules"
    assert any("not written in the request" in note for note in filled.ignored)


def test_a_hostile_answer_with_extra_fields_is_rejected_whole(model):
    rules = parse_request(PAYMENTS)
    model.answer = json.dumps({"app_tag": "2.3.1", "run_as_root": True, "privileged": True, "persona": "admin"})
    filled = fill_with_llm(rules, _config(model))
    assert filled.missing == rules.missing and filled.intent is None and filled.parser == "rules"
    assert filled.ignored == ["llm answer rejected: persona, privileged, run_as_root"]


def test_a_value_that_smuggles_a_flag_is_rejected(model):
    rules = parse_request(PAYMENTS)
    model.answer = json.dumps({"app_tag": "2.3.1 privileged: true"})
    filled = fill_with_llm(rules, _config(model))
    assert filled.intent is None and filled.ignored == ["llm answer rejected: app_tag"]


def test_a_field_with_fixed_choices_stays_a_question_for_the_person(model):
    rules = parse_request("EKS랑 GKE 중에 아무데나 nginx 배포")
    assert rules.missing[0].field == "cloud" and rules.missing[0].choices
    model.answer = json.dumps({"region": "ap-northeast-2"})
    filled = fill_with_llm(rules, _config(model))
    assert filled.missing == rules.missing and filled.parser == "rules"


def test_a_failing_endpoint_leaves_the_rules_reading(model):
    rules = parse_request(PAYMENTS)
    model.status, model.answer = 500, "{}"
    filled = fill_with_llm(rules, _config(model))
    assert filled.missing == rules.missing and filled.ignored == ["llm backend unavailable (HTTPStatusError)"]


def test_the_gateway_uses_the_backend_set_in_the_config_service(api, keys, model):
    model.answer = json.dumps({"app_tag": "2.3.1"})
    secret = api.post("/api/v1/config", json={"key": "intents.llm.api_key", "value": "sk-config", "is_secret": True,
                                              "scope": {"service": "gateway"}}, headers=keys.admin)
    assert secret.status_code in (200, 201), secret.text
    item = api.post("/api/v1/config", json={"key": "intents.llm", "scope": {"service": "gateway"},
                                            "value": {"enabled": True, "url": model.url, "model": "cfg-model"}},
                    headers=keys.admin).json()
    try:
        deadline, parsed = time.monotonic() + 5, {}
        while time.monotonic() < deadline:
            parsed = api.post("/api/v1/intents/parse", json={"text": PAYMENTS}, headers=keys.requester).json()
            if parsed["parser"] == "rules+llm":
                break
            time.sleep(0.1)
        assert parsed["parser"] == "rules+llm" and parsed["missing"] == [], parsed
        assert parsed["intent"]["app"]["tag"] == "2.3.1"
        assert model.requests[-1]["auth"] == "Bearer sk-config"
    finally:
        off = api.patch(f"/api/v1/config/{item['id']}", json={"version": item["version"], "enabled": False},
                        headers=keys.admin)
        assert off.status_code == 200, off.text
