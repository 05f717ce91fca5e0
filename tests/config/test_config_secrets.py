"""Secrets: envelope encryption, rotation history, KEK rotation, Vault Transit, no leaks."""

from __future__ import annotations

import base64
import json
import logging
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import redis
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, text

from shared.config.envelope import open_sealed, seal
from shared.config.keys import KeyProviderError, LocalKeyProvider, VaultTransitKeyProvider, _write_ring
from shared.db.models import Role
from shared.db.models_config import ConfigItem, ConfigSecretVersion
from shared.db.session import session_scope

from services.gateway import config_service as svc
from services.gateway.auth import create_key


def test_envelope_binds_ciphertext_to_item_and_version(tmp_path):
    _write_ring(tmp_path / "ring.json", {"k1": AESGCM.generate_key(256)}, "k1")
    provider = LocalKeyProvider(tmp_path / "ring.json")
    sealed = seal(provider, {"token": "ghp_x"}, item_id=7, version=1)
    assert open_sealed(provider, sealed, 7, 1) == {"token": "ghp_x"}
    assert b"ghp_x" not in sealed.ciphertext and "ghp_x" not in repr(sealed)
    with pytest.raises(InvalidTag):
        open_sealed(provider, sealed, 8, 1)  # copied onto another row
    with pytest.raises(InvalidTag):
        open_sealed(provider, sealed, 7, 2)  # replayed as another version


def test_kek_rotation_rewraps_everything_and_old_values_open_meanwhile(config_db, tmp_path, key_prefix):
    _write_ring(tmp_path / "ring.json", {"old": AESGCM.generate_key(256)}, "old")
    provider = LocalKeyProvider(tmp_path / "ring.json")
    with session_scope() as db:
        item_id = svc.create_item(db, key=f"{key_prefix}kek", scope=svc.Scope(), value="v1", is_secret=True,
                                  actor="tests", provider=provider).id
    with session_scope() as db:
        svc.rotate_item(db, item_id, actor="tests", value="v2", provider=provider)
    other_instance = LocalKeyProvider(tmp_path / "ring.json")  # loaded before the new KEK exists
    new_id = provider.add_key("new")
    with session_scope() as db:  # before the re-wrap, values wrapped by the old KEK still open
        assert svc.reveal(svc.get_item(db, item_id), provider) == "v2"
        moved = svc.rewrap_all(db, actor="tests", provider=provider)
    assert moved >= 2
    with session_scope() as db:
        item = svc.get_item(db, item_id)
        versions = db.scalars(select(ConfigSecretVersion).where(ConfigSecretVersion.item_id == item_id)).all()
        assert item.secret_key_id == new_id and {v.key_id for v in versions} == {new_id}
        assert svc.reveal(item, other_instance) == "v2"  # the other instance reloads the keyring on an unknown id
        provider.retire_key("old")
        assert svc.reveal(item, LocalKeyProvider(tmp_path / "ring.json")) == "v2"
    with pytest.raises(KeyProviderError, match="current KEK"):
        provider.retire_key(new_id)
    _disable_rows_sealed_by(["old", new_id])


def _disable_rows_sealed_by(key_ids: list[str]) -> None:
    """This test's private keyring re-wrapped every secret in the shared test database; the
    gateways of later tests hold the session's keyring and could not open them, so the rows are
    disabled (resolution skips them) rather than left to break a listing of every key."""
    with session_scope() as db:
        for item in db.scalars(select(ConfigItem).where(ConfigItem.secret_key_id.in_(key_ids))):
            item.enabled = False


def test_rotation_keeps_history_with_a_new_data_key_each_time(config_api, keys, key_prefix):
    made = config_api.post("/api/v1/config", json={"key": f"{key_prefix}gh", "value": "tok-1", "is_secret": True},
                           headers=keys.admin).json()
    one = config_api.post(f"/api/v1/config/{made['id']}/rotate", headers=keys.admin).json()
    two = config_api.post(f"/api/v1/config/{made['id']}/rotate", json={"value": "tok-2", "version": 2},
                          headers=keys.admin).json()
    assert (one["secret_version"], two["secret_version"], two["version"]) == (2, 3, 3)
    stale = config_api.post(f"/api/v1/config/{made['id']}/rotate", json={"version": 2}, headers=keys.admin)
    assert stale.status_code == 409
    with session_scope() as db:
        rows = db.scalars(select(ConfigSecretVersion).where(ConfigSecretVersion.item_id == made["id"])
                          .order_by(ConfigSecretVersion.version)).all()
        assert [r.version for r in rows] == [1, 2, 3]
        assert len({r.wrapped_key for r in rows}) == 3 and len({r.ciphertext for r in rows}) == 3
        from shared.config.envelope import Sealed
        from shared.config.keys import get_key_provider

        opened = [open_sealed(get_key_provider(), Sealed(r.ciphertext, r.wrapped_key, r.key_id), made["id"], r.version)
                  for r in rows]
        assert opened == ["tok-1", "tok-1", "tok-2"]
    revealed = config_api.get(f"/api/v1/config/{made['id']}", params={"reveal": "true"}, headers=keys.admin)
    assert revealed.json()["value"] == "tok-2" and revealed.json()["redacted"] is False


