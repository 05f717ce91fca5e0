"""Scan results shared by every policy worker process, in Redis.

The engine's own caches live in one process: a worker with several pool processes, a
restarted worker or another replica (KEDA scales the policy queue) would scan the same
stack shape again. This store keeps each framework part's checkov result under a key
made of the checkov version, the pack version and the content hash of the scanned
(canonical) files, so the first scan of a shape anywhere serves all of them.

A scan never depends on it: an unreachable Redis or an unreadable entry is logged and
the scan runs as if the entry were not there. Each entry carries the sha256 of its own
body, so a truncated or altered entry is never read back as a (shorter) result: it
is refused and the files are scanned again. Only complete scans are ever stored (a
scan in which a check raised ends in an ``error`` verdict and is not kept).
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

log = logging.getLogger(__name__)

#: Bumped when the stored JSON changes shape.
FORMAT = 2


class RedisScanStore:
    """get/put of serialised part results with a time to live."""

    def __init__(self, client: Any, ttl_seconds: int, prefix: str = "policy:scan:") -> None:
        self.client = client
        self.ttl_seconds = ttl_seconds
        self.prefix = prefix

    @classmethod
    def from_url(cls, url: str, ttl_seconds: int) -> RedisScanStore:
        import redis

        return cls(redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5), ttl_seconds)

    def _key(self, key: str) -> str:
        return f"{self.prefix}v{FORMAT}:{key}"

    def get(self, key: str) -> dict | None:
        try:
            raw = self.client.get(self._key(key))
        except Exception as exc:  # noqa: BLE001 - any Redis failure means "not cached"
            log.warning("scan store unreachable (%s): scanning without it", exc)
            return None
        if raw is None:
            return None
        try:
            entry = json.loads(raw)
            body = entry["body"]
            intact = entry["sha256"] == _digest(body)
        except (ValueError, KeyError, TypeError):
            log.warning("scan store entry %s is not a stored scan: ignored", key)
            return None
        if not intact:
            log.warning("scan store entry %s does not match its digest: ignored, scanning again", key)
            return None
        try:
            return json.loads(body)
        except ValueError:
            log.warning("scan store entry %s is not JSON: ignored", key)
            return None

    def put(self, key: str, value: dict) -> None:
        body = json.dumps(value, separators=(",", ":"))
        entry = json.dumps({"sha256": _digest(body), "body": body}, separators=(",", ":"))
        try:
            self.client.set(self._key(key), entry, ex=self.ttl_seconds)
        except Exception as exc:  # noqa: BLE001
            log.warning("scan store unreachable (%s): result kept in this process only", exc)


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
