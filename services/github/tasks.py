"""GitHub service tasks: propose the change, and (after approval) run its workflow.

With no GitHub token the change goes to a local bare git repository (see local_git.py)
and the workflow steps end `skipped` with the reason: nothing claims a CI run that did
not happen.
"""

from __future__ import annotations

from shared.approvals import require_approved
from shared.contracts import RunMessage, WorkflowRunResult
from shared.db.models import RunStatus, StepStatus
from shared.gitops import local_repository_name
from shared.queues import Task
from shared.settings import get_settings
from shared.steps import StepContext, StepError, StepResult, pipeline_task

from services.github.local_git import LocalGitRepository
from services.github.worker import app

NO_TOKEN = "no GitHub token configured (MCP_GITHUB_TOKEN)"


def repository_for(message: RunMessage) -> LocalGitRepository:
    """One GitOps repository per stack, so manifests sit at the paths the generator wrote."""
    return LocalGitRepository(get_settings().local_git_root, local_repository_name(message.intent))


def branch_for(message: RunMessage) -> str:
    return f"mcp/{message.intent.stack}-{str(message.run_id)[:8]}"


def _require_local_mode() -> None:
    if get_settings().github_token is not None:
        raise StepError(
            "MCP_GITHUB_TOKEN is set, but pull requests on GitHub are not built yet (GitHub adapter issue); "
            "unset it to use the local git repository"
        )


@pipeline_task(app, Task.github_open_pr)
def open_pr_step(message, step: StepContext) -> StepResult:
    """Commit the generated files on a branch; the run then waits for approval."""
    if message.bundle is None or message.verdict is None or not message.verdict.passed:
        raise StepError("refused: a change is proposed only for files with a passed guardrail verdict")
    _require_local_mode()
    title = f"MCP Cloud run {message.run_id}: {message.intent.action.value} {message.intent.target}"
    change = repository_for(message).propose(branch_for(message), message.bundle.files, title)
    return StepResult(
        message=message.model_copy(update={"change": change}),
        output=change,
        detail=f"local git: {len(change.files)} files on {change.branch} at {change.commit_sha[:10]} ({NO_TOKEN})",
        run_status=RunStatus.awaiting_approval,
        stop_chain=True,
    )


@pipeline_task(app, Task.github_dispatch_workflow, starts=RunStatus.applying)
def dispatch_workflow_step(message, step: StepContext) -> StepResult:
    """Approved: merge the change into main, then dispatch CI (skipped without GitHub)."""
    require_approved(message)
    _require_local_mode()
    if message.change is None:
        raise StepError("no change to merge: github.open_pr did not run")
    head = repository_for(message).merge(message.change.branch, f"Merge {message.change.branch} (approved run {message.run_id})")
    summary = f"{NO_TOKEN}: no workflow dispatched; the approved change was merged into main at {head[:10]}"
    workflow = WorkflowRunResult(provider="none", status="not_dispatched", summary=summary)
    return StepResult(
        message=message.model_copy(update={"workflow": workflow}),
        output=workflow,
        status=StepStatus.skipped,
        detail=summary,
    )


@pipeline_task(app, Task.github_await_run)
def await_run_step(message, step: StepContext) -> StepResult:
    """Follow the workflow run to its conclusion (skipped when none was dispatched)."""
    if message.workflow is None or message.workflow.provider == "none":
        return StepResult(message=message, status=StepStatus.skipped, detail="no workflow run to follow: none was dispatched")
    raise StepError("following GitHub workflow runs is not built yet (GitHub adapter issue)")
