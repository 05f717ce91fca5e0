"""The shipped workflow travels in a run's pull request when the repository needs it:
absent or an earlier shipped version is (re)written; an edited copy is left alone; a run
with `intent.ci: none` never adds it. PyGithub over HTTP against the contract server."""

from __future__ import annotations

from shared.contracts import DeploymentIntent

from services.github import on_github
from services.github.change import git_blob_sha
from services.github.connection import connect
from services.github.workflow_template import EARLIER_VERSIONS, TEMPLATE, WORKFLOW_PATH

from tests.github.messages import eks_message

README = "# deployments\n"
OTHER_WORKFLOW = ".github/workflows/lint.yml"

# The header the first shipped version had (blob 80e7e82, see EARLIER_VERSIONS).
FIRST_HEADER = ("# The workflow a GitOps repository needs for MCP Cloud (install once on the default\n"
                "# branch as .github/workflows/mcp-cloud.yml; workflow_dispatch only runs workflows found there).\n")


def _first_shipped_version() -> str:
    current = TEMPLATE.read_text()
    body = current.split("\n", 3)[3]  # past the current three header lines
    return FIRST_HEADER + body


def _propose(contract_server, seeded: dict[str, str], ci: str = "github_actions", branch: str = "mcp/wf-1"):
    contract_server.control("POST", "reset")
    contract_server.seed(seeded)
    message = eks_message()
    message = message.model_copy(update={"intent": DeploymentIntent.model_validate({**message.intent.model_dump(), "ci": ci})})
    change, detail = on_github.propose(connect(), message, branch, "MCP Cloud run: workflow")
    return change, detail, contract_server.files(branch)


def test_a_repository_without_the_workflow_gets_it_in_the_runs_pull_request(
        database, contract_server, github_settings, github_config):
    change, detail, on_branch = _propose(contract_server, {"README.md": README, OTHER_WORKFLOW: "name: lint\n"})
    assert on_branch[WORKFLOW_PATH] == TEMPLATE.read_text()
    assert WORKFLOW_PATH in change.files
    assert f"{WORKFLOW_PATH} added (the repository had none)" in detail
    assert on_branch[OTHER_WORKFLOW] == "name: lint\n"  # the repository's own workflows are not the bundle's to prune
    assert OTHER_WORKFLOW not in change.removed
    contract_server.check_responses()


def test_an_earlier_shipped_version_is_updated_and_an_edited_copy_is_left_alone(
        database, contract_server, github_settings, github_config):
    earlier = _first_shipped_version()
    assert git_blob_sha(earlier) in EARLIER_VERSIONS  # the reconstruction is that version, byte for byte
    change, detail, on_branch = _propose(contract_server, {"README.md": README, WORKFLOW_PATH: earlier})
    assert on_branch[WORKFLOW_PATH] == TEMPLATE.read_text() and WORKFLOW_PATH in change.files
    assert "updated (the repository had an earlier shipped version)" in detail

    edited = TEMPLATE.read_text() + "# our own step follows\n"
    change, detail, on_branch = _propose(contract_server, {"README.md": README, WORKFLOW_PATH: edited}, branch="mcp/wf-2")
    assert on_branch[WORKFLOW_PATH] == edited and WORKFLOW_PATH not in change.files
    assert f"{WORKFLOW_PATH} left as is: it matches no version MCP Cloud shipped" in detail


def test_a_current_copy_costs_nothing_and_ci_none_never_adds_the_workflow(
        database, contract_server, github_settings, github_config):
    change, detail, _ = _propose(contract_server, {"README.md": README, WORKFLOW_PATH: TEMPLATE.read_text()})
    assert WORKFLOW_PATH not in change.files and ".github" not in detail
    blobs = [r for r in contract_server.requests() if r["op"] == "git/create-blob"]
    assert len(blobs) == len(eks_message().bundle.files)  # one per bundle file, none for the workflow

    change, detail, on_branch = _propose(contract_server, {"README.md": README}, ci="none", branch="mcp/wf-3")
    assert WORKFLOW_PATH not in on_branch and WORKFLOW_PATH not in change.files and ".github" not in detail
