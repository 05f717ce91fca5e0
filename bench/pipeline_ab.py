"""Pipeline A/B: two code versions side by side, runs alternated, so both see the same machine load.

On a 2-core machine shared with other engineers, two bench runs a few minutes apart can
differ by 2x for reasons that have nothing to do with the code. This bench starts two
stacks of `bench/pipeline.py` (five workers, one per queue, and a gateway each) from two
checkouts, ``--a`` and ``--b``, and alternates them run by run:

* latency: ``--sequential`` rounds of one run on each stack, one at a time, the order
  alternating (AB, BA, ...);
* throughput: ``--runs`` runs at once on A, then B, then B, then A (ABBA), one stack at
  a time.

Both stacks share one Postgres database (runs are rows of their own) and the app and
result Redis databases; each has its own broker database (``--redis-db`` + 1 for A,
+ 3 for B), so each stack's workers take only its own gateway's tasks. The ratios B/A of
the same figures are the result; absolute figures move with the machine's load.

Usage: .venv/bin/python bench/pipeline_ab.py --a /path/to/checkout-a --b . [--sequential 10] [--runs 20]
Results: bench/results/pipeline-ab.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import uuid
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]
import pipeline  # noqa: E402 - bench/pipeline.py: its stack, driver and measures

RESULTS = pipeline.REPO / "bench" / "results" / "pipeline-ab.json"
FIGURES = ("overhead_p50_s", "overhead_between_steps_p50_s", "overhead_in_steps_p50_s", "end_to_end_p50_s",
           "work_p50_s")


def _start(root: Path, env: dict[str, str], log_dir: Path, pool: str) -> pipeline.Stack:
    """A stack whose processes run the code under `root` (bench.pipeline spawns from REPO)."""
    log_dir.mkdir(parents=True)
    stack = pipeline.Stack(env, log_dir, pool)
    original = pipeline.REPO
    pipeline.REPO = root
    try:
        stack.start_workers(1)
        stack.start_gateway()
    finally:
        pipeline.REPO = original
    return stack


def _git(root: Path) -> str:
    head = os.popen(f"git -C {root} rev-parse --short HEAD 2>/dev/null").read().strip()
    return head or "(not a git checkout)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", type=Path, required=True, help="checkout of version A (e.g. main)")
    parser.add_argument("--b", type=Path, required=True, help="checkout of version B")
    parser.add_argument("--label-a", default="A")
    parser.add_argument("--label-b", default="B")
    parser.add_argument("--sequential", type=int, default=10, help="rounds of one run per stack")
    parser.add_argument("--runs", type=int, default=20, help="runs at once per throughput batch")
    parser.add_argument("--database", default=os.environ.get("MCP_BENCH_DATABASE", "mcpcloud_bench"))
    parser.add_argument("--redis-db", type=int, default=int(os.environ.get("MCP_BENCH_REDIS_DB", "20")),
                        help="first of four Redis databases: app, broker A, results, broker B")
    parser.add_argument("--pool", default="prefork", choices=("prefork", "solo"))
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="mcpcloud-bench-pipeline-ab-"))
    env_a = pipeline.stack_env(args.database, args.redis_db, scratch)
    env_b = {**env_a, "MCP_BROKER_URL": f"redis://127.0.0.1:6379/{args.redis_db + 3}"}
    for name in [n for n in os.environ if n.startswith("MCP_")]:
        del os.environ[name]
    os.environ.update(env_a)
    load_start = os.getloadavg()
    pipeline.prepare_stores(env_a, args.database)
    import redis

    redis.Redis.from_url(env_b["MCP_BROKER_URL"]).flushdb()
    roots = {"A": args.a.resolve(), "B": args.b.resolve()}
    stacks: dict[str, pipeline.Stack] = {}
    result: dict = {"bench": "pipeline A/B", "database": args.database, "redis_db": args.redis_db,
                    "logs": str(scratch), "worker_pool": args.pool,
                    "A": {"label": args.label_a, "root": str(roots["A"]), "commit": _git(roots["A"])},
                    "B": {"label": args.label_b, "root": str(roots["B"]), "commit": _git(roots["B"])},
                    "sequential_rounds": args.sequential, "runs_per_batch": args.runs}
    try:
        for key, env in (("A", env_a), ("B", env_b)):
            stacks[key] = _start(roots[key], env, scratch / key, args.pool)
        tag = uuid.uuid4().hex[:6]
        drivers = {key: pipeline.Driver(stacks[key].gateway_url, f"{tag}{key.lower()}") for key in stacks}
        for key in ("A", "B"):
            drivers[key].batch(1, args.timeout)  # warm-up, not counted
        sequential: dict[str, list[str]] = {"A": [], "B": []}
        for round_ in range(args.sequential):
            for key in (("A", "B") if round_ % 2 == 0 else ("B", "A")):
                sequential[key] += drivers[key].batch(1, args.timeout)[0]
        batches: dict[str, list[tuple[list[str], float]]] = {"A": [], "B": []}
        for key in ("A", "B", "B", "A"):
            batches[key].append(drivers[key].batch(args.runs, args.timeout))
        for key in ("A", "B"):
            ids = [run for run_ids, _ in batches[key] for run in run_ids]
            walls = [wall for _, wall in batches[key]]
            result[key]["latency"] = pipeline.summarise(pipeline.measure(sequential[key]))
            result[key]["throughput_1_worker_per_queue"] = {
                **pipeline.summarise(pipeline.measure(ids)), "batch_wall_s": [round(w, 2) for w in walls],
                "runs_per_min": round(args.runs * len(walls) / sum(walls) * 60, 1)}
    finally:
        for stack in stacks.values():
            stack.stop()
    result["machine"] = {"cpus": os.cpu_count(), "load_avg_at_start": load_start, "load_avg_at_end": os.getloadavg()}
    a, b = result["A"], result["B"]
    result["ratio_b_to_a"] = {
        **{f"latency.{f}": round(b["latency"][f] / a["latency"][f], 3) for f in FIGURES if a["latency"][f]},
        "runs_per_min": round(b["throughput_1_worker_per_queue"]["runs_per_min"]
                              / a["throughput_1_worker_per_queue"]["runs_per_min"], 3),
    }
    for key in ("A", "B"):
        lat, thr = result[key]["latency"], result[key]["throughput_1_worker_per_queue"]
        print(f"{key} {result[key]['label']} ({result[key]['commit']}): overhead p50 {lat['overhead_p50_s']} s "
              f"(between steps {lat['overhead_between_steps_p50_s']}, in steps {lat['overhead_in_steps_p50_s']}), "
              f"end-to-end p50 {lat['end_to_end_p50_s']} s, work p50 {lat['work_p50_s']} s; "
              f"{thr['runs_per_min']} runs/min; runs with skipped steps {lat['runs_with_skipped_steps']}/{lat['runs']}")
    print("B/A:", json.dumps(result["ratio_b_to_a"]))
    print(f"load average at start {load_start}, at end {result['machine']['load_avg_at_end']} (loaded machine)")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"raw results: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
