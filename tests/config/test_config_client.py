"""The client: invalidation across processes, Redis down, Postgres down (bounded staleness)."""

from __future__ import annotations

import json
import logging
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from shared.config import ConfigClient, ConfigUnavailable
from shared.config.resolve import Scope
from shared.db.session import session_scope

from services.gateway import config_service as svc

KEK_FILE = Path(os.environ["MCP_CONFIG_KEK_FILE"])  # a temp keyring, set by tests/conftest.py

HERE = Path(__file__).resolve().parent


def _create(key: str, value, **extra) -> int:
    with session_scope() as db:
        return svc.create_item(db, key=key, scope=Scope(), value=value, actor="tests", **extra).id


def _patch(item_id: int, version: int, value) -> None:
    with session_scope() as db:
        svc.update_item(db, item_id, version=version, value=value, actor="tests")


class Subscriber:
    def __init__(self, key: str) -> None:
        self.process = subprocess.Popen([sys.executable, str(HERE / "subscriber.py"), key],
                                        stdout=subprocess.PIPE, text=True, env=os.environ.copy())
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(json.loads(line))

    def next(self, timeout: float = 10) -> dict:
        return self.lines.get(timeout=timeout)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def test_a_write_is_seen_by_every_subscribed_process_and_a_stale_patch_by_none(config_db, key_prefix):
    key = f"{key_prefix}fanout"
    item_id = _create(key, {"n": 0})
    subscribers = [Subscriber(key) for _ in range(3)]
    try:
        for sub in subscribers:
            assert sub.next(30) == {"ready": True, "value": {"n": 0}}
        _patch(item_id, 1, {"n": 1})
        written = time.time()
        seen = [sub.next(5) for sub in subscribers]
        assert [s["value"] for s in seen] == [{"n": 1}] * 3
        assert max(s["t"] for s in seen) - written < 2
        with pytest.raises(svc.ConfigError) as stale:
            _patch(item_id, 1, {"n": 99})
        assert stale.value.status == 409
        _patch(item_id, 2, {"n": 2})
        assert [sub.next(5)["value"] for sub in subscribers] == [{"n": 2}] * 3  # never {"n": 99}
        for sub in subscribers:
            with pytest.raises(queue.Empty):
                sub.next(0.3)
    finally:
        for sub in subscribers:
            sub.stop()


def test_in_process_cache_drops_a_key_when_it_is_written(client, key_prefix):
    key = f"{key_prefix}local"
    before = client._gen.get(key, 0)
    item_id = _create(key, "a")
    deadline = time.monotonic() + 5  # let the create's own invalidation pass first: it would drop the entry
    while client._gen.get(key, 0) == before and time.monotonic() < deadline:
        time.sleep(0.002)
    assert client.value(key) == "a"
    assert client._local[key]  # cached in-process
    seen: list[list[str]] = []
    client.on_invalidate(seen.append)
    _patch(item_id, 1, "b")
    deadline = time.monotonic() + 2
    while client.value(key) != "b" and time.monotonic() < deadline:
        time.sleep(0.005)
    assert client.value(key) == "b" and [key] in seen


def test_redis_down_reads_postgres_and_says_so(config_db, key_prefix, caplog):
    caplog.set_level(logging.WARNING)
    key = f"{key_prefix}noredis"
    item_id = _create(key, 1)
    down = ConfigClient(redis_url="redis://127.0.0.1:1/0")
    try:
        assert down.value(key) == 1
        assert down.degraded and "redis" in down.degraded and "reading Postgres directly" in down.degraded
        _patch(item_id, 1, 2)
        assert down.value(key) == 2  # no in-process cache while invalidations cannot be heard
        assert "Redis unavailable" in caplog.text
    finally:
        down.close()


def test_postgres_down_serves_cacheable_values_for_a_bounded_time(config_db, key_prefix):
    cacheable, private = f"{key_prefix}pg.cacheable", f"{key_prefix}pg.private"
    _create(cacheable, "keep")
    _create(private, "fresh-only", cacheable=False)
    client = ConfigClient(stale_max=1.0)
    try:
        assert client.wait_listening()
        assert client.value(cacheable) == "keep" and client.value(private) == "fresh-only"
        client.engine = create_engine("postgresql+psycopg://nobody:x@127.0.0.1:1/none", connect_args={"connect_timeout": 1})
        client._clear_local()
        client._redis.delete(f"config:cache:{cacheable}", f"config:cache:{private}")
        assert client.value(cacheable) == "keep"
        assert client.degraded and "postgres" in client.degraded
        with pytest.raises(ConfigUnavailable, match="not cacheable"):
            client.get(private)
        with pytest.raises(ConfigUnavailable, match="no last known value"):
            client.get(f"{key_prefix}never-read")
        time.sleep(1.1)
        with pytest.raises(ConfigUnavailable, match="old"):
            client.get(cacheable)
    finally:
        client.close()