def test_only_admin_and_listed_service_keys_may_reveal(config_api, keys, key_prefix, monkeypatch):
    key = f"{key_prefix}kube"
    config_api.post("/api/v1/config", json={"key": key, "value": "kubeconfig-xyz", "is_secret": True}, headers=keys.admin)
    params = {"key": key, "reveal": "true"}
    refused = config_api.get("/api/v1/config/resolve", params=params, headers=keys.approver)
    assert refused.status_code == 403 and "config_secret_readers" in refused.json()["detail"]
    admin = config_api.get("/api/v1/config/resolve", params=params, headers=keys.admin)
    assert admin.json()[0]["value"] == "kubeconfig-xyz"
    name = f"svc-k8s-{uuid.uuid4().hex[:6]}"
    with session_scope() as db:  # a service's own key (a viewer key) listed as a secret reader
        service_key = {"X-API-Key": create_key(db, name, Role.viewer, actor="tests")}
    assert config_api.get("/api/v1/config/resolve", params=params, headers=service_key).status_code == 403
    real_option = svc.option
    monkeypatch.setattr(svc, "option", lambda n: [name] if n == "config_secret_readers" else real_option(n))
    assert config_api.get("/api/v1/config/resolve", params=params, headers=service_key).json()[0]["value"] == "kubeconfig-xyz"


def test_a_secret_never_shows_in_responses_logs_audit_or_cache(config_api, keys, key_prefix, caplog, capfd):
    """Drive every path a secret takes, then grep everything captured for its plaintext."""
    caplog.set_level(logging.DEBUG)
    plain, plain2 = f"ghp_{uuid.uuid4().hex}", f"ghp_{uuid.uuid4().hex}"
    key = f"{key_prefix}github.token"
    bodies = []

    def call(method, url, **kwargs):
        response = config_api.request(method, url, **kwargs)
        bodies.append(response.text)
        return response

    made = call("POST", "/api/v1/config", json={"key": key, "value": plain, "is_secret": True,
                                                 "json_schema": {"type": "string", "minLength": 10}},
                headers=keys.admin).json()
    bad = call("POST", "/api/v1/config", json={"key": key, "scope": {"env": "prod"}, "value": "short", "is_secret": True},
               headers=keys.admin)
    assert bad.status_code == 422
    call("PATCH", f"/api/v1/config/{made['id']}", json={"version": 1, "value": 12345678}, headers=keys.admin)
    call("PATCH", f"/api/v1/config/{made['id']}", json={"version": 1, "enabled": False}, headers=keys.admin)
    call("PATCH", f"/api/v1/config/{made['id']}", json={"version": 2, "enabled": True}, headers=keys.admin)
    call("POST", f"/api/v1/config/{made['id']}/rotate", headers=keys.admin)
    call("POST", f"/api/v1/config/{made['id']}/rotate", json={"value": plain2}, headers=keys.admin)
    for headers in (keys.viewer, keys.admin):
        call("GET", "/api/v1/config/resolve", params={"key": key}, headers=headers)
        call("GET", "/api/v1/config/resolve", params={"prefix": key_prefix}, headers=headers)
        call("GET", "/api/v1/config", params={"prefix": key_prefix}, headers=headers)
        call("GET", f"/api/v1/config/{made['id']}", headers=headers)
    call("GET", "/api/v1/config/resolve", params={"key": key, "reveal": "true"}, headers=keys.viewer)
    call("GET", f"/api/v1/config/{made['id']}/audit", headers=keys.admin)
    resolved = config_api.get("/api/v1/config/resolve", params={"key": key}, headers=keys.viewer).json()[0]
    assert resolved["redacted"] is True and resolved["value"] is None

    with session_scope() as db:
        audit = db.execute(text("SELECT coalesce(string_agg(diff::text, ' '), '') FROM config_audit")).scalar()
        rows = db.execute(text("SELECT coalesce(string_agg(coalesce(value_plain, '') || coalesce(value_json::text, '')"
                               " || encode(coalesce(secret_ciphertext, ''), 'escape'), ' '), '') FROM config_items")).scalar()
    from shared.settings import get_settings

    cache = redis.Redis.from_url(get_settings().redis_url)
    cached = b" ".join(v for k in cache.scan_iter("config:*") if cache.type(k) == b"hash"
                       for v in cache.hgetall(k).values()).decode()
    out, err = capfd.readouterr()
    haystacks = {"responses": " ".join(bodies), "logs": caplog.text, "stdout/stderr": out + err,
                 "audit": audit, "config_items": rows, "redis": cached}
    assert "<redacted>" in audit
    for secret in (plain, plain2):
        for where, text_ in haystacks.items():
            assert secret not in text_, f"plaintext found in {where}"
            assert base64.b64encode(json.dumps(secret).encode()).decode() not in text_, where


