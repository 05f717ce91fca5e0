"""Local cluster benchmark: start-up, first build, apply → Running, GitOps commit → Synced + Running.

Measures, on this machine:
- cluster + controllers start time with the binaries cached: `scripts/cluster.sh start`
  into a fresh run dir (new certificates, empty etcd), until every process is ready;
- first-build time: from the build log's timestamps (`[cluster-build HH:MM:SS] building X`
  lines) and the finished binaries' modification times (MCP_CLUSTER_BUILD_LOG);
- direct apply → 3/3 pods Running: each sample a new namespace and stack (never a no-op
  re-apply): dry run + server-side apply + rollout watch, through the k8s service's code;
- GitOps commit → controller Synced/Ready and 3 pods Running, for Argo CD and Flux: from
  the merge into main to the rollout observed complete (apply of the Application or
  Kustomization and the reconcile request included).
KWOK nodes: pods are scheduled and report Running; no container runs.
Usage: .venv/bin/python bench/cluster.py [--starts 2] [--applies 10] [--gitops 5]
Writes bench/results/cluster.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GIT_ROOT = Path(tempfile.mkdtemp(prefix="bench-gitops-"))
os.environ.setdefault("MCP_ENV", "test")

from shared.gitops import local_repository_name  # noqa: E402

from services.github.local_git import LocalGitRepository  # noqa: E402
from services.k8s.cluster import ClusterTarget  # noqa: E402
from services.k8s.deploy import deploy_direct, deploy_gitops, gitops_bodies  # noqa: E402
from services.k8s.observe import observe  # noqa: E402
from services.k8s.policy import RolloutPolicy  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
from k8s.helpers import app_intent, bundle_for  # noqa: E402

POLICY = RolloutPolicy(rollback_on_failure=False, timeout_seconds=120, source="bench")
OUT = ROOT / "bench" / "results" / "cluster.json"


def cluster_sh(run_dir: Path, command: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CLUSTER_RUN": str(run_dir), "MCP_LOCAL_GIT_ROOT": str(GIT_ROOT)}
    return subprocess.run(["bash", str(ROOT / "scripts" / "cluster.sh"), command], env=env, capture_output=True,
                          text=True, check=False)


def start_times(n: int) -> tuple[list[float], Path]:
    """Start n fresh clusters (stopping all but the last); return their times and the last run dir."""
    times, run_dir = [], None
    for i in range(n):
        if run_dir is not None:
            cluster_sh(run_dir, "stop")
        run_dir = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
        started = time.perf_counter()
        result = cluster_sh(run_dir, "start")
        if result.returncode:
            raise SystemExit(f"cluster.sh start failed:\n{result.stderr[-3000:]}")
        times.append(round(time.perf_counter() - started, 2))
        print(f"start {i + 1}/{n}: {times[-1]} s", flush=True)
    return times, run_dir


def first_build(log: Path) -> dict:
    """Per-step and total build time from the log's `[cluster-build HH:MM:SS] building ...` lines."""
    if not log.exists():
        return {"log": str(log), "found": False}
    text = log.read_text(errors="replace")
    steps = re.findall(r"\[cluster-build (\d\d:\d\d:\d\d)\] building (.+)", text)
    if not steps:
        return {"log": str(log), "found": False}
    dirs = dict(line.split("=", 1) for line in subprocess.run(
        ["bash", str(ROOT / "scripts" / "cluster-build.sh"), "bin-dirs"], capture_output=True, text=True).stdout.split())
    binaries = [p for d in dirs.values() for p in Path(d).glob("*") if p.is_file()]
    day = datetime.fromtimestamp(log.stat().st_mtime).date()
    start = datetime.combine(day, datetime.strptime(steps[0][0], "%H:%M:%S").time())
    end = max(datetime.fromtimestamp(p.stat().st_mtime) for p in binaries) if binaries else None
    return {"log": str(log), "found": True, "steps": [{"at": at, "building": what} for at, what in steps],
            "started": start.isoformat(), "last_binary_written": end.isoformat() if end else None,
            "total_minutes": round((end - start).total_seconds() / 60, 1) if end else None,
            "note": "wall clock on this machine while other work shared its 2 cores"}


def apply_to_running(target: ClusterTarget, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        intent = app_intent()
        bundle = bundle_for(intent)
        started = time.perf_counter()
        deploy = deploy_direct(target, bundle, intent)
        rollout = observe(target, deploy, [], POLICY)
        if not rollout.complete or len([p for p in rollout.pods if p.phase == "Running" and p.ready]) != 3:
            raise SystemExit(f"rollout did not complete: {rollout.message}")
        samples.append(round(time.perf_counter() - started, 3))
    return samples


def gitops_to_running(target: ClusterTarget, base_url: str, controller: str, n: int) -> list[dict]:
    samples = []
    for _ in range(n):
        intent = app_intent(gitops=controller)
        name = local_repository_name(intent)
        bundle = bundle_for(intent, f"{base_url}/{name}.git")
        repo = LocalGitRepository(GIT_ROOT, name)
        proposal = repo.propose(f"mcp/{intent.stack}", bundle.files, "bench change")
        started = time.perf_counter()
        repo.merge(proposal.branch, "bench merge")
        deploy = deploy_gitops(target, bundle, intent)
        rollout = observe(target, deploy, gitops_bodies(bundle, intent.app.namespace), POLICY)
        total = time.perf_counter() - started
        if not rollout.complete:
            raise SystemExit(f"{controller}: {rollout.message}")
        samples.append({"commit_to_running_s": round(total, 3), "controller_synced_s": rollout.controller.seconds})
    return samples


def p50(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=2)
    parser.add_argument("--applies", type=int, default=10)
    parser.add_argument("--gitops", type=int, default=5)
    parser.add_argument("--controllers", default="argocd,flux", help="which GitOps controllers to measure")
    parser.add_argument("--build-log", default=os.environ.get("MCP_CLUSTER_BUILD_LOG", "/tmp/builds/cluster-build.log"))
    args = parser.parse_args()

    starts, run_dir = start_times(args.starts)
    try:
        env = dict(line.split("=", 1) for line in (run_dir / "cluster.env").read_text().splitlines() if "=" in line)
        target = ClusterTarget.from_file(Path(env["MCP_KUBECONFIG"]))
        applies = apply_to_running(target, args.applies)
        print(f"apply -> 3/3 Running p50 {p50(applies)} s", flush=True)
        gitops = {c: gitops_to_running(target, env["MCP_GITOPS_REPO_BASE_URL"], c, args.gitops)
                  for c in args.controllers.split(",") if c}
    finally:
        cluster_sh(run_dir, "stop")
    result = {
        "machine": {"cpus": os.cpu_count()},
        "simulated_nodes": "KWOK: pods are scheduled and report Running; no container runs",
        "cluster_start_cached_s": {"samples": starts, "p50": p50(starts),
                                   "what": "scripts/cluster.sh start, fresh run dir, apiserver+controllers+Flux+Argo CD ready"},
        "first_build": first_build(Path(args.build_log)),
        "apply_to_3_running_s": {"samples": applies, "p50": p50(applies),
                                 "what": "new namespace each: preflight, dry run, server-side apply, rollout watch"},
        "gitops_commit_to_synced_and_running_s": {
            c: {"samples": s, "p50": p50([x["commit_to_running_s"] for x in s]),
                "controller_synced_p50": p50([x["controller_synced_s"] for x in s])} for c, s in gitops.items()},
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v.get("p50", v) if isinstance(v, dict) else v for k, v in result.items()}, indent=2))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
