"""GitHub Actions: dispatch the apply workflow, find the run it started, follow it.

`workflow_dispatch` answers 204 with no run id, so the run is found by a correlation id
passed as an input and shown in the run's name (the workflow's `run-name` carries it).
Following backs off (interval × 1.5 up to `MCP_GITHUB_POLL_MAX_INTERVAL_S`), waits for the
primary rate-limit reset when `X-RateLimit-Remaining` runs low, and between reads waits
on the webhook signal (shared/workflow_signals.py) so a `workflow_run` webhook ends the
wait at once. Rate-limit responses themselves (403/429 with Retry-After, secondary limits)
are retried inside PyGithub by the retry policy of connection.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from github.Workflow import Workflow
from github.WorkflowRun import WorkflowRun

from shared import workflow_signals
from shared.settings import get_settings

from services.github.connection import GitHubTarget

log = logging.getLogger(__name__)

RATE_LIMIT_RESERVE = 0.05  # below 5% of the hourly budget, wait for the reset instead of spending it


class RunNotFound(Exception):
    pass


class RunTimedOut(Exception):
    pass


@dataclass
class Followed:
    run: WorkflowRun
    polls: int
    woken_by_webhook: bool


def _matches(run: WorkflowRun, correlation: str) -> bool:
    return correlation in (run.name or "") or correlation in (run.display_title or "")


def find_run(workflow: Workflow, ref: str, correlation: str, since: datetime) -> WorkflowRun | None:
    """The run of `workflow` on `ref` whose name carries `correlation` (one listing, paginated)."""
    created = f">={(since - timedelta(minutes=2)).strftime('%Y-%m-%dT%H:%M:%SZ')}"
    for run in workflow.get_runs(branch=ref, event="workflow_dispatch", created=created):
        if _matches(run, correlation):
            return run
    return None


def dispatch(target: GitHubTarget, workflow_file: str, ref: str, inputs: dict[str, str]) -> tuple[WorkflowRun, bool]:
    """Dispatch once per correlation id (a redelivered step finds the run it already started).

    Returns (run, dispatched_now)."""
    correlation = inputs["correlation_id"]
    workflow = target.repo.get_workflow(workflow_file)
    since = datetime.now(UTC)
    existing = find_run(workflow, ref, correlation, since - timedelta(days=1))
    if existing is not None:
        return existing, False
    workflow.create_dispatch(ref=ref, inputs=inputs, throw=True)
    settings = get_settings()
    deadline = time.monotonic() + settings.github_find_run_timeout_s
    delay = 0.25
    while True:
        found = find_run(workflow, ref, correlation, since)
        if found is not None:
            return found, True
        if time.monotonic() + delay > deadline:
            raise RunNotFound(f"no run of {workflow_file} on {ref} named with {correlation} appeared within "
                              f"{settings.github_find_run_timeout_s:.0f}s of the dispatch")
        time.sleep(delay)
        delay = min(delay * 2, 5.0)


def _rate_limit_pause(target: GitHubTarget) -> float:
    """Seconds to wait before the next call so the primary budget is not exhausted (X-RateLimit-*)."""
    remaining, limit = target.client.rate_limiting
    if limit <= 0 or remaining < 0 or remaining > max(1, int(limit * RATE_LIMIT_RESERVE)):
        return 0.0
    reset = target.client.rate_limiting_resettime
    return max(0.0, reset - time.time()) + 1.0


class StillRunning(Exception):
    """This execution's time is up but the run's is not: follow it again in a new delivery."""


def follow(target: GitHubTarget, run_id: int, correlation: str, *, started: datetime,
           wait: Callable[[str, float], dict | None] = workflow_signals.wait) -> Followed:
    """Read the run until it completes, `MCP_POLL_TIMEOUT_SECONDS` after `started` at most.

    One execution holds its task for at most 80% of the broker's visibility timeout (so the
    broker never hands the same task to a second worker meanwhile) and then raises
    StillRunning; the step is delivered again and goes on following."""
    settings = get_settings()
    overall = settings.poll_timeout_seconds - (datetime.now(UTC) - started).total_seconds()
    budget = settings.broker_visibility_timeout * 0.8
    deadline = time.monotonic() + min(overall, budget)
    interval = settings.poll_interval_seconds
    polls, woken = 0, False
    while True:
        run = target.repo.get_workflow_run(run_id)
        status = run.status  # one GET (the object is lazy until read)
        polls += 1
        if status == "completed":
            return Followed(run=run, polls=polls, woken_by_webhook=woken)
        left = deadline - time.monotonic()
        if left <= 0:
            if overall <= budget:
                raise RunTimedOut(f"workflow run {run_id} still {status} after {settings.poll_timeout_seconds}s")
            raise StillRunning(f"workflow run {run_id} is {status}; following it again")
        pause = _rate_limit_pause(target)
        if pause > left:
            raise RunTimedOut(f"the GitHub rate limit resets in {pause:.0f}s, after this step's deadline; "
                              f"workflow run {run_id} was {status}")
        delay = min(max(interval, pause), left)
        signal = wait(correlation, delay)
        if signal is not None and signal.get("status") == "completed":
            woken = True
        interval = min(interval * 1.5, settings.github_poll_max_interval_s)
