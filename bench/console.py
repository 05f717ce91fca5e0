"""Console benchmark, in a real browser: first paint of the runs list, and event-to-page latency.

Starts its own gateway and console processes against its own database
(`mcpcloud_bench_console`, created and migrated here, so the `make run` data is left
alone), fills it with N runs, then in headless Chromium (Playwright, Debian's chromium):
- first paint: from navigation to the runs table showing rows, over fresh page loads
  (target < 1 s with 1,000 runs in the database);
- event latency: a step event published on the run's Redis stream, exactly as a worker
  publishes it (shared.events.publish), until the open run page has applied it
  (a MutationObserver in the page stamps the time; same machine clock; target < 200 ms).

Writes bench/results/console.json. Usage: .venv/bin/python bench/console.py [--runs 1000] [--loads 10] [--events 30]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = "mcpcloud_bench_console"
BASE = "postgresql+psycopg://mcpcloud:mcpcloud@127.0.0.1:5432"
ENV = {
    "MCP_ENV": "test", "MCP_DATABASE_URL": f"{BASE}/{DB}", "MCP_REDIS_URL": "redis://127.0.0.1:6379/50",
    "MCP_BROKER_URL": "redis://127.0.0.1:6379/51", "MCP_RESULT_BACKEND": "redis://127.0.0.1:6379/52",
}
os.environ.update(ENV)

import httpx  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

OUT = Path(os.environ.get("MCP_BENCH_CONSOLE_OUT") or ROOT / "bench" / "results" / "console.json")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_database() -> None:
    admin = create_engine(f"{BASE}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {DB}"))
    admin.dispose()
    subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env={**os.environ}, check=True,
                   capture_output=True)


def fill_runs(count: int) -> str:
    """`count` runs as a run awaiting approval is stored: its intent and its latest message
    with the generated bundle (the EKS + Argo CD stack or the private bucket, alternating:
    9-30 KB of JSON each) and a passed verdict. Returns one run's id."""
    from shared.contracts import GuardrailVerdict, Persona, RunMessage
    from shared.db.models import Run
    from shared.db.session import session_scope
    from shared.examples import SCENARIOS

    from services.terraform.generator import generate

    shapes = [SCENARIOS["eks-nginx-argocd"], SCENARIOS["private-logs-bucket"]]
    bundles = [generate(intent) for intent in shapes]
    last = ""
    with session_scope() as session:
        for index in range(count):
            run_id = uuid.uuid4()
            stack = shapes[index % 2].model_copy(update={"stack": f"bench-{index:04d}"})
            message = RunMessage(run_id=run_id, persona=Persona.devops, requested_by="bench", intent=stack,
                                 bundle=bundles[index % 2],
                                 verdict=GuardrailVerdict(status="passed", persona="devops", checks_passed=120))
            session.add(Run(id=run_id, status="awaiting_approval", persona="devops", requested_by="bench",
                            target=stack.target, intent=stack.model_dump(mode="json"), message=message.to_wire()))
            last = str(run_id)
    return last


def admin_key() -> str:
    from shared.db.models import Role
    from shared.db.session import session_scope

    from services.gateway.auth import create_key

    with session_scope() as session:
        return create_key(session, f"bench-console-{uuid.uuid4().hex[:6]}", Role.admin, actor="bench")


