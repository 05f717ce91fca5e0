"""A PATCH that changes or drops a key's schema never lets a value in that a schema forbids.

The holes this closes (issue 12): dropping the schema and storing a forbidden value in one
PATCH; a stricter schema that the values already stored at other scopes break; and a seeded
key (whose readers rely on its shape) losing its built-in schema.
"""

from __future__ import annotations

SCHEMA = {"type": "object", "required": ["replicas"], "additionalProperties": False,
          "properties": {"replicas": {"type": "integer", "minimum": 1, "maximum": 10}}}


def _post(api, headers, **body):
    return api.post("/api/v1/config", json=body, headers=headers)


def _patch(api, headers, item_id, **body):
    return api.patch(f"/api/v1/config/{item_id}", json=body, headers=headers)


def _get(api, headers, item_id):
    return api.get(f"/api/v1/config/{item_id}", headers=headers).json()


def test_dropping_the_schema_and_storing_what_it_forbade_in_one_patch_is_422(config_api, keys, key_prefix):
    item = _post(config_api, keys.admin, key=f"{key_prefix}drop", value={"replicas": 2}, json_schema=SCHEMA).json()
    both = _patch(config_api, keys.admin, item["id"], version=1, json_schema=None, value={"replicas": 50})
    assert both.status_code == 422, both.text
    assert "value.replicas: must be <= 10" in both.json()["detail"] and "change json_schema first" in both.json()["detail"]
    after = _get(config_api, keys.viewer, item["id"])
    assert after["version"] == 1 and after["json_schema"] == SCHEMA and after["value"] == {"replicas": 2}
    # the two decisions taken one at a time are allowed, and both are in the audit trail
    assert _patch(config_api, keys.admin, item["id"], version=1, json_schema=None).status_code == 200
    assert _patch(config_api, keys.admin, item["id"], version=2, value={"replicas": 50}).status_code == 200
    audit = config_api.get(f"/api/v1/config/{item['id']}/audit", headers=keys.admin).json()
    assert audit[1]["diff"]["json_schema"] == {"old": SCHEMA, "new": None}
    assert audit[2]["diff"]["value"] == {"old": {"replicas": 2}, "new": {"replicas": 50}}


def test_a_stricter_schema_is_checked_against_the_stored_value(config_api, keys, key_prefix):
    item = _post(config_api, keys.admin, key=f"{key_prefix}strict", value={"replicas": 5}, json_schema=SCHEMA).json()
    stricter = {**SCHEMA, "properties": {"replicas": {"type": "integer", "minimum": 1, "maximum": 3}}}
    refused = _patch(config_api, keys.admin, item["id"], version=1, json_schema=stricter)
    assert refused.status_code == 422 and "value.replicas: must be <= 3" in refused.json()["detail"]
    assert _get(config_api, keys.viewer, item["id"])["json_schema"] == SCHEMA


def test_a_new_schema_must_hold_for_values_stored_at_other_scopes(config_api, keys, key_prefix):
    key = f"{key_prefix}scopes"
    global_row = _post(config_api, keys.admin, key=key, value={"replicas": 2}, json_schema=SCHEMA).json()
    tenant = _post(config_api, keys.admin, key=key, scope={"tenant": "acme"}, value={"replicas": 8}).json()
    secret = _post(config_api, keys.admin, key=key, scope={"env": "prod"}, value={"replicas": 9}, is_secret=True).json()
    stricter = {**SCHEMA, "properties": {"replicas": {"type": "integer", "minimum": 1, "maximum": 6}}}
    refused = _patch(config_api, keys.admin, global_row["id"], version=1, json_schema=stricter)
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    assert f"item {tenant['id']} (scope tenant=acme) value.replicas: must be <= 6" in detail
    assert f"item {secret['id']} (scope env=prod)" in detail and "9" not in detail.split("must be <= 6")[-1]
    # a schema added at another scope's create is held to the same rule
    late = _post(config_api, keys.admin, key=key, scope={"service": "web"}, value={"replicas": 1}, json_schema=stricter)
    assert late.status_code == 422 and f"item {tenant['id']}" in late.json()["detail"]


def test_a_seeded_key_keeps_its_built_in_schema_when_the_stored_one_is_dropped(config_api, keys, key_prefix,
                                                                             monkeypatch):
    from shared.config.defaults import DEFAULTS

    from services.gateway import config_service as svc

    assert set(svc.BUILTIN_SCHEMAS) == {d["key"] for d in DEFAULTS}  # every seeded key carries its own
    # a key of this test's own, registered as built-in the way the seeded ones are (the seeded
    # rows themselves are left alone: other tests count their audit rows)
    key = f"{key_prefix}environment"
    monkeypatch.setitem(svc.BUILTIN_SCHEMAS, key, svc.BUILTIN_SCHEMAS["defaults.environment"])
    item = _post(config_api, keys.admin, key=key, value="dev")
    assert item.status_code == 201, item.text
    item_id = item.json()["id"]
    assert _post(config_api, keys.admin, key=key, scope={"env": "x"}, value="moon").status_code == 422
    assert _patch(config_api, keys.admin, item_id, version=1, json_schema={"type": "string"}).status_code == 200
    assert _patch(config_api, keys.admin, item_id, version=2, json_schema=None).status_code == 200
    refused = _patch(config_api, keys.admin, item_id, version=3, value="moon")
    assert refused.status_code == 422 and "must be one of ['dev', 'staging', 'prod']" in refused.json()["detail"]
    assert _patch(config_api, keys.admin, item_id, version=3, value="prod").status_code == 200
