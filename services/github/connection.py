"""Who we are on GitHub and how we talk to it: credentials, base URL, retries.

Credentials come from the config service's secrets first (`github.token`, or `github.app`
= {app_id, installation_id, private_key} for a GitHub App installation token), then from
the environment (`MCP_GITHUB_TOKEN`, `MCP_GITHUB_APP_*`). With none, the github service
keeps the local git repository (see local_git.py). `MCP_GITHUB_API_URL` points at GitHub
Enterprise Server (`https://ghe.example.com/api/v3`) or, in tests, at the contract server.

Retries are PyGithub's `GithubRetry` (urllib3): 5xx and 429, and 403s that are rate
limits, sleeping `Retry-After` or until `X-RateLimit-Reset`, capped by
`MCP_GITHUB_MAX_RATE_LIMIT_WAIT_S` (beyond it the call fails instead of hanging a worker).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from github import Auth, Github, GithubRetry

from shared.config import ConfigUnavailable, get_client
from shared.gitops import github_repository
from shared.settings import get_settings


class GitHubNotConfigured(RuntimeError):
    """Credentials exist but something else needed is missing (named in the message)."""


@dataclass(frozen=True)
class GitHubTarget:
    """A connected client and the repository the GitOps changes go to."""

    client: Github
    repository: str
    auth_kind: str  # "token" | "app"
    auth: Auth.Auth

    @property
    def token(self) -> str:
        """The bearer token (an App's installation token is minted on first use), for the
        one call PyGithub has no method for: the logs zip."""
        return self.auth.token

    @property
    def repo(self):
        return self.client.get_repo(self.repository)


def _config_value(key: str) -> Any:
    settings = get_settings()
    return get_client().value(key, env=settings.env, service="github")


def _auth() -> tuple[Auth.Auth, str] | None:
    settings = get_settings()
    token = _config_value("github.token")
    if token:
        return Auth.Token(str(token)), "token"
    app = _config_value("github.app")
    if isinstance(app, dict) and app.get("app_id") and app.get("private_key"):
        return _app_auth(int(app["app_id"]), str(app["private_key"]), app.get("installation_id")), "app"
    if settings.github_token is not None:
        return Auth.Token(settings.github_token.get_secret_value()), "token"
    if settings.github_app_id and settings.github_app_private_key is not None:
        key = settings.github_app_private_key.get_secret_value()
        return _app_auth(settings.github_app_id, key, settings.github_app_installation_id), "app"
    return None


def _app_auth(app_id: int, private_key: str, installation_id: Any) -> Auth.Auth:
    if not installation_id:
        raise GitHubNotConfigured("a GitHub App is configured without an installation id (github.app.installation_id)")
    return Auth.AppAuth(app_id, private_key).get_installation_auth(int(installation_id))


def retry_policy() -> GithubRetry:
    settings = get_settings()
    return GithubRetry(
        total=6,
        backoff_factor=0.5,
        status_forcelist=[429, *range(500, 600)],
        respect_retry_after_header=True,
        secondary_rate_wait=settings.github_secondary_rate_wait_s,
        max_rate_limit_wait=settings.github_max_rate_limit_wait_s,
    )


def connect() -> GitHubTarget | None:
    """The GitHub target, or None when no credentials are configured anywhere.

    Raises ConfigUnavailable when the config service cannot answer: the step retries
    rather than silently falling back to local git.
    """
    settings = get_settings()
    found = _auth()
    if found is None:
        return None
    auth, kind = found
    repository = github_repository()
    if not repository:
        raise GitHubNotConfigured("GitHub credentials are configured but no repository: set MCP_GITHUB_REPOSITORY "
                                  "or the config key github.repository (owner/name)")
    client = Github(
        auth=auth, base_url=settings.github_api_url.rstrip("/"), timeout=int(settings.github_http_timeout_s),
        retry=retry_policy(), lazy=True, per_page=100,
        seconds_between_requests=settings.github_seconds_between_requests,
        seconds_between_writes=settings.github_seconds_between_writes,
    )
    return GitHubTarget(client=client, repository=str(repository), auth_kind=kind, auth=auth)


__all__ = ["ConfigUnavailable", "GitHubNotConfigured", "GitHubTarget", "connect", "retry_policy"]
