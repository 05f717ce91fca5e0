"""One audit_log row per MCP tool call: principal, tool, redacted arguments, result status, run id.

Calls that change something (request_change, approve_run, reject_run) and every refusal are
written before the answer goes out. Reads (get_run, list_runs, summarize, validate_iac) are
queued and written by a background thread in batches, so a read does not wait for a commit;
the queue is flushed when the gateway stops. A process killed outright loses at most the
reads queued in its last moments, never a change or a refusal (those are also in the runs
service's own audit rows). A batch that cannot be written is retried, then logged as lost.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any

from shared.db.models import AuditLog
from shared.db.session import session_scope

from services.gateway.auth import Principal
from services.gateway.mcp.views import cut

log = logging.getLogger(__name__)
BATCH = 200


def row(principal: Principal | None, tool: str, arguments: dict[str, Any], status: str,
        run_id: str | None, error: str | None = None) -> AuditLog:
    detail: dict[str, Any] = {"tool": tool, "arguments": arguments, "status": status, "via": "mcp"}
    if principal is not None:
        detail.update(principal_id=principal.id, principal_kind=principal.kind.value, role=principal.role.value,
                      key_name=principal.key_name)
    if run_id:
        detail["run_id"] = run_id
    if error:
        detail["error"] = cut(error, 500)
    return AuditLog(actor=principal.name if principal else "anonymous", action="mcp.tool_call",
                    target_type="run" if run_id else "mcp_tool", target_id=run_id or tool, detail=detail)


def write_now(entry: AuditLog) -> None:
    with session_scope() as session:
        session.add(entry)


class QueuedAudit:
    """The background writer for read calls' rows."""

    def __init__(self) -> None:
        self._queue: queue.Queue[AuditLog] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def put(self, entry: AuditLog) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="mcp-audit", daemon=True)
                self._thread.start()
        self._queue.put(entry)

    def _drain(self) -> list[AuditLog]:
        batch = [self._queue.get()]
        while len(batch) < BATCH:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _write(self, batch: list[AuditLog]) -> None:
        for attempt in range(3):
            try:
                with session_scope() as session:
                    session.add_all(batch)
                return
            except Exception as exc:  # noqa: BLE001 - a store fault: retry, then say what was lost
                if attempt == 2:
                    log.error("could not write %d MCP audit rows: %s", len(batch), exc)
                    return
                time.sleep(0.5 * (attempt + 1))

    def _run(self) -> None:
        while True:
            batch = self._drain()
            self._write(batch)
            for _ in batch:
                self._queue.task_done()

    def flush(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.02)


queued = QueuedAudit()


def record(entry: AuditLog, *, durable: bool) -> None:
    """Write `entry` now (durable) or through the queue."""
    if durable:
        write_now(entry)
    else:
        queued.put(entry)
