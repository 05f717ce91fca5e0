"""MCP benchmark against the running stack: tool-call overhead vs HTTP, and text -> awaiting_approval.

- Overhead: the same read as an HTTP call (`GET /api/v1/runs`, `GET /api/v1/runs/{id}`) and as an
  MCP tool call (`list_runs`, `get_run`) over streamable HTTP with the SDK client, alternating, on
  kept-alive connections. "added" = MCP p50 - HTTP p50. The MCP call also writes its audit row.
- Text requests: `request_change` with a request in words, each naming a new bucket and stack
  (never seen before), timed from the call to its answer with the run at awaiting_approval
  (the tool waits, sending progress). Runs are rejected afterwards so nothing is left waiting.

Usage: .venv/bin/python bench/mcp.py [--url http://127.0.0.1:8000] [--calls 200] [--texts 10]
Writes bench/results/mcp.json (raw samples in milliseconds and the summary).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

# This file is named like the SDK package: drop its own folder from the path before importing `mcp`.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import httpx  # noqa: E402
import httpx2  # noqa: E402

from mcp import Client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402

from shared.db.models import Role  # noqa: E402
from shared.db.session import session_scope  # noqa: E402
from shared.examples import request_body  # noqa: E402

from services.gateway.auth import create_key  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "mcp.json"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def stats(values: list[float]) -> dict:
    return {"n": len(values), "p50_ms": round(statistics.median(values), 2), "p95_ms": round(percentile(values, 0.95), 2),
            "min_ms": round(min(values), 2), "max_ms": round(max(values), 2)}


def bench_keys(tag: str) -> tuple[str, str]:
    with session_scope() as session:
        requester = create_key(session, f"bench-mcp-requester-{tag}", Role.requester, actor="bench")
        approver = create_key(session, f"bench-mcp-approver-{tag}", Role.approver, actor="bench")
    return requester, approver


def seed_run(http: httpx.Client) -> str:
    body = request_body("private-logs-bucket", stack=f"bench-mcp-{uuid.uuid4().hex[:6]}")
    run = http.post("/api/v1/requests", json=body).raise_for_status().json()
    deadline = time.monotonic() + 120
    while run["status"] not in ("awaiting_approval", "blocked", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        run = http.get(f"/api/v1/runs/{run['id']}").raise_for_status().json()
    return run["id"]


async def overhead(url: str, key: str, run_id: str, calls: int) -> dict:
    headers = {"Authorization": f"Bearer {key}"}
    samples: dict[str, list[float]] = {"http_list_runs": [], "mcp_list_runs": [], "http_get_run": [], "mcp_get_run": []}
    async with httpx2.AsyncClient(headers=headers, timeout=60) as mcp_http, \
            httpx2.AsyncClient(base_url=url, headers=headers, timeout=60) as plain:
        async with Client(streamable_http_client(f"{url}/mcp", http_client=mcp_http)) as client:
            await client.list_tools()
            for name, path, tool, args in (
                ("list_runs", "/api/v1/runs?limit=10", "list_runs", {"limit": 10}),
                ("get_run", f"/api/v1/runs/{run_id}", "get_run", {"run_id": run_id}),
            ):
                for _ in range(10):  # warm both paths
                    (await plain.get(path)).raise_for_status()
                    await client.call_tool(tool, args)
                for _ in range(calls):
                    started = time.perf_counter()
                    (await plain.get(path)).raise_for_status()
                    samples[f"http_{name}"].append((time.perf_counter() - started) * 1000)
                    started = time.perf_counter()
                    result = await client.call_tool(tool, args)
                    samples[f"mcp_{name}"].append((time.perf_counter() - started) * 1000)
                    assert not result.is_error, result.content
            protocol = client.protocol_version
    summary = {name: stats(values) for name, values in samples.items()}
    for name in ("list_runs", "get_run"):
        summary[f"added_p50_ms_{name}"] = round(summary[f"mcp_{name}"]["p50_ms"] - summary[f"http_{name}"]["p50_ms"], 2)
    return {"protocol": protocol, "summary": summary, "samples_ms": {k: [round(v, 3) for v in vs] for k, vs in samples.items()}}


async def text_requests(url: str, key: str, count: int) -> tuple[dict, list[str]]:
    samples, statuses, run_ids = [], [], []
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=httpx2.Timeout(120)) as http:
        async with Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client:
            for _ in range(count):
                tag = uuid.uuid4().hex[:8]
                text = f"Create a private S3 bucket named bench-{tag} for logs in Seoul with versioning, stack bm-{tag}"
                started = time.perf_counter()
                result = await client.call_tool("request_change", {"text": text, "wait_seconds": 60})
                samples.append((time.perf_counter() - started) * 1000)
                run = (result.structured_content or {}).get("run") or {}
                statuses.append(run.get("status"))
                if run.get("id"):
                    run_ids.append(run["id"])
    reached = [s for s, status in zip(samples, statuses) if status == "awaiting_approval"]
    return ({"summary": stats(reached) if reached else None, "first_ms": round(samples[0], 2),
             "statuses": statuses, "samples_ms": [round(s, 2) for s in samples]}, run_ids)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--texts", type=int, default=10)
    parser.add_argument("--label", default="default", help=(
        "name of this result in the JSON, e.g. 'token-cache-off' for a gateway run with MCP_MCP_TOKEN_CACHE_SECONDS=0"))
    args = parser.parse_args()
    requester, approver = bench_keys(uuid.uuid4().hex[:6])
    http = httpx.Client(base_url=args.url, headers={"X-API-Key": requester}, timeout=60)
    run_id = seed_run(http)
    calls = asyncio.run(overhead(args.url, requester, run_id, args.calls))
    texts, run_ids = asyncio.run(text_requests(args.url, requester, args.texts))
    with httpx.Client(base_url=args.url, headers={"X-API-Key": approver}, timeout=60) as reviewer:
        for rid in [run_id, *run_ids]:
            reviewer.post(f"/api/v1/runs/{rid}/reject", json={"comment": "bench run"})
    result = {"url": args.url, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "tool_call_overhead": calls, "text_to_awaiting_approval": texts,
              "targets": {"added_p50_ms": 10, "text_to_awaiting_approval_p50_ms": 1500}}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    stored = stored if stored.get("bench") == "mcp" else {"bench": "mcp", "results": {}}
    stored["results"][args.label] = result
    RESULTS.write_text(json.dumps(stored, indent=2))
    s = calls["summary"]
    print(f"protocol {calls['protocol']}")
    for name in ("list_runs", "get_run"):
        print(f"{name}: HTTP p50 {s[f'http_{name}']['p50_ms']} ms, MCP p50 {s[f'mcp_{name}']['p50_ms']} ms, "
              f"added {s[f'added_p50_ms_{name}']} ms (target < 10)")
    if texts["summary"]:
        print(f"text -> awaiting_approval over MCP: p50 {texts['summary']['p50_ms']} ms, p95 {texts['summary']['p95_ms']} ms "
              f"(n={texts['summary']['n']}, first {texts['first_ms']} ms; target < 1500)")
    print(f"statuses: {texts['statuses']}\nwrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
