"""Pipeline benchmark: a whole stack of its own, runs through the gateway, overhead and runs/min.

The bench starts everything it measures, on the shared Postgres/Redis/Neo4j but in a
database and Redis databases of its own (never a `make run` stack's):

* the database ``--database`` (created if missing, emptied, migrated, config seeded);
* Redis databases ``--redis-db`` .. ``--redis-db``+2 (app, broker, results), flushed;
* the five Celery workers, one process per queue (``--concurrency=1``), as `make run`;
* the gateway (uvicorn) on a free loopback port.

Phases (each run on a stack of its own, so target locks never serialise runs):

1. warm-up: one run (first-use costs: checkov's first scan, parser tables, pools);
2. latency: ``--sequential`` runs one at a time;
3. throughput: ``--runs`` runs submitted at once, one worker per queue: runs/min;
4. scaling: a second worker process per queue is started and phase 3 is repeated;
   the ratio of the two runs/min says how close to 2x two workers per queue come on
   this machine. Each throughput phase also records how busy the machine's CPUs were
   (/proc/stat, other engineers' work included) and this stack's own CPU seconds a run:
   with the CPUs already busy at one worker per queue, 2x is not there to be had.

Per run, from the ``run_steps`` rows: end-to-end = finished - created - the wait for the
approver (open_pr finished -> approval recorded); the steps' own work = the sum of
their ``duration_ms`` (the domain function only); overhead = end-to-end - work: queue
hand-offs, message (de)serialisation, step locks and Postgres bookkeeping, events. The
overhead is split into the gaps between steps (one step's end -> the next one's
start: Celery hand-off, worker pick-up, lock, first transaction) and the bookkeeping
inside steps (a step's start -> end minus its own work).

Steps that end ``skipped`` for want of a system (no cloud credentials, no cluster)
are listed with their reason and counted; every figure says how many of its runs had
skipped steps. Results: ``bench/results/pipeline.json`` (raw per-run rows included).

Usage: .venv/bin/python bench/pipeline.py [--runs 30] [--sequential 10] [--no-scaling]
       [--database mcpcloud_bench] [--redis-db 20]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

from cpu_meter import CpuMeter, rounded as _r  # bench/cpu_meter.py (this script's folder is on sys.path)
from local_cluster import LocalCluster  # bench/local_cluster.py

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "pipeline.json"
SERVICES = ("rag", "terraform", "policy", "github", "k8s")
TERMINAL = {"succeeded", "not_applied", "failed", "blocked", "rejected", "cancelled"}
TARGETS = {"overhead_p50_s": 0.300, "runs_per_min": 120}


def stack_env(database: str, redis_db: int, scratch: Path) -> dict[str, str]:
    """The settings every process of the bench gets (the bench's own process too)."""
    return {
        "MCP_ENV": "test",
        "MCP_DATABASE_URL": f"postgresql+psycopg://mcpcloud:mcpcloud@127.0.0.1:5432/{database}",
        "MCP_REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "MCP_BROKER_URL": f"redis://127.0.0.1:6379/{redis_db + 1}",
        "MCP_RESULT_BACKEND": f"redis://127.0.0.1:6379/{redis_db + 2}",
        "MCP_LOCAL_GIT_ROOT": str(scratch / "gitops"),
        "MCP_CONFIG_KEK_FILE": str(scratch / "config-kek.json"),
        "MCP_LOG_LEVEL": "INFO",
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _python(service: str) -> str:
    return str(REPO / (".venv-policy" if service == "policy" else ".venv") / "bin" / "python")


class Stack:
    """The processes this bench started (and only those: stopped by their own ids)."""

    def __init__(self, env: dict[str, str], log_dir: Path, pool: str = "prefork") -> None:
        self.pool = pool
        self.env = {**{k: v for k, v in os.environ.items() if not k.startswith("MCP_")}, **env}
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen] = []
        self.gateway_url = ""

    def _spawn(self, name: str, command: list[str]) -> tuple[subprocess.Popen, Path]:
        log_path = self.log_dir / f"{name}.log"
        log = open(log_path, "a")  # noqa: SIM115 - kept open for the process's life
        process = subprocess.Popen(command, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.processes.append(process)
        return process, log_path

    def start_workers(self, index: int, timeout: float = 180) -> None:
        """One worker process per queue, named ``<service>-<index>``."""
        pending = {}
        for service in SERVICES:
            name = f"{service}-{index}"
            process, log_path = self._spawn(name, [
                _python(service), "-m", "celery", "-A", f"services.{service}.worker", "worker", "-Q", service,
                "-n", f"{name}@%h", "--concurrency=1", "-P", self.pool, "-l", "INFO"])
            pending[name] = (process, log_path)
        deadline = time.monotonic() + timeout
        while pending:
            for name, (process, log_path) in list(pending.items()):
                if " ready." in log_path.read_text(errors="replace"):
                    del pending[name]
                elif process.poll() is not None:
                    raise RuntimeError(f"worker {name} exited: {log_path.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"workers not ready in {timeout}s: {sorted(pending)}")
            time.sleep(0.3)

    def start_gateway(self, timeout: float = 90) -> None:
        import httpx

        port = _free_port()
        process, log_path = self._spawn("gateway", [
            _python("gateway"), "-m", "uvicorn", "services.gateway.app:app", "--host", "127.0.0.1", "--port", str(port)])
        self.gateway_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"gateway exited: {log_path.read_text()[-2000:]}")
            try:
                if httpx.get(self.gateway_url + "/readyz", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"gateway not ready in {timeout}s: {log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def prepare_stores(env: dict[str, str], database: str) -> None:
    """Create (if missing), empty and migrate the bench database; seed config; flush Redis."""
    import psycopg
    import redis

    with psycopg.connect("host=127.0.0.1 user=mcpcloud password=mcpcloud dbname=postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{database}"')
    with psycopg.connect(f"host=127.0.0.1 user=mcpcloud password=mcpcloud dbname={database}", autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    subprocess.run([_python("gateway"), "-m", "alembic", "upgrade", "head"], cwd=REPO, check=True,
                   capture_output=True, env={**os.environ, **env})
    for key in ("MCP_REDIS_URL", "MCP_BROKER_URL", "MCP_RESULT_BACKEND"):
        redis.Redis.from_url(env[key]).flushdb()
    from services.gateway import config_service
    from shared.db.session import session_scope

    with session_scope() as session:
        config_service.seed_defaults(session, actor="bench")


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Driver:
    """Submits runs through the gateway and approves each (a second principal) when it waits."""

    def __init__(self, url: str, tag: str, own_namespaces: bool = False) -> None:
        import httpx

        from services.gateway.auth import create_key
        from shared.db.models import Role
        from shared.db.session import session_scope

        with session_scope() as session:
            requester = create_key(session, f"bench-requester-{tag}", Role.requester, actor="bench")
            approver = create_key(session, f"bench-approver-{tag}", Role.approver, actor="bench")
        self.requester = httpx.Client(base_url=url, headers={"X-API-Key": requester}, timeout=60)
        self.approver = httpx.Client(base_url=url, headers={"X-API-Key": approver}, timeout=60)
        self.tag = tag
        self.count = 0
        # On a cluster each stack deploys its app into a namespace of its own: the k8s service
        # refuses to take over another stack's objects (services/k8s/ownership.py).
        self.own_namespaces = own_namespaces

    def submit(self) -> str:
        from shared.examples import request_body

        self.count += 1
        body = request_body("eks-nginx-argocd", stack=f"bench-{self.tag}-{self.count}")
        if self.own_namespaces:
            body["intent"]["app"]["namespace"] = f"bench-{self.tag}-{self.count}"
        return self.requester.post("/api/v1/requests", json=body).raise_for_status().json()["id"]

    def drive(self, run_ids: list[str], timeout: float) -> None:
        """Approve each run (through the gateway) when it awaits approval; return when all have ended.

        Statuses are read from Postgres with one small query per poll: listing runs through
        the gateway decodes every run's message, and at a poll every 50 ms that would be
        the bench loading the 2 CPUs it measures."""
        from sqlalchemy import select

        from shared.db.models import Run
        from shared.db.session import session_scope

        pending, approved, started = set(run_ids), set(), time.monotonic()
        while pending:
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"{len(pending)} runs did not finish within {timeout}s")
            with session_scope() as session:
                states = dict(session.execute(select(Run.id, Run.status).where(
                    Run.id.in_([uuid.UUID(r) for r in pending]))).all())
            for run_id in list(pending):
                state = states.get(uuid.UUID(run_id))
                if state == "awaiting_approval" and run_id not in approved:
                    self.approver.post(f"/api/v1/runs/{run_id}/approve", json={}).raise_for_status()
                    approved.add(run_id)
                elif state in TERMINAL:
                    pending.discard(run_id)
            time.sleep(0.05)

    def batch(self, count: int, timeout: float) -> tuple[list[str], float]:
        started = time.monotonic()
        run_ids = [self.submit() for _ in range(count)]
        self.drive(run_ids, timeout)
        return run_ids, time.monotonic() - started


def measure(run_ids: list[str]) -> list[dict]:
    """One row per run from Postgres: end-to-end, work, overhead and where it went."""
    from sqlalchemy import select

    from shared.db.models import Approval, Run, RunStep
    from shared.db.session import session_scope

    rows = []
    with session_scope() as session:
        for run in session.scalars(select(Run).where(Run.id.in_([uuid.UUID(r) for r in run_ids]))):
            steps = sorted(session.scalars(select(RunStep).where(RunStep.run_id == run.id)), key=lambda s: s.seq)
            approval = session.scalar(select(Approval).where(Approval.run_id == run.id))
            plan_end = next((s.finished_at for s in steps if s.name == "github.open_pr"), None)
            row = {
                "run_id": str(run.id), "status": run.status,
                "steps": {s.name: {"status": s.status, "ms": s.duration_ms} for s in steps},
                "skipped": {s.name: s.detail for s in steps if s.status == "skipped"},
            }
            if run.finished_at is None or approval is None or plan_end is None or any(
                    s.started_at is None or s.finished_at is None or s.duration_ms is None for s in steps):
                rows.append(row)
                continue
            waited = (approval.created_at - plan_end).total_seconds()
            total = (run.finished_at - run.created_at).total_seconds() - waited
            work = sum(s.duration_ms for s in steps) / 1000
            inside = sum((s.finished_at - s.started_at).total_seconds() - s.duration_ms / 1000 for s in steps)
            gaps, previous = {}, run.created_at
            for s in steps:
                start_from = approval.created_at if s.name == "github.dispatch_workflow" else previous
                gaps[s.name] = (s.started_at - start_from).total_seconds()
                previous = s.finished_at
            row.update({
                "end_to_end_s": total, "work_s": work, "overhead_s": total - work, "in_steps_s": inside,
                "gaps_s": gaps, "after_last_step_s": (run.finished_at - steps[-1].finished_at).total_seconds(),
            })
            rows.append(row)
    return rows


def summarise(rows: list[dict]) -> dict:
    timed = [r for r in rows if "overhead_s" in r]
    skipped = Counter(name for r in rows for name in r["skipped"])
    reasons = {name: sorted({r["skipped"][name] for r in rows if name in r["skipped"]})[:3] for name in skipped}
    steps: dict[str, list[float]] = defaultdict(list)
    gaps: dict[str, list[float]] = defaultdict(list)
    for r in timed:
        for name, step in r["steps"].items():
            if step["ms"] is not None:
                steps[name].append(step["ms"])
        for name, gap in r["gaps_s"].items():
            gaps[name].append(gap * 1000)
    return {
        "runs": len(rows), "timed_runs": len(timed),
        "outcomes": dict(Counter(r["status"] for r in rows)),
        "runs_with_skipped_steps": sum(bool(r["skipped"]) for r in rows),
        "runs_without_skipped_steps": sum(not r["skipped"] for r in rows),
        "skipped_steps": dict(skipped), "skip_reasons": reasons,
        "end_to_end_p50_s": _r(percentile([r["end_to_end_s"] for r in timed], .5)),
        "end_to_end_p95_s": _r(percentile([r["end_to_end_s"] for r in timed], .95)),
        "work_p50_s": _r(percentile([r["work_s"] for r in timed], .5)),
        "overhead_p50_s": _r(percentile([r["overhead_s"] for r in timed], .5)),
        "overhead_p95_s": _r(percentile([r["overhead_s"] for r in timed], .95)),
        "overhead_in_steps_p50_s": _r(percentile([r["in_steps_s"] for r in timed], .5)),
        "overhead_between_steps_p50_s": _r(percentile([sum(r["gaps_s"].values()) for r in timed], .5)),
        "step_ms_p50": {name: _r(percentile(v, .5), 1) for name, v in steps.items()},
        "gap_before_step_ms_p50": {name: _r(percentile(v, .5), 1) for name, v in gaps.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs submitted at once (throughput)")
    parser.add_argument("--sequential", type=int, default=10, help="runs one at a time (latency)")
    parser.add_argument("--no-scaling", action="store_true", help="skip the 2-workers-per-queue phase")
    parser.add_argument("--database", default=os.environ.get("MCP_BENCH_DATABASE", "mcpcloud_bench"))
    parser.add_argument("--redis-db", type=int, default=int(os.environ.get("MCP_BENCH_REDIS_DB", "20")),
                        help="first of three Redis databases (app, broker, results)")
    parser.add_argument("--pool", default="prefork", choices=("prefork", "solo"),
                        help="Celery worker pool (prefork is what make run and the images use)")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--cluster", action="store_true",
                        help="start the local cluster (Argo CD) so k8s.deploy/await_rollout do their real work; "
                             "results to pipeline-cluster.json unless --json")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.json = args.json or (RESULTS.with_name("pipeline-cluster.json") if args.cluster else RESULTS)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a stopped bench still stops what it started

    scratch = Path(tempfile.mkdtemp(prefix="mcpcloud-bench-pipeline-"))
    env = stack_env(args.database, args.redis_db, scratch)
    for name in [n for n in os.environ if n.startswith("MCP_")]:
        del os.environ[name]
    os.environ.update(env)  # before shared.settings is imported
    sys.path.insert(0, str(REPO))
    log_dir = scratch / "logs"
    log_dir.mkdir()
    cluster = LocalCluster(scratch / "cluster", env["MCP_LOCAL_GIT_ROOT"]) if args.cluster else None
    if cluster is not None:
        env.update(cluster.start())
        os.environ.update(env)
    load_start = os.getloadavg()
    prepare_stores(env, args.database)
    stack = Stack(env, log_dir, args.pool)
    result: dict = {"bench": "pipeline", "database": args.database, "redis_db": args.redis_db, "logs": str(log_dir),
                    "worker_pool": args.pool, "runs": args.runs, "sequential": args.sequential,
                    "cluster": "local (scripts/cluster.sh: KWOK nodes, Argo CD)" if cluster else None}
    try:
        stack.start_workers(1)
        stack.start_gateway()
        driver = Driver(stack.gateway_url, uuid.uuid4().hex[:6], own_namespaces=cluster is not None)
        driver.batch(1, args.timeout)  # warm-up, not counted
        sequential: list[str] = []
        for _ in range(args.sequential):
            sequential += driver.batch(1, args.timeout)[0]
        meter = CpuMeter(stack)
        meter.start()
        one_ids, one_wall = driver.batch(args.runs, args.timeout)
        one_cpu = meter.stop(args.runs)
        result["latency"] = summarise(measure(sequential))
        result["throughput_1_worker_per_queue"] = {**summarise(measure(one_ids)), "wall_s": _r(one_wall, 2),
                                                   "runs_per_min": _r(args.runs / one_wall * 60, 1), "cpu": one_cpu}
        if not args.no_scaling:
            stack.start_workers(2)
            driver.batch(2, args.timeout)  # the new workers' first-use costs, not counted
            meter.start()
            two_ids, two_wall = driver.batch(args.runs, args.timeout)
            two_cpu = meter.stop(args.runs)
            result["throughput_2_workers_per_queue"] = {**summarise(measure(two_ids)), "wall_s": _r(two_wall, 2),
                                                        "runs_per_min": _r(args.runs / two_wall * 60, 1), "cpu": two_cpu}
            result["scaling_ratio_2_to_1"] = _r(result["throughput_2_workers_per_queue"]["runs_per_min"]
                                                / result["throughput_1_worker_per_queue"]["runs_per_min"], 2)
        result["raw_sequential"] = measure(sequential)
    finally:
        stack.stop()
        if cluster is not None:
            cluster.stop()
    result["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(),
                         "load_avg_at_start": load_start, "load_avg_at_end": os.getloadavg()}
    result["targets"] = TARGETS
    report(result)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"raw results: {args.json}")
    return 0


def report(result: dict) -> None:
    lat = result["latency"]
    print(f"\nlatency: {lat['runs']} runs one at a time ({lat['runs_with_skipped_steps']} with skipped steps)")
    print(f"{'step':<28}{'own work p50 ms':>16}{'gap before p50 ms':>19}")
    for name in sorted(lat["step_ms_p50"], key=lambda n: list(lat["gap_before_step_ms_p50"]).index(n)
                       if n in lat["gap_before_step_ms_p50"] else 99):
        print(f"{name:<28}{lat['step_ms_p50'][name]:>16}{lat['gap_before_step_ms_p50'].get(name, float('nan')):>19}")
    print(f"end-to-end per run, approval wait excluded: p50 {lat['end_to_end_p50_s']} s, p95 {lat['end_to_end_p95_s']} s")
    print(f"pipeline overhead = end-to-end - steps' own work: p50 {lat['overhead_p50_s']} s, p95 {lat['overhead_p95_s']} s "
          f"(between steps p50 {lat['overhead_between_steps_p50_s']} s, inside steps p50 {lat['overhead_in_steps_p50_s']} s); "
          f"target < {TARGETS['overhead_p50_s']} s")
    for name, reasons in lat["skip_reasons"].items():
        print(f"  skipped for want of a system in {lat['skipped_steps'][name]}/{lat['runs']} runs: {name}: {reasons[0][:110]}")
    for key, label in (("throughput_1_worker_per_queue", "one worker per queue"),
                       ("throughput_2_workers_per_queue", "two workers per queue")):
        if key in result:
            t = result[key]
            print(f"throughput, {t['runs']} runs at once, {label}: {t['wall_s']} s, {t['runs_per_min']} runs/min "
                  f"(target {TARGETS['runs_per_min']}); outcomes {t['outcomes']}; runs with skipped steps "
                  f"{t['runs_with_skipped_steps']}/{t['runs']}; machine CPU busy {t['cpu']['machine_cpu_busy']:.0%} "
                  f"(this stack {t['cpu']['stack_cpu_share_of_machine']:.0%}, {t['cpu']['stack_cpu_s_per_run']} CPU s a run)")
    if "scaling_ratio_2_to_1" in result:
        one = result["throughput_1_worker_per_queue"]["cpu"]
        print(f"scaling: two workers per queue give {result['scaling_ratio_2_to_1']}x the runs/min of one "
              f"({os.cpu_count()} CPUs; with one worker per queue the machine's CPUs were already "
              f"{one['machine_cpu_busy']:.0%} busy, so 2x would need "
              f"{min(2 * one['machine_cpu_busy'], 9.99):.0%} of them)")
    print(f"load average at start {result['machine']['load_avg_at_start']}, at end {result['machine']['load_avg_at_end']}")


if __name__ == "__main__":
    sys.exit(main())
