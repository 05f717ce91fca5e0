"""The Actions workflow a GitOps repository needs (templates/mcp-cloud.yml), as a bundle file.

GitHub dispatches only workflows it finds on the default branch, so a run that uses
GitHub Actions (`intent.ci: github_actions`) brings the workflow in its own pull request
when the repository lacks it or holds a copy an earlier MCP Cloud shipped; it lands with
the approved change. A copy matching no shipped version was edited by the repository's
owners and is left alone (the step's detail says so). Only the shipped workflow's name is
managed: with `MCP_GITHUB_WORKFLOW` naming another file, the repository owns its workflow.

The shipped file is scanned by the policy worker with checkov's github_actions framework
(tests/github/test_workflow_template.py, the same `POST /api/v1/validate` any upload
takes); a run's guardrail verdict covers its generated bundle, not this file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shared.contracts import FileKind, GeneratedFile
from shared.settings import get_settings

from services.github.change import git_blob_sha

TEMPLATE = Path(__file__).with_name("templates") / "mcp-cloud.yml"
WORKFLOW_NAME = "mcp-cloud.yml"
WORKFLOW_PATH = f".github/workflows/{WORKFLOW_NAME}"

# Git blob ids of the workflow as earlier versions shipped it (from this file's git
# history): a repository holding one of them has an outdated copy.
EARLIER_VERSIONS = frozenset({"80e7e82de02f1ee49eb2a3e264cd799aaff1a48a"})


def workflow_file() -> GeneratedFile:
    return GeneratedFile(path=WORKFLOW_PATH, kind=FileKind.github_actions, content=TEMPLATE.read_text())


@dataclass(frozen=True)
class WorkflowPlan:
    file: GeneratedFile | None  # to commit beside the bundle, or None
    note: str  # for the step's detail ("" when there is nothing to say)


def plan_for(base_blob_sha: str | None) -> WorkflowPlan:
    """What the proposal does with the workflow, given its blob id on the base branch (None: absent)."""
    if get_settings().github_workflow != WORKFLOW_NAME:
        return WorkflowPlan(None, "")
    current = workflow_file()
    if base_blob_sha is None:
        return WorkflowPlan(current, f"{WORKFLOW_PATH} added (the repository had none)")
    if base_blob_sha == git_blob_sha(current.content):
        return WorkflowPlan(None, "")
    if base_blob_sha in EARLIER_VERSIONS:
        return WorkflowPlan(current, f"{WORKFLOW_PATH} updated (the repository had an earlier shipped version)")
    return WorkflowPlan(None, f"{WORKFLOW_PATH} left as is: it matches no version MCP Cloud shipped "
                              "(edited in the repository)")
