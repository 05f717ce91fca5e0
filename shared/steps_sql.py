"""The step runner's two writes per step, each one SQL statement (shared/steps.py).

A pipeline hop's cost on a busy machine is mostly round trips to Postgres: every one is
a wake-up of two processes. The lease's connection runs in autocommit
(shared/steps_lease.py), so a single statement is a whole transaction: no BEGIN and no
COMMIT round trips. A step's start is one statement after the lock is taken (its
snapshot is taken after the lock, so it sees what the previous holder committed), and
its end is one statement. Writing several tables in one statement uses data-modifying
CTEs, which commit or fail together.
"""

from __future__ import annotations

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import JSONB

from shared.db.models import StepStatus, TERMINAL_STATUSES

TERMINAL_RUN = sorted(status.value for status in TERMINAL_STATUSES)
DONE_STEP = sorted(status.value for status in StepStatus if status.done)

# Start a step: unless the run ended or the step is done, insert its row or count a new
# attempt; move the run to `starts` (NULL: leave it). Returns what the runner decides on.
BEGIN = text("""
WITH run AS (
    SELECT status FROM runs WHERE id = :run_id
), step AS (
    SELECT id, status, seq FROM run_steps WHERE run_id = :run_id AND name = :name
), go AS (
    SELECT 1 FROM run
    WHERE run.status <> ALL(:terminal) AND NOT EXISTS (SELECT 1 FROM step WHERE step.status = ANY(:done))
), inserted AS (
    INSERT INTO run_steps (run_id, name, seq, status, attempts, executions, worker, queue, started_at, heartbeat_at)
    SELECT :run_id, :name, :seq, 'running', 1, 1, :worker, :queue, :started, :started
    FROM go WHERE NOT EXISTS (SELECT 1 FROM step)
    RETURNING attempts
), updated AS (
    UPDATE run_steps SET status = 'running', attempts = run_steps.attempts + 1,
        executions = run_steps.executions + 1, worker = :worker, queue = :queue,
        started_at = :started, heartbeat_at = :started, detail = NULL
    FROM go WHERE run_steps.id = (SELECT id FROM step)
    RETURNING run_steps.attempts
), entered AS (
    UPDATE runs SET status = CAST(:starts AS varchar), updated_at = now()
    FROM go WHERE runs.id = :run_id AND CAST(:starts AS varchar) IS NOT NULL AND runs.status <> CAST(:starts AS varchar)
    RETURNING 1
)
SELECT (SELECT status FROM run) AS run_status, (SELECT id FROM step) AS step_id,
       (SELECT status FROM step) AS step_status, (SELECT seq FROM step) AS step_seq,
       COALESCE((SELECT attempts FROM inserted), (SELECT attempts FROM updated)) AS attempts,
       EXISTS (SELECT 1 FROM entered) AS entered
""")

# Record a step's end: the step's row; unless the run was cancelled meanwhile, the run's
# latest message and new status (NULL: unchanged), and its target lock if it ended: what
# shared.steps.finish_run does through the ORM (change both together).
# (A data-modifying CTE runs whether or not the final SELECT reads it.)
# Nothing is written when the step's row is gone.
RECORD = text("""
WITH step AS (
    UPDATE run_steps SET status = :status, finished_at = :finished, duration_ms = :duration_ms,
        detail = :detail, output = :output, log = :log
    WHERE run_id = :run_id AND name = :name
    RETURNING id
), run AS (
    UPDATE runs SET message = :message, status = COALESCE(CAST(:run_status AS varchar), runs.status),
        finished_at = CASE WHEN :ends THEN :finished ELSE runs.finished_at END, updated_at = now()
    WHERE runs.id = :run_id AND runs.status <> 'cancelled' AND EXISTS (SELECT 1 FROM step)
    RETURNING id
), unlock AS (
    DELETE FROM target_locks WHERE run_id = :run_id AND :ends AND EXISTS (SELECT 1 FROM run)
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM step) AS step_found, EXISTS (SELECT 1 FROM run) AS run_updated
""").bindparams(bindparam("output", type_=JSONB(none_as_null=False)), bindparam("message", type_=JSONB))
