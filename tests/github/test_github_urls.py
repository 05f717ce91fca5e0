"""The clone URL of the GitOps repository, derived from MCP_GITHUB_API_URL: GitHub.com,
GitHub Enterprise Server (`/api/v3`), GHE.com data residency (`api.` host), a test server."""

from __future__ import annotations

import pytest

from shared.gitops import github_clone_url, repository_url
from shared.examples import SCENARIOS


@pytest.mark.parametrize(("api_url", "clone_url"), [
    ("https://api.github.com", "https://github.com/acme/deployments.git"),
    ("https://api.github.com/", "https://github.com/acme/deployments.git"),
    ("https://ghe.example.com/api/v3", "https://ghe.example.com/acme/deployments.git"),
    ("https://ghe.example.com/api/v3/", "https://ghe.example.com/acme/deployments.git"),
    ("https://ghe.example.com:8443/api/v3", "https://ghe.example.com:8443/acme/deployments.git"),
    ("https://git.example.com/github/api/v3", "https://git.example.com/github/acme/deployments.git"),
    ("https://api.acme.ghe.com", "https://acme.ghe.com/acme/deployments.git"),
    ("http://127.0.0.1:8123", "http://127.0.0.1:8123/acme/deployments.git"),
])
def test_the_clone_url_is_the_web_host_of_the_api_url(api_url, clone_url):
    assert github_clone_url(api_url, "acme/deployments") == clone_url


def test_the_generated_gitops_manifests_point_at_the_enterprise_host(database, monkeypatch):
    from shared.settings import get_settings

    monkeypatch.setenv("MCP_GITHUB_API_URL", "https://ghe.example.com/api/v3")
    monkeypatch.setenv("MCP_GITHUB_REPOSITORY", "acme/deployments")
    get_settings.cache_clear()
    try:
        url = repository_url(SCENARIOS["eks-nginx-argocd"])
    finally:
        get_settings.cache_clear()
    assert url == "https://ghe.example.com/acme/deployments.git"  # not .../api/v3/acme/deployments.git


def test_a_repository_set_in_the_config_service_is_where_the_manifests_point(github_config, monkeypatch):
    """The generator and the github service read one answer: the config service's
    `github.repository` wins over MCP_GITHUB_REPOSITORY, so the Application's repoURL is the
    repository the pull request goes to."""
    from shared.gitops import github_repository
    from shared.settings import get_settings

    monkeypatch.setenv("MCP_GITHUB_API_URL", "https://ghe.example.com/api/v3")
    monkeypatch.setenv("MCP_GITHUB_REPOSITORY", "acme/from-environment")
    get_settings.cache_clear()
    try:
        github_config("github.repository", "acme/from-config")
        assert github_repository() == "acme/from-config"
        assert repository_url(SCENARIOS["eks-nginx-argocd"]) == "https://ghe.example.com/acme/from-config.git"
    finally:
        get_settings.cache_clear()
