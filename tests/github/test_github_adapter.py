"""The GitHub adapter (PyGithub) over HTTP against the contract server, every answer
checked against GitHub's OpenAPI schemas of those endpoints."""

from __future__ import annotations

import time

from shared.contracts import Persona
from services.github import on_github
from services.github.actions import _rate_limit_pause, find_run
from services.github.connection import connect
from services.github.workflow_template import TEMPLATE

from tests.github.contract import REPOSITORY
from tests.github.messages import eks_message


def test_a_run_is_one_commit_and_a_pull_request_with_its_review_reviewers_status_and_labels(
        database, contract_server, github_settings, github_config):
    contract_server.seed({"README.md": "# deployments\n", ".github/workflows/mcp-cloud.yml": TEMPLATE.read_text(), "kubernetes/old-app/deployment.yaml": "kind: Deployment\n"})
    github_config("github.reviewers", {"users": ["bob", "alice"], "teams": ["platform"], "security_teams": ["appsec"]})
    message = eks_message(Persona.security)
    target = connect()
    change, detail = on_github.propose(target, message, "mcp/eks-nginx-1", "MCP Cloud run: deploy eks-nginx")

    state = contract_server.state()
    pr = state["pulls"][str(change.number)]
    head = state["refs"]["heads/mcp/eks-nginx-1"]
    assert change.commit_sha == head and change.provider == "github" and change.url.endswith(f"/pull/{change.number}")
    on_branch = contract_server.files("mcp/eks-nginx-1")
    assert {f.path for f in message.bundle.files} <= set(on_branch)
    assert "kubernetes/old-app/deployment.yaml" not in on_branch  # dropped from the bundle: deleted in the commit
    assert change.removed == ["kubernetes/old-app/deployment.yaml"]
    assert "README.md" in on_branch and ".github/workflows/mcp-cloud.yml" in on_branch
    assert "Plan: 41 to add, 0 to change, 0 to destroy." in pr["body"]
    assert "`CKV_K8S_43`" in pr["body"] and "`kubernetes/nginx/deployment.yaml:1`" in pr["body"]
    assert f"http://gateway.test/api/v1/runs/{message.run_id}" in pr["body"]
    assert pr["reviews"][0]["comments"][0]["path"] in {"terraform/modules/aws-eks/main.tf", "kubernetes/nginx/deployment.yaml"}
    assert change.review_comments == 2 and pr["review_comments"] == 2
    assert pr["reviewers"] == ["bob"]  # the requester is never asked to review their own change
    assert pr["teams"] == ["appsec", "platform"]  # the security persona adds the security team
    assert pr["labels"] == ["mcp-cloud", "persona:security", "env:dev", "guardrails:passed"]
    assert [(s["sha"], s["context"], s["state"]) for s in state["statuses"]] == [(head, "mcp-cloud/guardrails", "success")]
    assert "2 review comments" in detail

    # One commit for all files: the Git Data API calls, and one blob per file that changed.
    ops = [r["op"] for r in contract_server.requests()]
    assert ops.count("git/create-commit") == 1 and ops.count("git/create-tree") == 1
    assert ops.count("git/create-blob") == len(message.bundle.files)
    checked = contract_server.check_responses()

    again, _ = on_github.propose(target, message, "mcp/eks-nginx-1", "MCP Cloud run: deploy eks-nginx")
    assert (again.commit_sha, again.number) == (change.commit_sha, change.number)
    later = [r["op"] for r in contract_server.requests(checked)]
    assert "git/create-commit" not in later and "pulls/create" not in later and "pulls/create-review" not in later
    assert "git/create-blob" not in later  # unchanged files cost no call (blob ids computed locally)
    contract_server.check_responses(checked)


def test_dispatch_finds_its_run_by_correlation_id_follows_it_and_summarises_the_failed_logs(
        database, contract_server, github_settings):
    # long enough that a loaded machine still sees the run before it ends (queued, then polled)
    contract_server.control("POST", "scenario", {"outcome": "failure", "duration_s": 4.0})
    message = eks_message()
    target = connect()
    change, _ = on_github.propose(target, message, "mcp/eks-nginx-2", "run 2")
    message = message.model_copy(update={"change": change})
    started = time.monotonic()
    workflow = on_github.start_workflow(target, message)
    assert workflow.correlation_id == f"mcpcloud-{message.run_id}"
    assert workflow.status in ("queued", "in_progress") and workflow.ref == "mcp/eks-nginx-2"
    run = contract_server.state()["runs"][str(workflow.run_id)]
    assert run["inputs"]["commit_sha"] == change.commit_sha and workflow.correlation_id in run["name"]

    done = on_github.finish_workflow(target, message.model_copy(update={"workflow": workflow}))
    assert time.monotonic() - started >= 3.9  # it waited for the run, it did not guess
    assert (done.status, done.conclusion) == ("completed", "failure")
    assert done.logs.plan.to_add == 3 and done.logs.files_read == 9
    [failed] = done.logs.failed
    assert (failed.job, failed.step) == ("apply", "Terraform apply")
    assert "AccessDeniedException" in " ".join(failed.last_lines)
    assert "failed apply / Terraform apply" in done.summary and "plan: 3 to add" in done.summary
    assert done.polls >= 2
    ops = [r["op"] for r in contract_server.requests()]
    assert "actions/download-workflow-run-logs" in ops  # the 302, followed to another origin without the token
    contract_server.check_responses()


