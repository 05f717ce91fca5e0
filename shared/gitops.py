"""Where a stack's GitOps manifests live: one answer for the terraform and github services.

With `MCP_GITHUB_REPOSITORY` set it is that GitHub repository; otherwise a local bare
repository per stack under `MCP_LOCAL_GIT_ROOT`, so the ArgoCD/Flux manifests the
terraform service writes point at the repository the github service commits to.
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
    return f"file://{local_repository_path(intent)}"
