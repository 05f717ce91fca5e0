"""Config service benchmark: cached vs Postgres resolve, HTTP resolve, invalidation fan-out.

Prints, in one run:
- resolve p50 from the in-process cache vs the same resolution as a direct Postgres
  query, and their ratio (target: cached p50 < 1 ms);
- HTTP resolve p50 (`GET /api/v1/config/resolve`, uvicorn in a child process, keep-alive);
- invalidation latency: from a committed write to each of 4 subscriber processes seeing
  the new value (target p99 < 50 ms).

Needs migration 0002 on the database in MCP_DATABASE_URL and Redis in MCP_REDIS_URL.
Usage: .venv/bin/python bench/config.py [--reads 5000] [--writes 50] [--subscribers 4]
"""

from __future__ import annotations

import argparse
import json
import queue
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from shared.config import ConfigClient, Scope  # noqa: E402
from shared.config.resolve import matching, most_specific  # noqa: E402
from shared.db.models import Role  # noqa: E402
from shared.db.session import get_engine, session_scope  # noqa: E402

from services.gateway import config_service as svc  # noqa: E402
from services.gateway.auth import create_key  # noqa: E402

SCOPE = {"env": "prod", "service": "gateway", "tenant": "acme"}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def subscribe(key: str) -> None:
    """Child mode: print the wall-clock time each new value of `key` is seen."""
    client = ConfigClient()
    changed = threading.Event()
    client.on_invalidate(lambda keys: changed.set())  # wake on the message instead of spinning
    client.wait_listening(10)
    last = client.value(key, **SCOPE)
    print(json.dumps({"ready": True}), flush=True)
    while True:
        changed.wait(0.5)
        changed.clear()
        value = client.value(key, **SCOPE)
        if value != last:
            print(json.dumps({"value": value, "t": time.time()}), flush=True)
            last = value


def serve(port: int) -> None:
    """Child mode: the config router alone under uvicorn."""
    import uvicorn
    from fastapi import FastAPI

    from services.gateway.routes.config import router

    app = FastAPI()
    app.include_router(router)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def seed(key: str) -> int:
    """A key with rows at four levels, so resolution has to rank."""
    with session_scope() as db:
        for env, service, tenant in ((None, None, None), ("prod", None, None), ("prod", "gateway", None)):
            svc.create_item(db, key=key, scope=Scope(env, service, tenant), value={"level": "lower"}, actor="bench")
        return svc.create_item(db, key=key, scope=Scope(**SCOPE), value={"n": 0}, actor="bench").id


def child(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True)


def lines_of(process: subprocess.Popen) -> queue.Queue:
    out: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [out.put(json.loads(line)) for line in process.stdout], daemon=True).start()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reads", type=int, default=5000)
    parser.add_argument("--writes", type=int, default=50)
    parser.add_argument("--subscribers", type=int, default=4)
    args = parser.parse_args()
    key = f"bench.{uuid.uuid4().hex[:8]}.replicas"
    item_id = seed(key)

    client = ConfigClient()
    assert client.wait_listening(), client.degraded
    client.value(key, **SCOPE)
    cached = timed(lambda: client.value(key, **SCOPE), args.reads)

    def direct() -> None:
        with Session(get_engine()) as session:
            most_specific(session.scalars(matching(Scope(**SCOPE), key=key)).all())

    direct()
    postgres = timed(direct, max(200, args.reads // 10))
    print(f"resolve, in-process cache: p50 {pct(cached, 50) * 1000:.1f} us  p99 {pct(cached, 99) * 1000:.1f} us"
          f"  (n={len(cached)}; target p50 < 1 ms)")
    print(f"resolve, direct Postgres:  p50 {pct(postgres, 50):.3f} ms  p99 {pct(postgres, 99):.3f} ms  (n={len(postgres)})")
    print(f"ratio Postgres/cached p50: {pct(postgres, 50) / pct(cached, 50):.0f}x")

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with session_scope() as db:
        api_key = create_key(db, f"bench-{uuid.uuid4().hex[:6]}", Role.viewer, actor="bench")
    server = child("--serve", str(port))
    try:
        http = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": api_key})
        deadline = time.monotonic() + 30
        while True:
            try:
                http.get("/api/v1/config/resolve", params={"key": key, **SCOPE}).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        over_http = timed(lambda: http.get("/api/v1/config/resolve", params={"key": key, **SCOPE}), 500)
        print(f"resolve over HTTP (uvicorn, keep-alive, API key auth): p50 {pct(over_http, 50):.2f} ms"
              f"  p99 {pct(over_http, 99):.2f} ms  (n={len(over_http)})")
    finally:
        server.terminate()
        server.wait(10)

    subscribers = [child("--subscribe", key) for _ in range(args.subscribers)]
    outputs = [lines_of(p) for p in subscribers]
    try:
        for out in outputs:
            assert out.get(timeout=60)["ready"]
        latencies: list[float] = []
        writes: list[float] = []
        after: list[float] = []  # from the write's return (commit + publish done); < 0: seen before it returned
        for n in range(1, args.writes + 2):
            started = time.time()  # before the write: the figure includes the write's own commit
            with session_scope() as db:
                svc.update_item(db, item_id, version=n, value={"n": n}, actor="bench")
            returned = time.time()
            seen = [out.get(timeout=5) for out in outputs]
            assert all(s["value"] == {"n": n} for s in seen), seen
            if n == 1:  # cold: each subscriber's first Postgres query since it started
                cold = max(s["t"] - started for s in seen) * 1000
            else:
                latencies += [(s["t"] - started) * 1000 for s in seen]
                writes.append((returned - started) * 1000)
                after.extend((s["t"] - returned) * 1000 for s in seen)
            time.sleep(0.02)
        print(f"invalidation, first write after subscribers start (cold connections): {cold:.0f} ms")
        print(f"invalidation, write -> seen by each of {args.subscribers} subscriber processes "
              f"({args.writes} writes, n={len(latencies)}): p50 {pct(latencies, 50):.2f} ms  "
              f"p99 {pct(latencies, 99):.2f} ms  max {max(latencies):.2f} ms  (target p99 < 50 ms)")
        print(f"  of which the write itself (lock, checks, update, audit, commit, publish): p50 {pct(writes, 50):.2f} ms"
              f"  p99 {pct(writes, 99):.2f} ms")
        print(f"  from the write's return to seen: p50 {pct(after, 50):.2f} ms  p99 {pct(after, 99):.2f} ms")
    finally:
        for process in subscribers:
            process.terminate()
            process.wait(10)
        client.close()


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--subscribe":
        subscribe(sys.argv[2])
    elif len(sys.argv) > 2 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]))
    else:
        main()
