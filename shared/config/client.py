"""The config client every service uses: in-process cache -> Redis -> Postgres.

Why three layers: an in-process hit costs microseconds; Redis shares a resolved value
between instances so Postgres sees one query per change, not one per instance; Postgres
is the source of truth. Freshness comes from invalidation, not short TTLs: a background
thread listens on `config:invalidate` and drops a changed key the moment it is written.

Degraded modes (reported by `degraded`, for /readyz, and logged once per change):
- Redis down: the in-process cache is bypassed (invalidations cannot be heard) and every
  read goes to Postgres. When the listener reconnects it clears the in-process cache,
  since messages may have been missed while it was away.
- Postgres down (on a cache miss): the last value fetched is served only if its key is
  `cacheable` and it was fetched at most `config_stale_max_seconds` ago; otherwise
  `ConfigUnavailable`. A cache hit needs no Postgres: it is current by invalidation.

Secrets are cached sealed in Redis and opened here; values are never logged, only keys.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import redis
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from shared.config.entry import Resolved, from_entry, to_entry
from shared.config.invalidation import CHANNEL, cache_key, gen_key
from shared.config.keys import KeyProvider, get_key_provider
from shared.config.options import option
from shared.config.resolve import Scope, matching, most_specific

log = logging.getLogger(__name__)
_MISSING = {"missing": True}


class ConfigUnavailable(RuntimeError):
    """Postgres is down and no last known value may be served for this key."""


class ConfigClient:
    def __init__(self, *, engine: Engine | None = None, redis_url: str | None = None,
                 provider: KeyProvider | None = None, local_ttl: float | None = None,
                 redis_ttl: int | None = None, stale_max: float | None = None, listen: bool = True) -> None:
        from shared.db.session import get_engine
        from shared.settings import get_settings

        self.engine = engine or get_engine()
        self._provider = provider
        self.local_ttl = option("config_local_ttl_seconds") if local_ttl is None else local_ttl
        self.redis_ttl = option("config_redis_ttl_seconds") if redis_ttl is None else redis_ttl
        self.stale_max = option("config_stale_max_seconds") if stale_max is None else stale_max
        url = redis_url or get_settings().redis_url
        self._redis = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._sub_redis = redis.Redis.from_url(url, socket_connect_timeout=1, health_check_interval=5)
        self._lock = threading.Lock()
        self._local: dict[str, dict[str, tuple[Resolved | None, float]]] = {}
        self._prefix_local: dict[tuple[str, str], tuple[dict[str, Resolved], float]] = {}
        self._last_known: dict[tuple[str, str], tuple[Resolved, float]] = {}
        self._gen: dict[str, int] = {}
        self._epoch = 0
        self._listening = False
        self._redis_down: str | None = None
        self._pg_down: str | None = None
        self._listeners: list[Callable[[list[str]], None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if listen:
            self._thread = threading.Thread(target=self._listen, name="config-invalidate", daemon=True)
            self._thread.start()

    # -- public ------------------------------------------------------------------------

    @property
    def provider(self) -> KeyProvider:
        if self._provider is None:
            self._provider = get_key_provider()
        return self._provider

    @property
    def degraded(self) -> str | None:
        """Why the client is not fully healthy (None when it is): for /readyz and logs."""
        reasons = [r for r in (self._redis_down and f"redis: {self._redis_down}; reading Postgres directly",
                               self._pg_down and f"postgres: {self._pg_down}; serving last known cacheable values")
                   if r]
        return " | ".join(reasons) or None

    def wait_listening(self, timeout: float = 5) -> bool:
        deadline = time.monotonic() + timeout
        while not self._listening and time.monotonic() < deadline:
            time.sleep(0.01)
        return self._listening

    def on_invalidate(self, callback: Callable[[list[str]], None]) -> None:
        """Call `callback(keys)` after the listener dropped those keys (e.g. to rebuild state)."""
        self._listeners.append(callback)

    def get(self, key: str, *, env: str | None = None, service: str | None = None,
            tenant: str | None = None) -> Resolved | None:
        """The most specific enabled value of `key` for this scope (rule: shared/config/resolve.py)."""
        scope = Scope(env, service, tenant)
        field = scope.cache_field()
        now = time.monotonic()
        if self._listening:
            hit = self._local.get(key, {}).get(field)
            if hit is not None and now - hit[1] < self.local_ttl:
                return hit[0]
        token = self._token(key)
        resolved = self._from_redis(key, field)
        if resolved is False:
            resolved, fresh = self._from_postgres(key, scope, field)
            if not fresh:  # a stale value is served, never re-cached or re-dated
                return resolved
        self._remember(key, field, resolved, token)
        return resolved

    def value(self, key: str, default: Any = None, **scope: str | None) -> Any:
        found = self.get(key, **scope)
        return default if found is None else found.value

    def get_prefix(self, prefix: str, *, env: str | None = None, service: str | None = None,
                   tenant: str | None = None) -> dict[str, Resolved]:
        """Every key starting with `prefix`, resolved; cached in-process, read from Postgres."""
        scope = Scope(env, service, tenant)
        cache = (prefix, scope.cache_field())
        if self._listening:
            hit = self._prefix_local.get(cache)
            if hit is not None and time.monotonic() - hit[1] < self.local_ttl:
                return hit[0]
        epoch = self._epoch
        try:
            with Session(self.engine) as session:
                rows = session.scalars(matching(scope, prefix=prefix)).all()
                result = {k: self._open(to_entry(r)) for k, r in sorted(most_specific(rows).items())}
        except (DBAPIError, SQLAlchemyError) as exc:
            self._set_pg_down(exc)
            raise ConfigUnavailable(f"config prefix {prefix!r}: Postgres unavailable ({type(exc).__name__})") from exc
        self._set_pg_down(None)
        with self._lock:
            if self._epoch == epoch and self._listening:
                self._prefix_local[cache] = (result, time.monotonic())
        return result

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3)
        self._redis.close()
        self._sub_redis.close()

    # -- layers ------------------------------------------------------------------------

    def _token(self, key: str) -> tuple[int, int]:
        return self._epoch, self._gen.get(key, 0)

    def _from_redis(self, key: str, field: str) -> Resolved | None | bool:
        """The cached resolution, None for a cached 'no value', False on a miss or Redis down."""
        if self._redis_down:
            return False
        try:
            raw = self._redis.hget(cache_key(key), field)
        except redis.RedisError as exc:
            self._set_redis_down(exc)
            return False
        if raw is None:
            return False
        entry = json.loads(raw)
        return None if entry.get("missing") else self._open(entry)

    def _from_postgres(self, key: str, scope: Scope, field: str) -> tuple[Resolved | None, bool]:
        gen = self._redis_gen(key)
        try:
            with Session(self.engine) as session:
                best = most_specific(session.scalars(matching(scope, key=key)).all()).get(key)
                entry = to_entry(best) if best is not None else _MISSING
        except (DBAPIError, SQLAlchemyError) as exc:
            self._set_pg_down(exc)
            return self._stale(key, field, exc), False
        self._set_pg_down(None)
        if gen is not None:
            self._fill_redis(key, field, entry, gen)
        return (None if entry is _MISSING else self._open(entry)), True

    def _redis_gen(self, key: str) -> bytes | None:
        if self._redis_down:
            return None
        try:
            return self._redis.get(gen_key(key)) or b"0"
        except redis.RedisError as exc:
            self._set_redis_down(exc)
            return None

    def _fill_redis(self, key: str, field: str, entry: dict, gen: bytes) -> None:
        """Cache only if no write bumped the key's generation since we read Postgres."""
        try:
            with self._redis.pipeline() as pipe:
                pipe.watch(gen_key(key))
                if (pipe.get(gen_key(key)) or b"0") != gen:
                    return
                pipe.multi()
                pipe.hset(cache_key(key), field, json.dumps(entry))
                pipe.expire(cache_key(key), self.redis_ttl)
                pipe.execute()
        except redis.WatchError:
            pass
        except redis.RedisError as exc:
            self._set_redis_down(exc)

    def _stale(self, key: str, field: str, exc: Exception) -> Resolved:
        known = self._last_known.get((key, field))
        if known is None:
            raise ConfigUnavailable(f"config {key!r}: Postgres unavailable ({type(exc).__name__}) and no last known value") from exc
        resolved, fetched = known
        age = time.monotonic() - fetched
        if not resolved.cacheable:
            raise ConfigUnavailable(f"config {key!r}: Postgres unavailable and the key is not cacheable") from exc
        if age > self.stale_max:
            raise ConfigUnavailable(
                f"config {key!r}: Postgres unavailable; last known value is {age:.0f}s old (limit {self.stale_max:.0f}s)"
            ) from exc
        log.warning("config %r served stale (%.1fs old): Postgres unavailable", key, age)
        return resolved

    def _open(self, entry: dict) -> Resolved:
        return from_entry(entry, self.provider)

    def _remember(self, key: str, field: str, resolved: Resolved | None, token: tuple[int, int]) -> None:
        now = time.monotonic()
        with self._lock:
            if resolved is not None:
                self._last_known[(key, field)] = (resolved, now)
            if self._listening and self._token(key) == token:
                self._local.setdefault(key, {})[field] = (resolved, now)

    # -- invalidation listener ---------------------------------------------------------

    def _drop(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._gen[key] = self._gen.get(key, 0) + 1
                self._local.pop(key, None)
                for cached in [c for c in self._prefix_local if any(k.startswith(c[0]) for k in keys)]:
                    self._prefix_local.pop(cached, None)
        for callback in self._listeners:
            callback(keys)

    def _clear_local(self) -> None:
        with self._lock:
            self._epoch += 1
            self._local.clear()
            self._prefix_local.clear()

    def _listen(self) -> None:
        backoff = 0.2
        while not self._stop.is_set():
            pubsub = self._sub_redis.pubsub()
            try:
                pubsub.subscribe(CHANNEL)
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=0.5)
                    if message is None:
                        if self._redis_down and self._redis.ping():  # a reader saw an error; we are still subscribed
                            self._clear_local()
                            self._listening = True
                            self._set_redis_down(None)
                        continue
                    if message["type"] == "subscribe":
                        self._clear_local()  # anything cached before may have missed a message
                        self._listening = True
                        self._set_redis_down(None)
                        backoff = 0.2
                    elif message["type"] == "message":
                        self._drop(json.loads(message["data"])["keys"])
            except (redis.RedisError, OSError) as exc:
                self._listening = False
                self._set_redis_down(exc)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5)
            finally:
                try:
                    pubsub.close()
                except (redis.RedisError, OSError):
                    pass
        self._listening = False

    def _set_redis_down(self, exc: Exception | None) -> None:
        if exc is None:
            if self._redis_down:
                log.warning("config client: Redis is back; caching and invalidation resumed")
            self._redis_down = None
            return
        if not self._redis_down:
            log.warning("config client degraded: Redis unavailable (%s); reading Postgres directly", type(exc).__name__)
        self._listening = False
        self._redis_down = f"unavailable ({type(exc).__name__})"

    def _set_pg_down(self, exc: Exception | None) -> None:
        if exc is None:
            if self._pg_down:
                log.warning("config client: Postgres is back")
            self._pg_down = None
            return
        if not self._pg_down:
            log.warning("config client degraded: Postgres unavailable (%s)", type(exc).__name__)
        self._pg_down = f"unavailable ({type(exc).__name__})"


@lru_cache
def get_client() -> ConfigClient:
    """The process's one client (one listener thread per process)."""
    return ConfigClient()
