"""The resolution rule at every level, its ties, disabled rows and prefixes (client and HTTP)."""

from __future__ import annotations

import pytest

from shared.config.resolve import Scope
from shared.db.session import session_scope

from services.gateway import config_service as svc

# (env, service, tenant) of each row, named by what it scopes
ROWS = {
    "global": (None, None, None),
    "env": ("prod", None, None),
    "service": (None, "gateway", None),
    "service+env": ("prod", "gateway", None),
    "tenant": (None, None, "acme"),
    "tenant+env": ("prod", None, "acme"),
    "tenant+service": (None, "gateway", "acme"),
    "tenant+service+env": ("prod", "gateway", "acme"),
}
# Most specific first: the documented order (shared/config/resolve.py).
ORDER = ["tenant+service+env", "tenant+service", "tenant+env", "tenant", "service+env", "service", "env", "global"]
FULL = {"env": "prod", "service": "gateway", "tenant": "acme"}


def _create(key: str, name: str, value=None, **extra) -> int:
    env, service, tenant = ROWS[name]
    with session_scope() as db:
        return svc.create_item(db, key=key, scope=Scope(env, service, tenant), value=value or name,
                               actor="tests", **extra).id


def _disable(item_id: int) -> None:
    with session_scope() as db:
        item = svc.get_item(db, item_id)
        svc.update_item(db, item_id, version=item.version, enabled=False, actor="tests")


def test_every_level_wins_over_all_less_specific_ones(client, key_prefix):
    """Peel the rows off from the most specific: each time the next one in ORDER wins."""
    key = f"{key_prefix}level"
    ids = {name: _create(key, name) for name in ROWS}
    for name in ORDER:
        assert client.value(key, **FULL) == name
        heard(client, key, lambda: _disable(ids[name]))
    assert client.get(key, **FULL) is None


def heard(client, key: str, write) -> None:
    """Run `write`, then wait until this client's listener has dropped `key` (milliseconds)."""
    import time

    before = client._gen.get(key, 0)
    write()
    deadline = time.monotonic() + 5
    while client._gen.get(key, 0) == before and time.monotonic() < deadline:
        time.sleep(0.002)
    assert client._gen.get(key, 0) > before, "invalidation not received"


@pytest.mark.parametrize(("winner", "loser"), [
    ("tenant", "service+env"),          # any tenant row beats any row without a tenant
    ("tenant+service", "tenant+env"),   # same tenant: service beats env
    ("service", "env"),                 # no tenant: service beats env
    ("env", "global"),
])
def test_ties_between_partial_scopes(client, key_prefix, winner, loser):
    key = f"{key_prefix}tie"
    _create(key, loser)
    _create(key, winner)
    assert client.value(key, **FULL) == winner


def test_a_row_matches_only_when_every_set_column_equals_the_query(client, key_prefix):
    key = f"{key_prefix}match"
    for name in ("global", "env", "tenant+service"):
        _create(key, name)
    assert client.value(key, env="dev", service="gateway", tenant="acme") == "tenant+service"
    assert client.value(key, env="dev", service="gateway", tenant="other") == "global"
    assert client.value(key, env="prod", service="rag") == "env"
    # a scope the query leaves out matches only rows where that column is NULL
    assert client.value(key, service="gateway", tenant="acme") == "tenant+service"
    assert client.value(key) == "global"


def test_missing_key_is_none_and_prefix_resolves_each_key(client, key_prefix):
    assert client.get(f"{key_prefix}nothing") is None
    _create(f"{key_prefix}p.a", "global")
    _create(f"{key_prefix}p.a", "env")
    _create(f"{key_prefix}p.b", "tenant")
    _create(f"{key_prefix}q", "global")
    found = client.get_prefix(f"{key_prefix}p.", **FULL)
    assert {k: v.value for k, v in found.items()} == {f"{key_prefix}p.a": "env", f"{key_prefix}p.b": "tenant"}


def test_http_resolve_one_key_and_prefix(config_api, keys, key_prefix):
    key = f"{key_prefix}http"
    _create(key, "global", value={"replicas": 2})
    _create(key, "service", value={"replicas": 5})
    one = config_api.get("/api/v1/config/resolve", params={"key": key, "service": "gateway"}, headers=keys.viewer)
    assert one.status_code == 200, one.text
    assert one.json()[0]["value"] == {"replicas": 5} and one.json()[0]["scope"]["service"] == "gateway"
    other = config_api.get("/api/v1/config/resolve", params={"key": key, "service": "rag"}, headers=keys.viewer)
    assert other.json()[0]["value"] == {"replicas": 2}
    many = config_api.get("/api/v1/config/resolve", params={"prefix": key_prefix}, headers=keys.viewer)
    assert [r["key"] for r in many.json()] == [key]
    missing = config_api.get("/api/v1/config/resolve", params={"key": f"{key_prefix}none"}, headers=keys.viewer)
    assert missing.status_code == 404 and "no enabled value" in missing.json()["detail"]
    both = config_api.get("/api/v1/config/resolve", params={"key": key, "prefix": "x"}, headers=keys.viewer)
    assert both.status_code == 400
    assert config_api.get("/api/v1/config/resolve", params={"key": key}).status_code == 401
