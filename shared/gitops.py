"""Where a stack's GitOps manifests live: one answer for the terraform, github and k8s services.

With `MCP_GITHUB_REPOSITORY` set it is that GitHub repository; otherwise a local bare
repository per stack under `MCP_LOCAL_GIT_ROOT`. Its URL is the one a cluster clones from:
`MCP_GITOPS_REPO_BASE_URL/<name>.git` (scripts/cluster.sh serves the local repositories
over smart HTTP there). Without a base URL it is a file:// URL, which is true of where the
repository is but no cluster can reach; the k8s service refuses to hand it to a controller.
"""

from __future__ import annotations

from pathlib import Path

from shared.contracts import DeploymentIntent
from shared.settings import get_settings


def local_repository_name(intent: DeploymentIntent) -> str:
    return f"{intent.cloud}-{intent.region}-{intent.environment}-{intent.stack}"


def local_repository_path(intent: DeploymentIntent) -> Path:
    return get_settings().local_git_root / f"{local_repository_name(intent)}.git"


def repository_url(intent: DeploymentIntent) -> str:
    settings = get_settings()
    if settings.github_repository:
        return f"{settings.github_api_url.replace('api.github.com', 'github.com')}/{settings.github_repository}.git"
    if settings.gitops_repo_base_url:
        return f"{settings.gitops_repo_base_url.rstrip('/')}/{local_repository_name(intent)}.git"
    return f"file://{local_repository_path(intent)}"


def reachable_by_cluster(url: str) -> bool:
    """Flux and Argo CD clone only http(s) and ssh URLs."""
    return url.startswith(("http://", "https://", "ssh://", "git@"))
