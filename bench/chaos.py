"""Chaos bench: runs in flight through worker kills, Redis and Postgres restarts, a Neo4j outage.

Starts its own Postgres, Redis and Neo4j on free ports (tests/private_stores.py) with
the five workers and a gateway pointed at them (tests/pipeline/private_stack.py), so
the shared stores are never touched. Then (tests/pipeline/chaos.py): N runs submitted
and approved by a second principal as they arrive; `kill -9` of a random worker's
process group every few seconds for a minute (restarted at once); Redis stopped and
started; Postgres stopped (fast) and started; Neo4j stopped for 30 s. Writes
bench/results/chaos.json: runs lost (never terminal), failed (with their reasons),
steps recorded twice, duplicate side effects (two proposal commits or two merges for a
run), recovery time of each killed step, and the load average.

Usage: .venv/bin/python bench/chaos.py [--runs 100] [--kill-seconds 60] [--kill-every 5]
(the Neo4j runner must be built: scripts/infra.sh install, or NEO4J_RUNNER_DIR)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("MCP_TEST_LOG_DIR", str(REPO / ".data" / "bench-chaos-logs"))

import tests.conftest  # noqa: E402,F401 - the test settings (MCP_ENV=test...) before anything reads settings
from tests.pipeline.chaos import ChaosPlan, run_chaos  # noqa: E402
from tests.pipeline.private_stack import PrivateStack  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--kill-seconds", type=float, default=60)
    parser.add_argument("--kill-every", type=float, default=5)
    parser.add_argument("--redis-down", type=float, default=8)
    parser.add_argument("--postgres-down", type=float, default=6)
    parser.add_argument("--neo4j-down", type=float, default=30)
    parser.add_argument("--no-neo4j", action="store_true", help="use the shared Neo4j and skip its outage")
    parser.add_argument("--settle-timeout", type=float, default=1800)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "chaos.json")
    args = parser.parse_args()

    plan = ChaosPlan(runs=args.runs, kill_seconds=args.kill_seconds, kill_every=args.kill_every,
                     redis_down_seconds=args.redis_down, postgres_down_seconds=args.postgres_down,
                     neo4j_down_seconds=0 if args.no_neo4j else args.neo4j_down, settle_timeout=args.settle_timeout)
    # The production retry backoff (the tests' settings cap it at 2 s): a 30 s Neo4j outage is
    # what retries with backoff up to 60 s are for.
    stack = PrivateStack(Path(os.environ["MCP_TEST_LOG_DIR"]), private_neo4j=not args.no_neo4j,
                         extra_env={"MCP_STEP_RETRY_BACKOFF_MAX": "60"})
    load_before = os.getloadavg()
    started = time.time()
    try:
        stack.start()
        report = run_chaos(stack, plan)
    finally:
        stack.stop()
    result = {
        "bench": "chaos",
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "plan": plan.__dict__,
        "settings": {key: value for key, value in stack.env.items() if key.startswith("MCP_") and "URL" not in key
                     and "ROOT" not in key and "FILE" not in key},
        "machine": {"cpus": os.cpu_count(), "loadavg_before": [round(x, 2) for x in load_before],
                    "loadavg_after": [round(x, 2) for x in os.getloadavg()],
                    "note": "loaded: shared by other engineers' test runs and builds"},
        **report,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    summary = {key: result[key] for key in ("runs", "by_status", "kill_recovery_seconds", "elapsed_seconds")}
    summary.update(lost=len(result["lost"]), steps_recorded_twice=len(result["steps_recorded_twice"]),
                   duplicate_side_effects=len(result["duplicate_side_effects"]),
                   failed_without_reason=len(result["failed_without_reason"]))
    print(json.dumps(summary, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
