"""Writes over HTTP: create, PATCH with optimistic concurrency, schemas, roles, audit."""

from __future__ import annotations

from sqlalchemy import func, select

from shared.db.models_config import ConfigAudit
from shared.db.session import session_scope

SCHEMA = {"type": "object", "required": ["replicas"], "additionalProperties": False,
          "properties": {"replicas": {"type": "integer", "minimum": 1, "maximum": 10}}}


def _post(api, headers, **body):
    return api.post("/api/v1/config", json=body, headers=headers)


def test_create_then_duplicate_scope_is_409(config_api, keys, key_prefix):
    key = f"{key_prefix}dup"
    made = _post(config_api, keys.admin, key=key, scope={"env": "prod"}, value="a")
    assert made.status_code == 201, made.text
    assert made.json()["version"] == 1 and made.json()["scope"] == {"env": "prod", "service": None, "tenant": None}
    again = _post(config_api, keys.admin, key=key, scope={"env": "prod"}, value="b")
    assert again.status_code == 409 and f"item {made.json()['id']}" in again.json()["detail"]
    assert _post(config_api, keys.admin, key=key, value="global").status_code == 201


def test_writes_need_admin_and_valid_input(config_api, keys, key_prefix):
    refused = _post(config_api, keys.approver, key=f"{key_prefix}x", value=1)
    assert refused.status_code == 403 and "admin role" in refused.json()["detail"]
    bad_key = _post(config_api, keys.admin, key="Bad Key!", value=1)
    assert bad_key.status_code == 422 and "key" in bad_key.json()["detail"]
    bad_scope = _post(config_api, keys.admin, key=f"{key_prefix}x", value=1, scope={"region": "eu"})
    assert bad_scope.status_code == 422 and "region" in bad_scope.json()["detail"]


def test_patch_with_current_version_wins_and_stale_version_gets_409(config_api, keys, key_prefix):
    item = _post(config_api, keys.admin, key=f"{key_prefix}occ", value={"replicas": 2}, json_schema=SCHEMA).json()
    first = config_api.patch(f"/api/v1/config/{item['id']}", json={"version": 1, "value": {"replicas": 3}},
                             headers=keys.admin)
    assert first.status_code == 200 and first.json()["version"] == 2 and first.json()["value"] == {"replicas": 3}
    stale = config_api.patch(f"/api/v1/config/{item['id']}", json={"version": 1, "value": {"replicas": 9}},
                             headers=keys.admin)
    assert stale.status_code == 409 and "version 2, not 1" in stale.json()["detail"]
    after = config_api.get(f"/api/v1/config/{item['id']}", headers=keys.viewer).json()
    assert after["value"] == {"replicas": 3} and after["version"] == 2
    audit = config_api.get(f"/api/v1/config/{item['id']}/audit", headers=keys.admin).json()
    assert [a["action"] for a in audit] == ["create", "update"]
    assert audit[1]["diff"]["value"] == {"old": {"replicas": 2}, "new": {"replicas": 3}}
    assert audit[1]["actor"].startswith("admin-")


def test_concurrent_patches_with_one_version_exactly_one_wins(config_api, keys, key_prefix):
    from concurrent.futures import ThreadPoolExecutor

    item = _post(config_api, keys.admin, key=f"{key_prefix}race", value=0).json()
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda n: config_api.patch(f"/api/v1/config/{item['id']}",
                                                          json={"version": 1, "value": n + 1},
                                                          headers=keys.admin).status_code, range(8)))
    assert sorted(codes) == [200] + [409] * 7
    assert config_api.get(f"/api/v1/config/{item['id']}", headers=keys.viewer).json()["version"] == 2


def test_values_are_checked_against_every_schema_of_the_key(config_api, keys, key_prefix):
    key = f"{key_prefix}schema"
    bad = _post(config_api, keys.admin, key=key, value={"replicas": 50}, json_schema=SCHEMA)
    assert bad.status_code == 422 and "value.replicas: must be <= 10" in bad.json()["detail"]
    assert _post(config_api, keys.admin, key=key, value={"replicas": 5}, json_schema=SCHEMA).status_code == 201
    # an override at another scope must satisfy the schema the global row carries
    override = _post(config_api, keys.admin, key=key, scope={"tenant": "acme"}, value={"replicas": "many"})
    assert override.status_code == 422 and "must be integer, got string" in override.json()["detail"]
    unsupported = _post(config_api, keys.admin, key=f"{key_prefix}s2", value=1, json_schema={"oneOf": []})
    assert unsupported.status_code == 422 and "unsupported keyword 'oneOf'" in unsupported.json()["detail"]


def test_disable_and_enable_are_audited_and_change_resolution(config_api, keys, key_prefix):
    key = f"{key_prefix}toggle"
    _post(config_api, keys.admin, key=key, value="global")
    tenant = _post(config_api, keys.admin, key=key, scope={"tenant": "acme"}, value="acme").json()

    def resolved():
        return config_api.get("/api/v1/config/resolve", params={"key": key, "tenant": "acme"},
                              headers=keys.viewer).json()[0]["value"]

    assert resolved() == "acme"
    off = config_api.patch(f"/api/v1/config/{tenant['id']}", json={"version": 1, "enabled": False}, headers=keys.admin)
    assert off.status_code == 200 and off.json()["enabled"] is False
    assert resolved() == "global"
    config_api.patch(f"/api/v1/config/{tenant['id']}", json={"version": 2, "enabled": True}, headers=keys.admin)
    assert resolved() == "acme"
    actions = [a["action"] for a in config_api.get(f"/api/v1/config/{tenant['id']}/audit", headers=keys.admin).json()]
    assert actions == ["create", "disable", "enable"]
    empty = config_api.patch(f"/api/v1/config/{tenant['id']}", json={"version": 3}, headers=keys.admin)
    assert empty.status_code == 422 and "nothing to change" in empty.json()["detail"]


def test_unknown_item_and_non_secret_rotation(config_api, keys, key_prefix):
    assert config_api.patch("/api/v1/config/999999", json={"version": 1, "value": 1}, headers=keys.admin).status_code == 404
    plain = _post(config_api, keys.admin, key=f"{key_prefix}plain", value=1).json()
    rotate = config_api.post(f"/api/v1/config/{plain['id']}/rotate", headers=keys.admin)
    assert rotate.status_code == 422 and "not a secret" in rotate.json()["detail"]
    assert config_api.get(f"/api/v1/config/{plain['id']}/audit", headers=keys.viewer).status_code == 403


def test_seed_defaults_once_and_never_overwrite(config_db):
    from shared.config.defaults import DEFAULTS

    from services.gateway import config_service as svc

    from shared.config import ConfigClient

    with session_scope() as db:
        svc.seed_defaults(db)
    with session_scope() as db:
        assert svc.seed_defaults(db) == []
        creates = db.scalar(select(func.count()).select_from(ConfigAudit).where(
            ConfigAudit.action == "create", ConfigAudit.diff["key"].astext.in_([d["key"] for d in DEFAULTS])))
    assert creates == len(DEFAULTS)
    client = ConfigClient(listen=False)
    assert client.value("persona.security", tenant="any")["blocks_at"] == "MEDIUM"
    assert client.value("persona.devops")["blocks_at"] is None
    client.close()
