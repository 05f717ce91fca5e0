"""Where a stack's GitOps manifests live: one answer for the terraform, github and k8s services.

With a GitHub repository configured (the config service's `github.repository`, as the
github service reads it, else `MCP_GITHUB_REPOSITORY`) it is that repository; otherwise a local bare
repository per stack under `MCP_LOCAL_GIT_ROOT`. Its URL is the one a cluster clones from:
`MCP_GITOPS_REPO_BASE_URL/<name>.git` (scripts/cluster.sh serves the local repositories
over smart HTTP there). Without a base URL it is a file:// URL, which is true of where the
repository is but no cluster can reach; the k8s service refuses to hand it to a controller.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from shared.contracts import DeploymentIntent
from shared.settings import get_settings


def local_repository_name(intent: DeploymentIntent) -> str:
    return f"{intent.cloud}-{intent.region}-{intent.environment}-{intent.stack}"


def local_repository_path(intent: DeploymentIntent) -> Path:
    return get_settings().local_git_root / f"{local_repository_name(intent)}.git"


def github_web_url(api_url: str) -> str:
    """The web (and git clone) base URL of the GitHub that `api_url` serves.

    GitHub.com and GHE.com data residency answer the API on an `api.` host
    (`https://api.github.com`, `https://api.acme.ghe.com`) and clone from the host without
    it; GitHub Enterprise Server answers on `https://host/api/v3` and clones from
    `https://host/`. Any other URL (a contract server in tests) serves both itself.
    """
    parts = urlsplit(api_url.rstrip("/"))
    host, path = parts.netloc, parts.path
    if host.startswith("api.") and path in ("", "/"):
        host = host[len("api."):]
    elif path.endswith("/api/v3"):
        path = path[: -len("/api/v3")]
    return urlunsplit((parts.scheme, host, path.rstrip("/"), "", ""))


def github_clone_url(api_url: str, repository: str) -> str:
    """`https://<web host>/<owner>/<name>.git`, the URL git and GitOps controllers clone."""
    return f"{github_web_url(api_url)}/{repository}.git"


def github_repository() -> str | None:
    """owner/name of the GitHub repository the GitOps changes go to, or None.

    The same answer for every service: the generator writes its clone URL into the
    Argo CD Application / Flux GitRepository, and the github service pushes there.
    Raises `shared.config.ConfigUnavailable` when the config service cannot answer, so
    a step retries instead of silently writing the local repository's URL.
    """
    from shared.config import get_client  # the config client imports settings, not this module

    settings = get_settings()
    configured = get_client().value("github.repository", env=settings.env, service="github")
    return str(configured) if configured else settings.github_repository


def repository_url(intent: DeploymentIntent) -> str:
    settings = get_settings()
    repository = github_repository()
    if repository:
        return github_clone_url(settings.github_api_url, repository)
    if settings.gitops_repo_base_url:
        return f"{settings.gitops_repo_base_url.rstrip('/')}/{local_repository_name(intent)}.git"
    return f"file://{local_repository_path(intent)}"


def reachable_by_cluster(url: str) -> bool:
    """Flux and Argo CD clone only http(s) and ssh URLs."""
    return url.startswith(("http://", "https://", "ssh://", "git@"))
