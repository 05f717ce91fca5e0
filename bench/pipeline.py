"""Pipeline benchmark: N runs through the full local stack (`make bench`).

Submits N requests at once through the gateway's HTTP API (each on its own stack, so
target locks never serialise them), approves each with a second key as soon as it
awaits approval, and waits for all to finish. External systems are answered locally
(local git repository, no cluster). Prints, from the run_steps rows in Postgres:
- p50/p95 of each step's own work (duration_ms),
- p50/p95 of each run's end-to-end time, and of its pipeline overhead: end-to-end time
  minus the steps' own work (queueing, messaging, Postgres/Redis bookkeeping) and
  minus the time it waited for the approver,
- runs per minute with one worker per queue.

Usage: .venv/bin/python bench/pipeline.py [--runs 30] [--url http://127.0.0.1:8000]
"""

from __future__ import annotations

import argparse
import statistics
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

from services.gateway.auth import create_key  # noqa: E402

TERMINAL = {"succeeded", "not_applied", "failed", "blocked", "rejected", "cancelled"}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def request_body(index: int, tag: str) -> dict:
    return {
        "persona": "devops",
        "intent": {
            "action": "deploy", "cloud": "aws", "platform": "eks", "region": "ap-northeast-2",
            "stack": f"bench-{tag}-{index}", "cluster": {"name": f"bench-{index}"},
            "app": {"name": "nginx", "image": "nginxinc/nginx-unprivileged", "tag": "1.27.3", "replicas": 3, "port": 8080},
            "gitops": "argocd",
        },
    }


def bench_keys(tag: str) -> tuple[str, str]:
    with session_scope() as session:
        requester = create_key(session, f"bench-requester-{tag}", Role.requester, actor="bench")
        approver = create_key(session, f"bench-approver-{tag}", Role.approver, actor="bench")
    return requester, approver


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
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
    warm = requester.post("/api/v1/requests", json=request_body(-1, tag)).raise_for_status().json()["id"]
    while requester.get(f"/api/v1/runs/{warm}").json()["status"] not in TERMINAL | {"awaiting_approval"}:
        time.sleep(0.2)

    started = time.monotonic()
    run_ids = [requester.post("/api/v1/requests", json=request_body(i, tag)).raise_for_status().json()["id"]
               for i in range(args.runs)]
    pending, approved = set(run_ids), set()
    while pending and time.monotonic() - started < args.timeout:
        page = requester.get("/api/v1/runs", params={"limit": 200}).json()["items"]
        states = {run["id"]: run["status"] for run in page}
        for run_id in list(pending):
            state = states.get(run_id)
            if state == "awaiting_approval" and run_id not in approved:
                approver.post(f"/api/v1/runs/{run_id}/approve").raise_for_status()
                approved.add(run_id)
            elif state in TERMINAL:
                pending.discard(run_id)
        time.sleep(0.2)
    wall = time.monotonic() - started
    if pending:
        print(f"{len(pending)} runs did not finish within {args.timeout}s")

    step_durations: dict[str, list[float]] = defaultdict(list)
    end_to_end, overhead, outcomes = [], [], defaultdict(int)
    with session_scope() as session:
        runs = session.scalars(select(Run).where(Run.id.in_([uuid.UUID(r) for r in run_ids]))).all()
        for run in runs:
            outcomes[run.status] += 1
            steps = session.scalars(select(RunStep).where(RunStep.run_id == run.id)).all()
            for step in steps:
                if step.duration_ms is not None:
                    step_durations[step.name].append(step.duration_ms)
            approval = session.scalar(select(Approval).where(Approval.run_id == run.id))
            if run.finished_at is None:
                continue
            total = (run.finished_at - run.created_at).total_seconds()
            plan_end = max((s.finished_at for s in steps if s.name == "github.open_pr" and s.finished_at), default=None)
            waited = (approval.created_at - plan_end).total_seconds() if approval and plan_end else 0.0
            work = sum((s.duration_ms or 0) for s in steps) / 1000
            end_to_end.append(total)
            overhead.append(max(0.0, total - waited - work))
        session.execute(update(ApiKey).where(ApiKey.name.like(f"bench-%-{tag}")).values(revoked_at=func.now()))

    print(f"\n{args.runs} runs, one worker per queue, {wall:.1f} s wall: {args.runs / wall * 60:.1f} runs/min")
    print(f"outcomes: {dict(outcomes)}")
    print(f"\n{'step':<28}{'p50 ms':>10}{'p95 ms':>10}{'n':>5}")
    for name, values in sorted(step_durations.items(), key=lambda item: item[0]):
        print(f"{name:<28}{percentile(values, .5):>10.1f}{percentile(values, .95):>10.1f}{len(values):>5}")
    print(f"\nend-to-end per run (s, approval wait excluded from overhead): "
          f"p50 {percentile(end_to_end, .5):.2f}  p95 {percentile(end_to_end, .95):.2f}")
    print(f"pipeline overhead per run (s): p50 {percentile(overhead, .5):.3f}  p95 {percentile(overhead, .95):.3f}")
    work_p50 = statistics.median([sum(v) / len(v) for v in step_durations.values()]) if step_durations else 0
    print(f"(median step work {work_p50:.1f} ms)")
    return 0 if not pending else 1


if __name__ == "__main__":
    sys.exit(main())
