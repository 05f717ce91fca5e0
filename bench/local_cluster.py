"""The project's local cluster (scripts/cluster.sh: kube-apiserver, KWOK nodes, Flux, Argo CD)
for a bench, in the bench's scratch folder, serving the bench's GitOps repositories.

With it the pipeline's k8s.deploy and k8s.await_rollout do their real work (an Argo CD
Application applied, Argo CD syncing the bench's repository, 3 pods observed) instead of
being skipped for want of a cluster.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: What the terraform and k8s workers need to reach the cluster and name the repository it clones.
WORKER_KEYS = ("MCP_KUBECONFIG", "MCP_KUBE_CONTEXT", "MCP_GITOPS_REPO_BASE_URL")


class LocalCluster:
    def __init__(self, run_dir: Path, git_root: str) -> None:
        self.run_dir = run_dir
        self.env = {**os.environ, "CLUSTER_RUN": str(run_dir), "MCP_LOCAL_GIT_ROOT": git_root}

    def _script(self, command: str) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", str(REPO / "scripts" / "cluster.sh"), command], env=self.env,
                              capture_output=True, text=True, timeout=3600)

    def start(self) -> dict[str, str]:
        """Start it (binaries from scripts/cluster-build.sh's cache); the workers' settings."""
        started = self._script("start")
        if started.returncode != 0:
            self.stop()
            raise RuntimeError(f"scripts/cluster.sh start failed:\n{started.stderr[-4000:]}")
        lines = (self.run_dir / "cluster.env").read_text().splitlines()
        values = dict(line.split("=", 1) for line in lines if "=" in line)
        return {key: values[key] for key in WORKER_KEYS}

    def stop(self) -> None:
        self._script("stop")
