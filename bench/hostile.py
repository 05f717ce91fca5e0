"""Hostile inputs refused: each known hostile input sent to a gateway this script starts.

Starts a gateway (uvicorn) and a policy worker as child processes on the stores in the
environment (MCP_DATABASE_URL, MCP_REDIS_URL, MCP_BROKER_URL, MCP_RESULT_BACKEND; the
database must be migrated), creates a throwaway requester key, sends each input once and
records its HTTP status, the time to the answer and the start of the error's detail.
Afterwards it checks that the gateway and the worker still answer. Raw results:
bench/results/hostile.json (with the load average: the machine may be shared).

Usage: .venv/bin/python bench/hostile.py [--out bench/results/hostile.json]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from shared.db.models import Role  # noqa: E402
from shared.db.session import session_scope  # noqa: E402

from services.gateway.auth import create_key  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def alias_bomb(levels: int) -> str:
    """The classic billion laughs: `levels` levels of 9 aliases each over 9 strings (9**(levels+1) once expanded)."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghijklmnop"
    for level in range(1, levels + 1):
        prev, cur = names[level - 1], names[level]
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n" + "\n".join("  " + line for line in lines) + "\n"


def deep_yaml(depth: int) -> str:
    """A valid manifest nested `depth` levels deep (block style)."""
    body = "".join(f"{'  ' * (level + 1)}k{level}:\n" for level in range(depth)) + "  " * (depth + 1) + "v\n"
    return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n" + body


def cases(run_id: str) -> list[dict]:
    json_headers = {"Content-Type": "application/json"}
    return [
        {"name": "yaml alias bomb, 6 levels", "method": "POST", "path": "/api/v1/validate",
         "json": {"files": {"bomb.yaml": alias_bomb(6)}}, "expect": 422},
        {"name": "yaml alias bomb, 7 levels", "method": "POST", "path": "/api/v1/validate",
         "json": {"files": {"bomb.yaml": alias_bomb(7)}}, "expect": 422},
        {"name": "yaml alias bomb, 9 levels", "method": "POST", "path": "/api/v1/validate",
         "json": {"files": {"bomb.yaml": alias_bomb(9)}}, "expect": 422},
        {"name": "yaml nested 500 deep", "method": "POST", "path": "/api/v1/validate",
         "json": {"files": {"deep.yaml": deep_yaml(500)}}, "expect": 422},
        {"name": "NUL in a JSON key", "method": "POST", "path": "/api/v1/requests",
         "content": b'{"intent": {"\\u0000stack": "x"}}', "headers": json_headers, "expect": 422},
        {"name": "NUL in a JSON value", "method": "POST", "path": "/api/v1/requests",
         "content": b'{"text": "a bucket\\u0000 please"}', "headers": json_headers, "expect": 422},
        {"name": "NUL in a decision comment", "method": "POST", "path": f"/api/v1/runs/{run_id}/approve",
         "content": b'{"comment": "ok\\u0000"}', "headers": json_headers, "expect": 422},
        {"name": "NUL in a query parameter", "method": "GET", "path": "/api/v1/runs?status=%00", "expect": 422},
        {"name": "NUL in a path parameter", "method": "GET", "path": f"/api/v1/runs/{run_id}/artifacts/a%00.tf",
         "expect": 422},
        {"name": "lone surrogate in a JSON value", "method": "POST", "path": "/api/v1/intents/parse",
         "content": b'{"text": "\\ud800"}', "headers": json_headers, "expect": 422},
        {"name": "NUL in an uploaded file", "method": "POST", "path": "/api/v1/validate",
         "json": {"files": {"main.tf": "resource \u0000"}}, "expect": 422},
        {"name": "1e400 in a JSON value", "method": "POST", "path": "/api/v1/intents/parse",
         "content": b'{"text": "x", "n": 1e400}', "headers": json_headers, "expect": 422},
        {"name": "row id past bigint in a path", "method": "GET", "path": f"/api/v1/config/{2**70}", "expect": 422},
        {"name": "body of 70 MiB", "method": "POST", "path": "/api/v1/intents/parse",
         "content": b'{"text": "' + b"x" * (70 * 1024 * 1024) + b'"}', "headers": json_headers, "expect": 413},
    ]


def start(command: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, stdout=open(log, "a"), stderr=subprocess.STDOUT,  # noqa: SIM115
                            start_new_session=True, env=os.environ.copy())


def wait_for(check, what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (httpx.TransportError, OSError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"{what} not ready in {timeout}s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "hostile.json"))
    args = parser.parse_args()
    logs = ROOT / ".data" / "bench-hostile"
    logs.mkdir(parents=True, exist_ok=True)
    port = free_port()
    gateway = start([str(ROOT / ".venv" / "bin" / "uvicorn"), "services.gateway.app:app", "--host", "127.0.0.1",
                     "--port", str(port)], logs / "gateway.log")
    worker_log = logs / "policy.log"
    worker_log.write_text("")
    worker = start([str(ROOT / ".venv-policy" / "bin" / "celery"), "-A", "services.policy.worker", "worker", "-Q",
                    "policy", "-n", f"bench-hostile-{uuid.uuid4().hex[:6]}@%h", "--concurrency=1", "-l", "INFO"],
                   worker_log)
    url = f"http://127.0.0.1:{port}"
    results = []
    try:
        wait_for(lambda: httpx.get(f"{url}/healthz", timeout=2).status_code == 200, "gateway")
        wait_for(lambda: " ready." in worker_log.read_text(), "policy worker")
        with session_scope() as session:
            key = create_key(session, f"bench-hostile-{uuid.uuid4().hex[:6]}", Role.approver, actor="bench")
        with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=600) as client:
            for case in cases(str(uuid.uuid4())):
                started = time.perf_counter()
                try:
                    response = client.request(case["method"], case["path"], json=case.get("json"),
                                              content=case.get("content"), headers=case.get("headers"))
                    status, body = response.status_code, response.text
                except httpx.TransportError as exc:
                    status, body = None, f"{type(exc).__name__}: {exc}"
                elapsed = time.perf_counter() - started
                results.append({"name": case["name"], "method": case["method"], "path": case["path"][:80],
                                "status": status, "expected": case["expect"], "refused_as_expected": status == case["expect"],
                                "seconds": round(elapsed, 3), "detail": body[:240]})
                print(f"{case['name']:<34} {status} in {elapsed:.2f}s")
            # the same socket after all of it: the gateway answers, the worker scans a small file
            alive = client.get("/healthz").status_code == 200
            small = client.post("/api/v1/validate", json={"files": {"main.tf": 'variable "x" {}\n'}})
        summary = {
            "inputs": len(results), "refused_as_expected": sum(r["refused_as_expected"] for r in results),
            "server_errors": sum(1 for r in results if r["status"] is None or r["status"] >= 500),
            "slowest_seconds": max(r["seconds"] for r in results),
            "gateway_alive_after": alive, "policy_scan_after": {"status": small.status_code,
                                                                 "verdict": small.json().get("status")},
            "worker_alive_after": worker.poll() is None,
        }
    finally:
        for process in (gateway, worker):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
    record = {
        "bench": "hostile", "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                 text=True).stdout.strip(),
        "load_average": os.getloadavg(), "cpus": os.cpu_count(), "summary": summary, "results": results,
    }
    Path(args.out).write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
