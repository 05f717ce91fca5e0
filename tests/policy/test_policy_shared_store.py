"""Policy worker processes share scan results through Redis (a real one, test database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.policy.conftest import bundle_from_dir

from services.policy.scan_store import RedisScanStore
from services.policy.scanner import GuardrailEngine
from shared.settings import get_settings

GENERATED = Path(__file__).resolve().parents[1] / "fixtures" / "generated"


@pytest.fixture()
def store():
    import redis

    client = redis.Redis.from_url(get_settings().redis_url)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not running at {get_settings().redis_url}: start it with `bash scripts/infra.sh start`")
    prefix = "policy:scan:test:"
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    yield RedisScanStore(client, ttl_seconds=60, prefix=prefix)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def test_a_second_process_gets_the_first_ones_scan(store):
    bundle = bundle_from_dir(GENERATED / "public-website-bucket", skip_unsupported=True)
    first = GuardrailEngine(shared_store=store)
    verdict = first.scan(bundle, "devops")
    assert first.stats.checkov_scans == 1

    second = GuardrailEngine(shared_store=store)  # another worker process: empty caches of its own
    again = second.scan(bundle, "devops")

    assert second.stats.checkov_scans == 0 and second.stats.shared_hits == 1
    assert again.status == verdict.status == "blocked"
    assert again.findings == verdict.findings
    keys = list(store.client.scan_iter(f"{store.prefix}*"))
    assert len(keys) == 1 and 0 < store.client.ttl(keys[0]) <= 60


def test_an_unreachable_store_never_fails_a_scan():
    dead = RedisScanStore.from_url("redis://127.0.0.1:1/0", ttl_seconds=60)
    engine = GuardrailEngine(shared_store=dead)

    verdict = engine.scan(bundle_from_dir(GENERATED / "root-pod", skip_unsupported=True), "devops")

    assert verdict.status == "blocked" and engine.stats.checkov_scans == 1


def test_an_unreadable_entry_is_scanned_again(store):
    bundle = bundle_from_dir(GENERATED / "root-pod", skip_unsupported=True)
    GuardrailEngine(shared_store=store).scan(bundle, "devops")
    for key in store.client.scan_iter(f"{store.prefix}*"):
        store.client.set(key, '{"findings": "not a list"}')

    engine = GuardrailEngine(shared_store=store)
    verdict = engine.scan(bundle, "devops")

    assert verdict.status == "blocked" and engine.stats.checkov_scans == 1 and engine.stats.shared_hits == 0


def test_an_entry_altered_to_drop_its_findings_is_never_read_back(store):
    """A well-formed entry whose findings were emptied (truncated, tampered) does not pass a bundle."""
    import json

    bundle = bundle_from_dir(GENERATED / "public-website-bucket", skip_unsupported=True)
    GuardrailEngine(shared_store=store).scan(bundle, "devops")
    for key in store.client.scan_iter(f"{store.prefix}*"):
        entry = json.loads(store.client.get(key))
        body = json.loads(entry["body"])
        body["findings"], body["checks_failed"] = [], 0
        entry["body"] = json.dumps(body)
        store.client.set(key, json.dumps(entry))

    engine = GuardrailEngine(shared_store=store)
    verdict = engine.scan(bundle, "devops")

    assert verdict.status == "blocked" and verdict.findings
    assert engine.stats.shared_hits == 0 and engine.stats.checkov_scans == 1
