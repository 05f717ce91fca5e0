"""Pipeline benchmark through the full local stack (`make bench`).

Drives runs through the gateway's HTTP API (each on its own stack, so target locks never
serialise them) and approves each with a second key as soon as it awaits approval.
External systems are answered locally (local git repository, no cluster).
- Latency: `--sequential` runs one at a time. From the run_steps rows: p50/p95 of each
  step's own work, of each run's end-to-end time (the wait for the approver excluded),
  and of the pipeline overhead = end-to-end minus the steps' own work (queue hand-offs,
  messaging, Postgres/Redis bookkeeping).
- Throughput: `--runs` runs submitted at once, one worker per queue: runs per minute.

Usage: .venv/bin/python bench/pipeline.py [--runs 30] [--sequential 10] [--url http://127.0.0.1:8000]
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, update  # noqa: E402

from shared.db.models import Approval, ApiKey, Role, Run, RunStep  # noqa: E402
from shared.db.session import session_scope  # noqa: E402
from shared.examples import request_body  # noqa: E402

from services.gateway.auth import create_key  # noqa: E402

TERMINAL = {"succeeded", "not_applied", "failed", "blocked", "rejected", "cancelled"}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def bench_keys(tag: str) -> tuple[str, str]:
    with session_scope() as session:
        requester = create_key(session, f"bench-requester-{tag}", Role.requester, actor="bench")
        approver = create_key(session, f"bench-approver-{tag}", Role.approver, actor="bench")
    return requester, approver


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="runs submitted at once (throughput)")
    parser.add_argument("--sequential", type=int, default=10, help="runs one at a time (latency)")
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()

    ready = httpx.get(f"{args.url}/readyz", timeout=10)
    if ready.status_code != 200:
        print(f"stack not ready at {args.url}: {ready.text}\nstart it with `make run` (or scripts/stack.sh start)")
        return 2
    tag = uuid.uuid4().hex[:6]
    requester_key, approver_key = bench_keys(tag)
    requester = httpx.Client(base_url=args.url, headers={"X-API-Key": requester_key}, timeout=30)
    approver = httpx.Client(base_url=args.url, headers={"X-API-Key": approver_key}, timeout=30)

    # Warm-up: one run so first-use costs (parser caches, checkov's first scan) are not counted.
    drive(requester, approver, [submit(requester, -1, tag)], args.timeout)

    # Latency: runs one after another, so each step's wait is the pipeline's, not a queue's.
    sequential = []
    for i in range(args.sequential):
        sequential += drive(requester, approver, [submit(requester, 1000 + i, tag)], args.timeout)
    # Throughput: N runs submitted at once, one worker per queue.
    started = time.monotonic()
    run_ids = drive(requester, approver, [submit(requester, i, tag) for i in range(args.runs)], args.timeout)
    wall = time.monotonic() - started

    with session_scope() as session:
        step_durations, end_to_end, overhead, _ = measure(session, sequential)
        _, _, _, outcomes = measure(session, run_ids)
        session.execute(update(ApiKey).where(ApiKey.name.like(f"bench-%-{tag}")).values(revoked_at=func.now()))

    print(f"\nlatency: {len(sequential)} runs one at a time")
    print(f"{'step':<28}{'p50 ms':>10}{'p95 ms':>10}{'n':>5}")
    for name, values in sorted(step_durations.items(), key=lambda item: item[0]):
        print(f"{name:<28}{percentile(values, .5):>10.1f}{percentile(values, .95):>10.1f}{len(values):>5}")
    print(f"end-to-end per run, approval wait excluded (s): p50 {percentile(end_to_end, .5):.2f}  "
          f"p95 {percentile(end_to_end, .95):.2f}")
    print(f"pipeline overhead per run = end-to-end - steps' own work (s): p50 {percentile(overhead, .5):.3f}  "
          f"p95 {percentile(overhead, .95):.3f}")
    print(f"\nthroughput: {args.runs} runs submitted at once, one worker per queue: {wall:.1f} s wall, "
          f"{args.runs / wall * 60:.1f} runs/min; outcomes {dict(outcomes)}")
    return 0


def submit(client: httpx.Client, index: int, tag: str) -> str:
    body = request_body("eks-nginx-argocd", stack=f"bench-{tag}-{index}")
    return client.post("/api/v1/requests", json=body).raise_for_status().json()["id"]


def drive(requester: httpx.Client, approver: httpx.Client, run_ids: list[str], timeout: float) -> list[str]:
    """Approve each run when it waits for approval; return when all have ended."""
    pending, approved, started = set(run_ids), set(), time.monotonic()
    while pending:
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{len(pending)} runs did not finish within {timeout}s")
        page = requester.get("/api/v1/runs", params={"limit": 200}).json()["items"]
        states = {run["id"]: run["status"] for run in page}
        for run_id in list(pending):
            state = states.get(run_id)
            if state == "awaiting_approval" and run_id not in approved:
                approver.post(f"/api/v1/runs/{run_id}/approve").raise_for_status()
                approved.add(run_id)
            elif state in TERMINAL:
                pending.discard(run_id)
        time.sleep(0.05)
    return run_ids


def measure(session, run_ids: list[str]):
    step_durations: dict[str, list[float]] = defaultdict(list)
    end_to_end, overhead, outcomes = [], [], defaultdict(int)
    runs = session.scalars(select(Run).where(Run.id.in_([uuid.UUID(r) for r in run_ids]))).all()
    for run in runs:
        outcomes[run.status] += 1
        steps = session.scalars(select(RunStep).where(RunStep.run_id == run.id)).all()
        for step in steps:
            if step.duration_ms is not None:
                step_durations[step.name].append(step.duration_ms)
        approval = session.scalar(select(Approval).where(Approval.run_id == run.id))
        plan_end = next((s.finished_at for s in steps if s.name == "github.open_pr"), None)
        if run.finished_at is None or approval is None or plan_end is None:
            continue
        waited = (approval.created_at - plan_end).total_seconds()
        total = (run.finished_at - run.created_at).total_seconds() - waited
        work = sum((s.duration_ms or 0) for s in steps) / 1000
        end_to_end.append(total)
        overhead.append(max(0.0, total - work))
    return step_durations, end_to_end, overhead, outcomes


if __name__ == "__main__":
    sys.exit(main())
