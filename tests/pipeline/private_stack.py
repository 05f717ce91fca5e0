"""A whole MCP Cloud stack on private stores, for fault tests and bench/chaos.py.

Private Postgres and Redis (tests/private_stores.py) on free ports, the five workers and
a gateway as processes pointed at them, keys for a requester, an approver and an admin,
and the counting that fault tests assert on: runs lost (never terminal), failures and
their reasons, steps recorded twice, duplicate side effects (two proposals or two
applies for one run).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from shared.db.models import AuditLog, Outbox, Role, Run, RunStep
from shared.examples import request_body

from tests.conftest import REPO, SERVICES, TEST_ENV, ServerProcess, WorkerProcess, gateway_server
from tests.private_stores import PrivateNeo4j, PrivatePostgres, PrivateRedis

SETTLED = {"awaiting_approval", "blocked", "succeeded", "not_applied", "failed", "rejected", "cancelled"}
TERMINAL = SETTLED - {"awaiting_approval"}


@dataclass
class PrivateStack:
    log_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    redis_appendonly: bool = True
    private_neo4j: bool = False
    pg: PrivatePostgres = field(default_factory=PrivatePostgres)
    redis: PrivateRedis | None = None
    neo4j: PrivateNeo4j | None = None
    workers: dict[str, WorkerProcess] = field(default_factory=dict)
    gateway: ServerProcess | None = None
    keys: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        assert self.redis is not None
        env = {
            "MCP_DATABASE_URL": self.pg.url, "MCP_REDIS_URL": self.redis.url(0),
            "MCP_BROKER_URL": self.redis.url(1), "MCP_RESULT_BACKEND": self.redis.url(2),
            "MCP_BROKER_VISIBILITY_TIMEOUT": "300",  # recovery must come from the reaper, not the broker
            "MCP_LOCAL_GIT_ROOT": self._git_root, "MCP_CONFIG_KEK_FILE": self._kek,
            "MCP_POLICY_SCAN_CACHE_TTL_S": "0",
        }
        if self.neo4j is not None:
            env["MCP_NEO4J_URI"] = self.neo4j.uri
        return {**env, **self.extra_env}

    def __post_init__(self) -> None:
        self._git_root = tempfile.mkdtemp(prefix="mcp-chaos-gitops-")
        self._kek = str(Path(tempfile.mkdtemp(prefix="mcp-chaos-kek-")) / "config-kek.json")
        self.redis = PrivateRedis(appendonly=self.redis_appendonly)
        self.neo4j = PrivateNeo4j() if self.private_neo4j else None
        self.log_dir.mkdir(parents=True, exist_ok=True)

    # --- lifecycle ---------------------------------------------------------------------
    def start(self, services: tuple[str, ...] = SERVICES) -> PrivateStack:
        self.pg.init()
        self.redis.start()
        if self.neo4j is not None:
            self.neo4j.start()
        subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=REPO, check=True,
                       capture_output=True, env={**os.environ, **TEST_ENV, **self.env})
        self.engine = create_engine(self.pg.url, pool_pre_ping=True)
        self._make_keys()
        for service in services:
            self.start_worker(service)
        self.gateway = gateway_server("gateway-private", self.log_dir, **self.env)
        self.gateway.start()
        return self

    def start_worker(self, service: str, **extra_env: str) -> WorkerProcess:
        worker = WorkerProcess(service, self.log_dir, {**self.env, **extra_env})
        worker.log_dir = self.log_dir
        worker.start(timeout=240)
        self.workers[service] = worker
        return worker

    def stop(self) -> None:
        if self.gateway:
            self.gateway.stop()
        for worker in self.workers.values():
            worker.kill()
        if self.redis:
            self.redis.destroy()
        if self.neo4j is not None:
            self.neo4j.destroy()
        self.pg.destroy()

    def _make_keys(self) -> None:
        from services.gateway.auth import create_key

        suffix = uuid.uuid4().hex[:6]
        with Session(self.engine) as session:
            for label, role in (("requester", Role.requester), ("approver", Role.approver), ("admin", Role.admin)):
                self.keys[label] = {"X-API-Key": create_key(session, f"{label}-{suffix}", role, actor="tests")}
            session.commit()

    # --- traffic -----------------------------------------------------------------------
    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.gateway.url, timeout=30)

    def submit(self, count: int, scenario: str = "private-logs-bucket", prefix: str = "chaos") -> list[str]:
        body = request_body(scenario)
        ids = []
        with self.client() as client:
            for index in range(count):
                request = {**body, "intent": {**body["intent"], "stack": f"{prefix}-{index}-{uuid.uuid4().hex[:4]}"}}
                response = _retrying(lambda: client.post("/api/v1/requests", json=request, headers=self.keys["requester"]))
                assert response.status_code in (200, 202), response.text
                ids.append(response.json()["id"])
        return ids

    def approver(self, run_ids: list[str], stop: threading.Event) -> threading.Thread:
        """Approve each run as it reaches awaiting_approval (a second principal), until `stop`."""

        def loop() -> None:
            pending = set(run_ids)
            with self.client() as client:
                while pending and not stop.is_set():
                    for run_id in list(pending):
                        try:
                            run = client.get(f"/api/v1/runs/{run_id}", headers=self.keys["approver"]).json()
                            if run.get("status") == "awaiting_approval":
                                answer = client.post(f"/api/v1/runs/{run_id}/approve", headers=self.keys["approver"])
                                if answer.status_code in (200, 202):
                                    pending.discard(run_id)
                            elif run.get("status") in TERMINAL or run.get("status") == "applying":
                                pending.discard(run_id)
                        except (httpx.HTTPError, ValueError):
                            pass  # the gateway's store is down: asked again
                    stop.wait(0.5)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        return thread

    # --- what happened -----------------------------------------------------------------
    def statuses(self, run_ids: list[str]) -> dict[str, str]:
        with Session(self.engine) as session:
            rows = session.execute(select(Run.id, Run.status).where(Run.id.in_([uuid.UUID(r) for r in run_ids])))
            return {str(run_id): status for run_id, status in rows}

    def wait_settled(self, run_ids: list[str], statuses: set[str], timeout: float) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        seen: dict[str, str] = {}
        while time.monotonic() < deadline:
            try:
                seen = self.statuses(run_ids)
            except Exception:  # noqa: BLE001 - Postgres restarting
                time.sleep(1)
                continue
            if len(seen) == len(run_ids) and all(status in statuses for status in seen.values()):
                return seen
            time.sleep(1)
        return seen

    def report(self, run_ids: list[str]) -> dict:
        """Counts for the runs: by status, lost, failure reasons, duplicates."""
        ids = [uuid.UUID(r) for r in run_ids]
        with Session(self.engine) as session:
            runs = session.scalars(select(Run).where(Run.id.in_(ids))).all()
            steps = session.execute(
                select(RunStep.run_id, RunStep.name, RunStep.status, RunStep.executions, RunStep.output)
                .where(RunStep.run_id.in_(ids))).all()
            twice = session.execute(
                select(RunStep.run_id, RunStep.name, func.count()).where(RunStep.run_id.in_(ids))
                .group_by(RunStep.run_id, RunStep.name).having(func.count() > 1)).all()
            resumed = session.scalar(select(func.count()).select_from(AuditLog).where(
                AuditLog.action == "run.resume", AuditLog.target_id.in_(run_ids))) or 0
            pending = session.scalar(select(func.count()).select_from(Outbox).where(Outbox.sent_at.is_(None))) or 0
        by_status: dict[str, int] = {}
        for run in runs:
            by_status[run.status] = by_status.get(run.status, 0) + 1
        failed = [{"run": str(run.id), "error": run.error} for run in runs if run.status == "failed"]
        executions = {}
        for run_id, name, _status, count, _output in steps:
            executions.setdefault(name, []).append(count)
        return {
            "runs": len(run_ids),
            "by_status": by_status,
            "lost": [str(run.id) for run in runs if run.status not in SETTLED] + [
                r for r in run_ids if uuid.UUID(r) not in {run.id for run in runs}],
            "failed": failed,
            "failed_without_reason": [f["run"] for f in failed if not (f["error"] or "").strip()],
            "steps_recorded_twice": [f"{run_id}:{name}" for run_id, name, _ in twice],
            "duplicate_side_effects": self._duplicate_side_effects(runs),
            "step_executions_max": {name: max(counts) for name, counts in executions.items()},
            "steps_executed_more_than_once": sum(1 for *_, count, _ in steps if count > 1),
            "reaper_resumes": resumed,
            "outbox_pending": pending,
        }

    def _duplicate_side_effects(self, runs: list[Run]) -> list[str]:
        """Two proposals (commits on the run's branch) or two merges into main for one run."""
        problems = []
        root = Path(self._git_root)
        for repo in [path for path in root.iterdir() if (path / ".git").exists() or path.suffix == ".git"]:
            log = subprocess.run(["git", "-C", str(repo), "log", "--all", "--format=%s"], capture_output=True,
                                 text=True).stdout.splitlines()
            for run in runs:
                mentions = [line for line in log if str(run.id) in line]
                merges = [line for line in mentions if line.lower().startswith("merge")]
                proposals = [line for line in mentions if not line.lower().startswith("merge")]
                if len(proposals) > 1 or len(merges) > 1:
                    problems.append(f"{run.id}: {len(proposals)} proposal commit(s), {len(merges)} merge(s) in {repo.name}")
        return problems


def _retrying(call, attempts: int = 60):
    """A request while a store restarts: retried on transport faults and 5xx for up to a minute."""
    last = None
    for _ in range(attempts):
        try:
            last = call()
            if last.status_code < 500:
                return last
        except httpx.TransportError:
            pass
        time.sleep(1)
    return last