class TransitContract:
    """Answers like Vault's Transit API (encrypt/decrypt/rewrap, versioned keys, 400 errors)."""

    def __init__(self) -> None:
        self.keys = {1: AESGCM.generate_key(256)}

    def rotate(self) -> None:
        self.keys[max(self.keys) + 1] = AESGCM.generate_key(256)

    def _enc(self, plaintext_b64: str) -> str:
        import os

        version, nonce = max(self.keys), os.urandom(12)
        blob = nonce + AESGCM(self.keys[version]).encrypt(nonce, base64.b64decode(plaintext_b64), None)
        return f"vault:v{version}:{base64.b64encode(blob).decode()}"

    def _dec(self, ciphertext: str) -> str:
        _, version, blob = ciphertext.split(":", 2)
        raw = base64.b64decode(blob)
        return base64.b64encode(AESGCM(self.keys[int(version[1:])]).decrypt(raw[:12], raw[12:], None)).decode()

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["X-Vault-Token"] == "root-token"
        op, name = request.url.path.split("/")[-2:]
        if request.method == "GET":
            return httpx.Response(200, json={"data": {"latest_version": max(self.keys)}})
        body = json.loads(request.content)
        try:
            if op == "encrypt":
                data = {"ciphertext": self._enc(body["plaintext"])}
            elif op == "decrypt":
                data = {"plaintext": self._dec(body["ciphertext"])}
            else:
                data = {"ciphertext": self._enc(self._dec(body["ciphertext"]))}
        except Exception:  # noqa: BLE001 - Vault answers 400 with an errors list
            return httpx.Response(400, json={"errors": ["invalid ciphertext"]})
        return httpx.Response(200, json={"data": data})


@pytest.fixture
def transit():
    """The Transit contract served over HTTP on 127.0.0.1, so the provider's real client is used."""
    vault = TransitContract()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = httpx.Request(self.command, f"http://127.0.0.1{self.path}", headers=dict(self.headers),
                                    content=self.rfile.read(length))
            response = vault.handler(request)
            self.send_response(response.status_code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(response.content)))
            self.end_headers()
            self.wfile.write(response.content)

        do_GET = do_POST = do_PUT = _answer

        def log_message(self, *args) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield vault, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_vault_transit_provider_wraps_and_rewraps(config_db, key_prefix, transit):
    vault, address = transit
    provider = VaultTransitKeyProvider(address, "root-token", "mcpcloud-config")
    with session_scope() as db:
        item = svc.create_item(db, key=f"{key_prefix}vault", scope=svc.Scope(), value={"aws": "AKIA..."},
                               is_secret=True, actor="tests", provider=provider)
        assert item.secret_key_id == "vault:mcpcloud-config:v1"
    vault.rotate()
    with session_scope() as db:
        assert svc.rewrap_all(db, actor="tests", provider=provider) >= 1
        item = db.get(ConfigItem, item.id)
        assert item.secret_key_id == "vault:mcpcloud-config:v2"
        assert svc.reveal(item, provider) == {"aws": "AKIA..."}
    with pytest.raises(KeyProviderError, match="400"):
        provider.unwrap("vault:mcpcloud-config:v1", b"vault:v1:bm90IGEga2V5")
    _disable_rows_sealed_by(["vault:mcpcloud-config:v1", "vault:mcpcloud-config:v2"])
