"""Chaos at small scale (CI): 8 runs in flight through worker kills and store restarts.

bench/chaos.py runs the same harness (tests/pipeline/chaos.py) at full scale with a
Neo4j outage as well. Here: 0 runs lost, 0 steps recorded twice, 0 duplicate side
effects, every failure names its cause, every killed step back within 30 s.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import logs_dir
from tests.pipeline.chaos import ChaosPlan, run_chaos
from tests.pipeline.private_stack import PrivateStack


# The eight runs must still be in flight when the faults begin (Redis ~3 s after they are
# submitted, Postgres ~12 s, the kills from ~22 s). Without a slow step the pipeline ends
# them all within about 3 s, and the faults would hit nothing: k8s.deploy (one worker, in
# every run's chain B) waits 3 s, which keeps the runs queued behind it for ~25 s.
SLOW_STEP = {"k8s.deploy": 3}


@pytest.fixture
def chaos_stack(stores):
    stack = PrivateStack(logs_dir() / "private-chaos", extra_env={"MCP_FAULT_STEP_DELAY": json.dumps(SLOW_STEP)})
    try:
        yield stack.start()
    finally:
        stack.stop()


def test_chaos_small_scale_loses_and_duplicates_nothing(chaos_stack):
    plan = ChaosPlan(runs=8, kill_seconds=24, kill_every=8, redis_down_seconds=4, postgres_down_seconds=6,
                     neo4j_down_seconds=0, settle_timeout=120)  # within pytest-timeout (300 s, setup included)
    report = run_chaos(chaos_stack, plan)
    (chaos_stack.log_dir / "chaos-report.json").write_text(json.dumps(report, indent=2, default=str))
    hit = {event["event"]: event.get("runs_in_flight") for event in report["faults"]}
    assert hit["redis stop"] and hit["postgres stop"], report["faults"]  # the store faults hit runs in flight
    assert report["lost"] == [], report
    assert report["steps_recorded_twice"] == [], report
    assert report["duplicate_side_effects"] == [], report
    assert report["failed_without_reason"] == [], report
    assert sum(report["by_status"].values()) == plan.runs, report
    assert report["outbox_pending"] == 0, report
    recoveries = report["kill_recovery_seconds"]
    assert recoveries["not_recovered"] == 0, report["kill_recoveries"]
    assert recoveries["max"] is None or recoveries["max"] < 30, report["kill_recoveries"]
