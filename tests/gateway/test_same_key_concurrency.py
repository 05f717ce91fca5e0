"""One key used by many requests at once (a console tab: event streams, polls, reads) never stalls the gateway.

Found by the console's browser bench: recording a key's last use inside each request's
transaction held a row lock for the whole request, and the event stream's blocking query
on the event loop then waited for it — the whole gateway process stopped answering.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from shared.contracts import Persona, RunMessage
from shared.db.models import Run
from shared.db.session import session_scope
from shared.examples import SCENARIOS


def _run_row() -> str:
    intent = SCENARIOS["private-logs-bucket"].model_copy(update={"stack": f"same-key-{uuid.uuid4().hex[:6]}"})
    run_id = uuid.uuid4()
    message = RunMessage(run_id=run_id, persona=Persona.devops, requested_by="tests", intent=intent)
    with session_scope() as session:
        session.add(Run(id=run_id, status="awaiting_approval", persona="devops", requested_by="tests",
                        target=intent.target, intent=intent.model_dump(mode="json"), message=message.to_wire()))
    return str(run_id)


def test_streams_and_reads_with_one_key_all_answer(gateway_process, keys):
    run_id = _run_row()
    base, headers = gateway_process.url, keys.viewer

    def open_stream(_: int) -> float:
        """Open the run's event stream and leave after its first bytes, as a page left early does."""
        started = time.perf_counter()
        with httpx.stream("GET", f"{base}/api/v1/runs/{run_id}/events", headers=headers, timeout=20) as response:
            assert response.status_code == 200
        return time.perf_counter() - started

    def read(index: int) -> float:
        started = time.perf_counter()
        path = f"/api/v1/runs/{run_id}" if index % 2 else "/api/v1/runs?limit=200"
        assert httpx.get(base + path, headers=headers, timeout=20).status_code == 200
        return time.perf_counter() - started

    calls = [open_stream if index % 3 == 0 else read for index in range(240)]
    with ThreadPoolExecutor(12) as pool:
        durations = list(pool.map(lambda pair: pair[1](pair[0]), enumerate(calls)))
    assert max(durations) < 20, sorted(durations)[-5:]  # none starves (generous: a loaded 2-core machine)
    assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