def test_run_listing_is_followed_across_pages(database, contract_server, github_settings):
    from github import Auth, Github

    from services.github.connection import GitHubTarget, retry_policy

    message = eks_message()
    target = connect()
    change, _ = on_github.propose(target, message, "mcp/eks-nginx-3", "run 3")
    ours = on_github.start_workflow(target, message.model_copy(update={"change": change}))
    for n in range(12):  # later dispatches on the same branch: ours ends up on the last page
        target.repo.get_workflow("mcp-cloud.yml").create_dispatch(
            "mcp/eks-nginx-3", {"correlation_id": f"other-{n}", "run_id": "x", "commit_sha": "y", "stack": "z"}, throw=True)
    small = Github(auth=Auth.Token("contract-token"), base_url=github_settings["MCP_GITHUB_API_URL"], per_page=5,
                   retry=retry_policy(), lazy=True)
    paged = GitHubTarget(small, REPOSITORY, "token", Auth.Token("contract-token"))
    from datetime import UTC, datetime, timedelta
    found = find_run(paged.repo.get_workflow("mcp-cloud.yml"), "mcp/eks-nginx-3", ours.correlation_id,
                     datetime.now(UTC) - timedelta(minutes=5))
    assert found is not None and found.id == ours.run_id
    pages = [r for r in contract_server.requests() if r["op"] == "actions/list-workflow-runs" and "per_page=5" in r["query"]]
    assert len(pages) == 3  # 13 runs, 5 a page, walked through Link rel="next"
    contract_server.check_responses()


def test_secondary_rate_limits_are_waited_out_as_retry_after_says(database, contract_server, github_settings):
    contract_server.control("POST", "faults", [
        {"path": "/git/blobs$", "method": "POST", "status": 403, "retry_after": 1, "times": 2},
        {"path": "/pulls$", "method": "POST", "status": 429, "retry_after": 1, "times": 1},
    ])
    started = time.monotonic()
    change, _ = on_github.propose(connect(), eks_message(), "mcp/eks-nginx-4", "run 4")
    elapsed = time.monotonic() - started
    assert change.number is not None
    answers = [(r["op"], r["status"]) for r in contract_server.requests()]
    assert answers.count(("git/create-blob", 403)) == 2 and answers.count(("pulls/create", 429)) == 1
    assert ("pulls/create", 201) in answers
    assert elapsed >= 3.0  # 1 s per Retry-After, three times
    contract_server.check_responses()


def test_a_low_primary_budget_pauses_until_the_reset(database, contract_server, github_settings):
    target = connect()
    contract_server.control("POST", "rate", {"remaining": 3, "reset_in": 4})
    target.repo.get_git_ref("heads/main").object.sha  # one call: PyGithub reads X-RateLimit-* from it
    pause = _rate_limit_pause(target)
    assert 3.0 <= pause <= 6.0
    contract_server.control("POST", "rate", {"remaining": 4000})
    target.repo.get_git_ref("heads/main").object.sha
    assert _rate_limit_pause(target) == 0.0
    contract_server.check_responses()


def test_credentials_from_the_config_service_secret(database, contract_server, github_settings, github_config,
                                                    monkeypatch):
    monkeypatch.delenv("MCP_GITHUB_TOKEN")
    from shared.settings import get_settings
    get_settings.cache_clear()
    assert connect() is None  # nothing configured: the local git default
    github_config("github.token", "contract-token", secret=True)
    target = connect()
    assert target is not None and target.auth_kind == "token"
    assert target.repo.get_git_ref("heads/main").object.sha
    contract_server.check_responses()


def test_a_github_app_installation_token_is_minted_from_the_app_key_in_the_config_service(
        database, contract_server, github_settings, github_config, monkeypatch):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    contract_server.control("POST", "app", {"app_id": 4711, "installation_id": 99, "public_key": public_pem})
    monkeypatch.delenv("MCP_GITHUB_TOKEN")
    from shared.settings import get_settings
    get_settings.cache_clear()
    github_config("github.app", {"app_id": 4711, "installation_id": 99, "private_key": private_pem}, secret=True)

    target = connect()
    assert target.auth_kind == "app"
    assert len(target.repo.get_git_ref("heads/main").object.sha) == 40
    answers = [(r["op"], r["status"]) for r in contract_server.requests()]
    assert answers == [("apps/create-installation-access-token", 201), ("git/get-ref", 200)]
    assert target.token.startswith("ghs_")  # the installation token, not the App's JWT
    contract_server.check_responses()
