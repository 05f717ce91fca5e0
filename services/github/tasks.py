"""GitHub service tasks: propose the change, and (after approval) run its workflow.

With GitHub credentials (config secrets or MCP_GITHUB_TOKEN / App) the change is a pull
request and the apply runs as a dispatched Actions workflow (on_github.py). With none,
the change goes to a local bare git repository (local_git.py) and the workflow steps end
`skipped` with the reason: nothing claims a CI run that did not happen. A run whose intent
says `ci: none` dispatches no workflow either way (ci.py).
"""

from __future__ import annotations

from github import GithubException, RateLimitExceededException

from shared.approvals import require_approved
from shared.config import ConfigUnavailable
from shared.contracts import RunMessage, WorkflowRunResult
from shared.db.models import RunStatus, StepStatus
from shared.gitops import local_repository_name
from shared.queues import Task
from shared.settings import get_settings
from shared.steps import StepContext, StepError, StepResult, TransientStepError, pipeline_task

from services.github import ci, on_github
from services.github.actions import RunNotFound, RunTimedOut, StillRunning
from services.github.connection import GitHubNotConfigured, GitHubTarget, connect
from services.github.local_git import LocalGitRepository
from services.github.worker import app

NO_TOKEN = "no GitHub credentials configured (config github.token / github.app, or MCP_GITHUB_TOKEN)"


def repository_for(message: RunMessage) -> LocalGitRepository:
    """One GitOps repository per stack, so manifests sit at the paths the generator wrote."""
    return LocalGitRepository(get_settings().local_git_root, local_repository_name(message.intent))


def branch_for(message: RunMessage) -> str:
    return f"mcp/{message.intent.stack}-{str(message.run_id)[:8]}"


def _github() -> GitHubTarget | None:
    try:
        return connect()
    except ConfigUnavailable as exc:
        raise TransientStepError(f"config service unavailable for the GitHub credentials: {exc}") from exc
    except GitHubNotConfigured as exc:
        raise StepError(str(exc)) from exc


def _required_github() -> GitHubTarget:
    target = _github()
    if target is None:
        raise StepError(f"this run's change is a GitHub pull request, but {NO_TOKEN} now")
    return target


def _api_error(exc: GithubException, doing: str) -> Exception:
    """Rate limits that outlasted the client's own waiting and server errors are retried;
    anything else (a 403 permission, a 404, a 422) fails the run with GitHub's message."""
    if exc.status >= 500 or exc.status == 429 or isinstance(exc, RateLimitExceededException):
        return TransientStepError(f"GitHub {exc.status} while {doing}: {exc.data}")
    return StepError(f"GitHub refused {doing}: {exc.status} {exc.data}")


@pipeline_task(app, Task.github_open_pr)
def open_pr_step(message, step: StepContext) -> StepResult:
    """Commit the generated files on a branch and open the pull request; the run then waits for approval."""
    if message.bundle is None or message.verdict is None or not message.verdict.passed:
        raise StepError("refused: a change is proposed only for files with a passed guardrail verdict")
    title = f"MCP Cloud run {message.run_id}: {message.intent.action.value} {message.intent.target}"
    target = _github()
    if target is None:
        change = repository_for(message).propose(branch_for(message), message.bundle.files, title)
        detail = (f"local git: {len(change.files)} files on {change.branch} at {change.commit_sha[:10]}, "
                  f"{len(change.removed)} removed ({NO_TOKEN})")
    else:
        try:
            change, detail = on_github.propose(target, message, branch_for(message), title)
        except GithubException as exc:
            raise _api_error(exc, "opening the pull request") from exc
    return StepResult(
        message=message.model_copy(update={"change": change}), output=change, detail=detail,
        run_status=RunStatus.awaiting_approval, stop_chain=True,
    )


@pipeline_task(app, Task.github_dispatch_workflow, starts=RunStatus.applying)
def dispatch_workflow_step(message, step: StepContext) -> StepResult:
    """Approved: dispatch the apply workflow on the PR's branch. No workflow (local git, or
    `intent.ci: none`): merge the approved change and record this step skipped, with why."""
    require_approved(message)
    if message.change is None:
        raise StepError("no change to apply: github.open_pr did not run")
    if message.change.provider == "local-git":
        head = repository_for(message).merge(message.change.branch, f"Merge {message.change.branch} (approved run {message.run_id})")
        why = ci.CI_NONE if not ci.uses_actions(message) else NO_TOKEN
        return _not_dispatched(message, f"{why}: no workflow dispatched; the approved change was merged into main at {head[:10]}")
    target = _required_github()
    if not ci.uses_actions(message):
        merged = on_github.merge(target, message.change, message.run_id)
        return _not_dispatched(message, f"{ci.CI_NONE}: no workflow dispatched; PR #{message.change.number} "
                                        f"merged as approved at {merged[:10]}")
    try:
        workflow = on_github.start_workflow(target, message)
    except RunNotFound as exc:
        raise StepError(str(exc)) from exc
    except GithubException as exc:
        raise _api_error(exc, "dispatching the workflow") from exc
    detail = f"{workflow.summary}: {workflow.workflow} on {workflow.ref}, run {workflow.run_id} {workflow.url}"
    return StepResult(message=message.model_copy(update={"workflow": workflow}), output=workflow, detail=detail)


def _not_dispatched(message: RunMessage, summary: str) -> StepResult:
    workflow = WorkflowRunResult(provider="none", status="not_dispatched", summary=summary)
    return StepResult(message=message.model_copy(update={"workflow": workflow}), output=workflow,
                      status=StepStatus.skipped, detail=summary)


@pipeline_task(app, Task.github_await_run)
def await_run_step(message, step: StepContext) -> StepResult:
    """Follow the workflow run to its conclusion, summarise its logs, merge the PR on success."""
    if message.workflow is None or message.workflow.provider == "none":
        why = message.workflow.summary if message.workflow is not None else "github.dispatch_workflow recorded none"
        return StepResult(message=message, status=StepStatus.skipped, detail=f"no workflow run to follow: {why}")
    target = _required_github()
    try:
        workflow = on_github.finish_workflow(target, message)
    except StillRunning as exc:
        raise TransientStepError(str(exc)) from exc
    except RunTimedOut as exc:
        raise StepError(str(exc)) from exc
    except GithubException as exc:
        raise _api_error(exc, f"following workflow run {message.workflow.run_id}") from exc
    updated = message.model_copy(update={"workflow": workflow})
    if workflow.conclusion != "success":
        raise StepError(f"workflow run {workflow.run_id} ended {workflow.conclusion}: {workflow.summary} ({workflow.url})")
    merged = on_github.merge(target, message.change, message.run_id)
    detail = f"{workflow.summary}; PR #{message.change.number} merged at {merged[:10]}"
    return StepResult(message=updated, output=workflow, detail=detail)