def serve(app: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, **env}, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{app} did not start; see {log}")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--loads", type=int, default=10)
    parser.add_argument("--events", type=int, default=30)
    args = parser.parse_args()

    from shared import events

    load_start = [round(v, 2) for v in os.getloadavg()]
    fresh_database()
    t0 = time.perf_counter()
    run_id = fill_runs(args.runs)
    fill_s = time.perf_counter() - t0
    key = admin_key()
    work = Path(tempfile.mkdtemp(prefix="bench-console-"))
    gateway_port, console_port = free_port(), free_port()
    gateway = serve("services.gateway.app:app", gateway_port, {}, work / "gateway.log")
    console = serve("services.web.server:app", console_port,
                    {"MCP_WEB_GATEWAY_URL": f"http://127.0.0.1:{gateway_port}",
                     "MCP_WEB_SESSION_SECRET_FILE": str(work / "web.key")}, work / "console.log")
    url = f"http://127.0.0.1:{console_port}"
    paints, latencies = [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                                 headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1366, "height": 900})
            page = context.new_page()
            page.goto(url)
            page.fill("#api-key", key)
            page.click("#login button[type=submit]")
            page.wait_for_selector("#whoami")
            page.goto(f"{url}/#/runs")
            for _ in range(args.loads + 1):  # the first load warms the browser's cache of the bundle
                started = time.perf_counter()
                page.reload(wait_until="commit")
                page.wait_for_selector("#runs-body tr[data-run-id]")
                paints.append((time.perf_counter() - started) * 1000)
            paints = paints[1:]
            # Where the last load's time went, as the browser saw it (ms from navigation start).
            timeline = page.evaluate("""() => performance.getEntries().map(e => ({
                name: e.name.replace(location.origin, ''), type: e.entryType,
                start_ms: Math.round(e.startTime), duration_ms: Math.round(e.duration),
                transfer_bytes: e.transferSize || 0, body_bytes: e.decodedBodySize || 0}))""")
            total = page.locator("#runs-info").inner_text()

            page.goto(f"{url}/#/runs/{run_id}")
            try:
                page.wait_for_selector("#timeline", timeout=30000)
            except Exception:
                print(page.url, page.inner_text("main")[:500])
                raise
            page.wait_for_timeout(500)  # the stream's replay is done; what follows is live
            page.evaluate("""() => { window.__seen = {}; new MutationObserver(() => {
                const v = document.body.dataset.lastEvent; if (v && !(v in window.__seen)) window.__seen[v] = Date.now();
              }).observe(document.body, {attributes: true, attributeFilter: ['data-last-event']}); }""")
            for index in range(args.events):
                marker = f"bench.step-{index}"
                sent = time.time() * 1000
                events.publish(run_id, "step.started", step=marker, worker="bench", queue="bench", attempt=1)
                page.wait_for_function(f"() => window.__seen && ('step.started:{marker}' in window.__seen)")
                seen = page.evaluate(f"() => window.__seen['step.started:{marker}']")
                latencies.append(seen - sent)
                page.wait_for_timeout(100)
            browser.close()
    finally:
        console.terminate()
        gateway.terminate()
    result = {
        "runs_in_database": args.runs, "fill_seconds": round(fill_s, 2), "runs_list_shown": total,
        "first_paint_ms": {"p50": round(statistics.median(paints), 1), "p95": round(pct(paints, 95), 1),
                           "max": round(max(paints), 1), "samples": [round(v, 1) for v in paints]},
        "event_to_page_ms": {"p50": round(statistics.median(latencies), 1), "p95": round(pct(latencies, 95), 1),
                             "max": round(max(latencies), 1), "samples": [round(v, 1) for v in latencies]},
        "last_load_timeline": timeline,
        "targets": {"first_paint_ms": 1000, "event_to_page_ms": 200},
        "machine": f"{os.cpu_count()} cores",
        "load_average_1_5_15": {"start": load_start, "end": [round(v, 2) for v in os.getloadavg()]},
        "code": os.environ.get("MCP_BENCH_CONSOLE_CODE") or subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                               text=True).stdout.strip(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2))
    print(f"runs list, {args.runs} runs in the database: first paint p50 {result['first_paint_ms']['p50']} ms, "
          f"p95 {result['first_paint_ms']['p95']} ms (target < 1000)")
    print(f"step event -> open run page: p50 {result['event_to_page_ms']['p50']} ms, "
          f"p95 {result['event_to_page_ms']['p95']} ms (target < 200)")
    print(f"raw results: {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
