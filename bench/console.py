"""Console benchmark, in a real browser: first paint of the runs list, and event-to-page latency.

Starts its own gateway and console processes against its own database
(`mcpcloud_bench_console`, created and migrated here, so the `make run` data is left
alone), fills it with N runs, then in headless Chromium (Playwright, Debian's chromium):
- first paint: from navigation to the runs table showing rows, over fresh page loads
  (target < 1 s with 1,000 runs in the database);
- event latency: a step event published on the run's Redis stream, exactly as a worker
  publishes it (shared.events.publish), until the open run page has applied it
  (a MutationObserver in the page stamps the time; same machine clock; target < 200 ms).

With --baseline <checkout> (for example `git worktree add /tmp/base <commit>` and a Vite
build in its services/web), that code's gateway and console run beside this tree's, on a
copy of the same rows without this branch's index, and page loads alternate between the
two: an A/B ratio measured in the same run, on the same loaded machine.

Writes bench/results/console.json. Usage: .venv/bin/python bench/console.py [--runs 1000] [--loads 10]
[--events 30] [--baseline PATH]
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


def serve(app: str, port: int, env: dict[str, str], log: Path, cwd: Path = ROOT) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=cwd, env={**os.environ, **env}, stdout=log.open("w"), stderr=subprocess.STDOUT,
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


def stats(values: list[float]) -> dict:
    return {"p50": round(statistics.median(values), 1), "p95": round(pct(values, 95), 1), "max": round(max(values), 1),
            "samples": [round(v, 1) for v in values]}


def baseline_database() -> None:
    """The same rows for the baseline code: a copy of the bench database at the previous
    migration (without the index this branch adds)."""
    admin = create_engine(f"{BASE}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {DB}_base WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {DB}_base TEMPLATE {DB}"))
    admin.dispose()
    base = create_engine(f"{BASE}/{DB}_base")
    with base.begin() as connection:
        connection.execute(text("DROP INDEX IF EXISTS ix_runs_created_id"))
        connection.execute(text("UPDATE alembic_version SET version_num = '0005_github'"))
    base.dispose()


class Stack:
    """A gateway and a console process of one code tree, against one database."""

    def __init__(self, tree: Path, database: str, work: Path, label: str) -> None:
        self.tree, self.label = tree, label
        env = {"MCP_DATABASE_URL": f"{BASE}/{database}"}
        gateway_port, console_port = free_port(), free_port()
        self.gateway = serve("services.gateway.app:app", gateway_port, env, work / f"gateway-{label}.log", tree)
        self.console = serve("services.web.server:app", console_port,
                             {**env, "MCP_WEB_GATEWAY_URL": f"http://127.0.0.1:{gateway_port}",
                              "MCP_WEB_SESSION_SECRET_FILE": str(work / f"web-{label}.key")},
                             work / f"console-{label}.log", tree)
        self.url = f"http://127.0.0.1:{console_port}"

    def stop(self) -> None:
        for process in (self.console, self.gateway):
            process.terminate()
            process.wait(30)


# Set before any page script runs: the moment (ms since navigation start) the first runs
# row is in the document, and the next animation frame after it (the browser is about to
# paint it). Measured by the page's own clock, without the driver's polling.
PAINT_PROBE = """(() => {
  const seen = () => {
    if (window.__rowsAt !== undefined || !document.querySelector('#runs-body tr[data-run-id]')) return;
    window.__rowsAt = performance.now();
    requestAnimationFrame(() => { window.__paintAt = performance.now(); });
  };
  new MutationObserver(seen).observe(document, {childList: true, subtree: true});
})();"""


def open_runs_list(browser, stack: Stack, key: str):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_init_script(PAINT_PROBE)
    page = context.new_page()
    page.goto(stack.url)
    page.fill("#api-key", key)
    page.click("#login button[type=submit]")
    page.wait_for_selector("#whoami")
    page.goto(f"{stack.url}/#/runs")
    page.wait_for_selector("#runs-body tr[data-run-id]")  # this load also fills the browser's cache of the bundle
    return page


def load_once(page) -> tuple[float, float]:
    """(wall-clock ms from reload to the row seen by the driver, in-page ms to the frame after the rows)."""
    started = time.perf_counter()
    page.reload(wait_until="commit")
    page.wait_for_selector("#runs-body tr[data-run-id]")
    wall = (time.perf_counter() - started) * 1000
    page.wait_for_function("() => window.__paintAt !== undefined")
    return wall, page.evaluate("() => window.__paintAt")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--loads", type=int, default=10)
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--baseline", type=Path, help="a checkout of the code to compare with (its services/web "
                        "built): its gateway and console run beside this tree's, loads alternate between them")
    args = parser.parse_args()

    from shared import events

    load_start = [round(v, 2) for v in os.getloadavg()]
    fresh_database()
    t0 = time.perf_counter()
    run_id = fill_runs(args.runs)
    fill_s = time.perf_counter() - t0
    key = admin_key()
    if args.baseline:
        from shared.db.session import get_engine

        get_engine().dispose()  # a template database must have no open connections
        baseline_database()
    work = Path(tempfile.mkdtemp(prefix="bench-console-"))
    stacks = {"this": Stack(ROOT, DB, work, "this")}
    if args.baseline:
        stacks["baseline"] = Stack(args.baseline.resolve(), f"{DB}_base", work, "baseline")
    wall = {name: [] for name in stacks}
    in_page = {name: [] for name in stacks}
    latencies = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                                 headless=True, args=CHROMIUM_ARGS)
            pages = {name: open_runs_list(browser, stack, key) for name, stack in stacks.items()}
            for index in range(args.loads):
                order = list(pages) if index % 2 == 0 else list(pages)[::-1]  # neither always goes first
                for name in order:
                    w, p = load_once(pages[name])
                    wall[name].append(w)
                    in_page[name].append(p)
            page = pages["this"]
            total = page.locator("#runs-info").inner_text()
            # Where the last load's time went, as the browser saw it (ms from navigation start).
            timeline = page.evaluate("""() => performance.getEntries().map(e => ({
                name: e.name.replace(location.origin, ''), type: e.entryType,
                start_ms: Math.round(e.startTime), duration_ms: Math.round(e.duration),
                transfer_bytes: e.transferSize || 0, body_bytes: e.decodedBodySize || 0}))""")

            page.goto(f"{stacks['this'].url}/#/runs/{run_id}")
            page.wait_for_selector("#timeline", timeout=30000)
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
        for stack in stacks.values():
            stack.stop()
    result = {
        "runs_in_database": args.runs, "fill_seconds": round(fill_s, 2), "runs_list_shown": total,
        "first_paint_ms": stats(wall["this"]),
        "first_paint_in_page_ms": stats(in_page["this"]),
        "event_to_page_ms": stats(latencies),
        "last_load_timeline": timeline,
        "targets": {"first_paint_ms": 1000, "event_to_page_ms": 200},
        "what": {
            "first_paint_ms": "wall clock in the bench: reload sent until the driver sees a runs row (includes "
                              "the driver's own polling)",
            "first_paint_in_page_ms": "the page's clock: navigation start until the animation frame after the "
                                      "first runs row entered the document",
        },
        "machine": f"{os.cpu_count()} cores",
        "load_average_1_5_15": {"start": load_start, "end": [round(v, 2) for v in os.getloadavg()]},
        "code": os.environ.get("MCP_BENCH_CONSOLE_CODE") or subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip(),
    }
    if "baseline" in stacks:
        result["baseline"] = {
            "code": str(args.baseline), "first_paint_ms": stats(wall["baseline"]),
            "first_paint_in_page_ms": stats(in_page["baseline"]),
            "note": "same run, same rows (a copy of the database without the new index), loads alternating",
        }
        result["ratio_this_to_baseline_p50"] = {
            "first_paint_ms": round(result["first_paint_ms"]["p50"] / result["baseline"]["first_paint_ms"]["p50"], 3),
            "first_paint_in_page_ms": round(result["first_paint_in_page_ms"]["p50"]
                                            / result["baseline"]["first_paint_in_page_ms"]["p50"], 3),
        }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2))
    print(f"runs list, {args.runs} runs in the database: first paint p50 {result['first_paint_ms']['p50']} ms "
          f"(in page {result['first_paint_in_page_ms']['p50']} ms), p95 {result['first_paint_ms']['p95']} ms "
          "(target < 1000)")
    if "baseline" in result:
        print(f"baseline {args.baseline}: p50 {result['baseline']['first_paint_ms']['p50']} ms "
              f"(in page {result['baseline']['first_paint_in_page_ms']['p50']} ms)")
    print(f"step event -> open run page: p50 {result['event_to_page_ms']['p50']} ms, "
          f"p95 {result['event_to_page_ms']['p95']} ms (target < 200)")
    print(f"raw results: {OUT}")


if __name__ == "__main__":
    main()
