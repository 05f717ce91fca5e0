"""Chaos under load, shared by tests/pipeline/test_chaos.py (small) and bench/chaos.py (full).

N runs in flight (approved by a second principal as they arrive), then, in turn: a
Redis restart, a Postgres restart, `kill -9` of a random worker's process group every
few seconds (restarted at once, as a supervisor would), and a Neo4j outage; each fault
notes how many runs were in flight when it began. Every
fault hits the private stores of a `PrivateStack`, never the shared ones. Counts: runs
lost (never terminal), runs failed and their reasons, steps recorded twice, duplicate
side effects, and for each kill that hit a running step, how long until the step ran
again (its attempts grew) or was done.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db.models import RunStep

from tests.conftest import SERVICES
from tests.pipeline.private_stack import TERMINAL, PrivateStack


@dataclass
class ChaosPlan:
    runs: int = 8
    kill_seconds: float = 30.0
    kill_every: float = 8.0
    redis_down_seconds: float = 4.0
    postgres_down_seconds: float = 6.0
    neo4j_down_seconds: float = 30.0
    settle_timeout: float = 600.0
    seed: int = 12


@dataclass
class ChaosLog:
    events: list[dict] = field(default_factory=list)
    recoveries: list[dict] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def note(self, what: str, **detail) -> None:
        self.events.append({"t": round(time.monotonic() - self.started, 1), "event": what, **detail})


def _running_steps(stack: PrivateStack, service: str) -> list[tuple[uuid.UUID, str, int]]:
    with Session(stack.engine) as session:
        rows = session.execute(select(RunStep.run_id, RunStep.name, RunStep.attempts)
                               .where(RunStep.status == "running", RunStep.name.like(f"{service}.%"))).all()
    return [tuple(row) for row in rows]


def _watch_recovery(stack: PrivateStack, chaos: ChaosLog, service: str, steps, killed_at: float) -> None:
    """For each step that was running on the killed worker: seconds until it ran again or was done."""
    pending = {(run_id, name): attempts for run_id, name, attempts in steps}
    deadline = killed_at + 300
    while pending and time.monotonic() < deadline:
        try:
            with Session(stack.engine) as session:
                for (run_id, name), attempts in list(pending.items()):
                    row = session.execute(select(RunStep.attempts, RunStep.status)
                                          .where(RunStep.run_id == run_id, RunStep.name == name)).one()
                    if row.attempts > attempts or row.status not in ("running", "retrying"):
                        chaos.recoveries.append({"service": service, "step": name, "run": str(run_id),
                                                 "seconds": round(time.monotonic() - killed_at, 1),
                                                 "how": "ran again" if row.attempts > attempts else f"now {row.status}"})
                        del pending[(run_id, name)]
        except Exception:  # noqa: BLE001 - Postgres may be restarting in a later phase
            pass
        time.sleep(0.5)
    for (run_id, name) in pending:
        chaos.recoveries.append({"service": service, "step": name, "run": str(run_id), "seconds": None,
                                 "how": "not recovered in 300 s"})


def _kill_phase(stack: PrivateStack, plan: ChaosPlan, chaos: ChaosLog, rng: random.Random) -> list[threading.Thread]:
    """Kill a random worker every `kill_every` seconds. A worker is a candidate when it is up
    and the steps its last kill interrupted have recovered, so each recovery time measures
    one kill (lease expiry, re-send, restart), not a worker killed again while coming back."""
    threads = []
    watching: dict[str, threading.Thread] = {}
    end = time.monotonic() + plan.kill_seconds
    while time.monotonic() < end:
        up = [service for service in SERVICES if stack.workers[service].process.poll() is None
              and not (service in watching and watching[service].is_alive())]
        if not up:
            time.sleep(1)
            continue
        # prefer a worker that is running a step, so each kill tests a recovery
        busy = [service for service in up if _running_steps(stack, service)]
        service = rng.choice(busy or up)
        steps = _running_steps(stack, service)
        stack.workers[service].kill()
        killed_at = time.monotonic()
        chaos.note("kill -9", service=service, running_steps=[name for _, name, _ in steps])
        restart = threading.Thread(target=stack.start_worker, args=(service,), daemon=True)
        restart.start()
        threads.append(restart)
        if steps:
            watch = threading.Thread(target=_watch_recovery, args=(stack, chaos, service, steps, killed_at), daemon=True)
            watch.start()
            watching[service] = watch
            threads.append(watch)
        time.sleep(plan.kill_every)
    return threads


def run_chaos(stack: PrivateStack, plan: ChaosPlan) -> dict:
    rng = random.Random(plan.seed)
    chaos = ChaosLog()
    run_ids = stack.submit(plan.runs, prefix="chaos")
    chaos.note("submitted", runs=len(run_ids))
    stop = threading.Event()
    approver = stack.approver(run_ids, stop)
    time.sleep(3)

    def in_flight() -> int | None:
        try:
            return sum(1 for status in stack.statuses(run_ids).values() if status not in TERMINAL)
        except Exception:  # noqa: BLE001 - Postgres down
            return None

    chaos.note("redis stop", runs_in_flight=in_flight())
    stack.redis.stop()
    time.sleep(plan.redis_down_seconds)
    stack.redis.start()
    chaos.note("redis start")
    time.sleep(5)

    chaos.note("postgres stop", runs_in_flight=in_flight())
    stack.pg.stop("fast")
    time.sleep(plan.postgres_down_seconds)
    stack.pg.start()
    chaos.note("postgres start")
    time.sleep(3)

    chaos.note("kill phase", runs_in_flight=in_flight())
    threads = _kill_phase(stack, plan, chaos, rng)
    back_by = time.monotonic() + 300
    for service in SERVICES:  # every killed worker is back before the next fault
        while stack.workers[service].process.poll() is not None and time.monotonic() < back_by:
            time.sleep(0.5)
    chaos.note("workers back", down=[s for s in SERVICES if stack.workers[s].process.poll() is not None])

    if stack.neo4j is not None and plan.neo4j_down_seconds > 0:
        chaos.note("neo4j stop", runs_in_flight=in_flight())
        stack.neo4j.stop()
        time.sleep(plan.neo4j_down_seconds)
        stack.neo4j.start()
        chaos.note("neo4j start")

    seen = stack.wait_settled(run_ids, TERMINAL, timeout=plan.settle_timeout)
    chaos.note("settled" if all(status in TERMINAL for status in seen.values()) else "gave up waiting")
    stop.set()
    approver.join(timeout=10)
    for thread in threads:
        thread.join(timeout=60)
    report = stack.report(run_ids)
    recovered = [r["seconds"] for r in chaos.recoveries if r["seconds"] is not None]
    report.update({
        "faults": chaos.events,
        "kill_recoveries": chaos.recoveries,
        "kill_recovery_seconds": {
            "count": len(recovered), "max": max(recovered) if recovered else None,
            "median": sorted(recovered)[len(recovered) // 2] if recovered else None,
            "not_recovered": sum(1 for r in chaos.recoveries if r["seconds"] is None),
        },
        "elapsed_seconds": round(time.monotonic() - chaos.started, 1),
    })
    return report
