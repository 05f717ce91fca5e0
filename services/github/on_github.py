"""The three github steps when GitHub is configured: propose, dispatch, follow.

Kept apart from tasks.py (thin Celery wrappers) and from the API details (change.py,
actions.py, run_logs.py): this module decides what a run asks of GitHub. Reviewers come
from the config key `github.reviewers` = {users, teams, security_teams}; the security
persona also requests `security_teams`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from github import GithubException

from shared import workflow_signals
from shared.config import get_client
from shared.contracts import ChangeProposal, RunMessage, WorkflowRunResult
from shared.settings import get_settings
from shared.steps import StepError

from services.github import ci, run_logs, workflow_template
from services.github.actions import dispatch, follow
from services.github.change import NothingToPropose, ReviewPlan, commit_files, open_pull_request
from services.github.connection import GitHubTarget

BASE = "main"


def reviewers_for(message: RunMessage) -> ReviewPlan:
    settings = get_settings()
    config = get_client().value("github.reviewers", env=settings.env, service="github") or {}
    users = [str(u) for u in config.get("users", [])]
    teams = [str(t) for t in config.get("teams", [])]
    if message.persona.value == "security":
        teams += [str(t) for t in config.get("security_teams", []) if str(t) not in teams]
    requester = message.requested_by
    return ReviewPlan(users=[u for u in users if u != requester], teams=teams)


def labels_for(message: RunMessage) -> list[str]:
    return ["mcp-cloud", f"persona:{message.persona.value}", f"env:{message.intent.environment}",
            f"guardrails:{message.verdict.status if message.verdict else 'none'}"]


def propose(target: GitHubTarget, message: RunMessage, branch: str, title: str) -> tuple[ChangeProposal, str]:
    """The run's commit and pull request. With `intent.ci: github_actions` the commit also
    carries the shipped workflow when the base branch lacks it or has an outdated copy."""
    repo = target.repo
    files = message.bundle.files if message.bundle else []
    workflow_notes: list[str] = []

    def workflow(base_blobs: dict[str, str]) -> list:
        if not ci.uses_actions(message):
            return []
        plan = workflow_template.plan_for(base_blobs.get(workflow_template.WORKFLOW_PATH))
        if plan.note:
            workflow_notes.append(plan.note)
        return [plan.file] if plan.file else []

    try:
        sha, changed, removed = commit_files(repo, branch, BASE, files, title, extra_for=workflow)
    except NothingToPropose as exc:
        raise StepError(f"GitHub {target.repository}: {exc}") from exc
    proposal, notes = open_pull_request(repo, target.repository, message, branch, BASE, title, sha, changed,
                                        reviewers_for(message), labels_for(message))
    committed = sorted({*proposal.files, *(f.path for f in changed)})
    proposal = proposal.model_copy(update={"removed": removed, "files": committed})
    detail = (f"GitHub PR #{proposal.number} {proposal.url}: {len(changed)} files changed, {len(removed)} removed in "
              f"{sha[:10]}; {proposal.review_comments} review comments; status {proposal.status_context}")
    if notes or workflow_notes:
        detail += "; " + "; ".join([*workflow_notes, *notes])
    return proposal, detail


def start_workflow(target: GitHubTarget, message: RunMessage) -> WorkflowRunResult:
    change = message.change
    settings = get_settings()
    correlation = workflow_signals.correlation_id(message.run_id)
    inputs = {"correlation_id": correlation, "run_id": str(message.run_id), "commit_sha": change.commit_sha,
              "stack": message.intent.target}
    try:
        run, dispatched = dispatch(target, settings.github_workflow, change.branch, inputs)
    except GithubException as exc:
        raise StepError(f"workflow_dispatch of {settings.github_workflow} on {change.branch} refused: "
                        f"{exc.status} {_message(exc)}") from exc
    return WorkflowRunResult(
        provider="github", run_id=run.id, status=run.status, url=run.html_url, workflow=settings.github_workflow,
        ref=change.branch, correlation_id=correlation, head_sha=run.head_sha,
        dispatched_at=datetime.now(UTC),
        summary="dispatched" if dispatched else "found the run dispatched earlier",
    )


def finish_workflow(target: GitHubTarget, message: RunMessage) -> WorkflowRunResult:
    workflow = message.workflow
    followed = follow(target, workflow.run_id, workflow.correlation_id, started=workflow.dispatched_at or datetime.now(UTC))
    run = followed.run
    jobs = [run_logs.JobOutcome(name=j.name, conclusion=j.conclusion,
                                failed_steps=[(s.number, s.name, s.conclusion) for s in j.steps
                                              if s.conclusion in ("failure", "timed_out", "cancelled")])
            for j in run.jobs()]
    try:
        archive = run_logs.download(run.logs_url, target.token)
        logs = run_logs.summarise(archive, jobs)
    except (run_logs.LogsTooLarge, OSError, ValueError) as exc:
        logs = run_logs.summarise(b"", jobs).model_copy(update={"error": str(exc)})
    except Exception as exc:  # noqa: BLE001 - httpx errors: the conclusion stands, the logs say why missing
        logs = run_logs.summarise(b"", jobs).model_copy(update={"error": f"{type(exc).__name__}: {exc}"})
    summary = f"run {run.id} {run.conclusion}; {run_logs.describe(logs)}"
    return workflow.model_copy(update={
        "status": run.status, "conclusion": run.conclusion, "url": run.html_url, "head_sha": run.head_sha,
        "polls": followed.polls, "woken_by_webhook": followed.woken_by_webhook, "logs": logs, "summary": summary,
    })


def merge(target: GitHubTarget, change: ChangeProposal, run_id: object) -> str:
    """Merge the approved pull request at exactly the approved commit (GitHub refuses if the head moved)."""
    pull = target.repo.get_pull(change.number)
    try:
        status = pull.merge(commit_title=f"MCP Cloud run {run_id}", sha=change.commit_sha, merge_method="merge")
    except GithubException as exc:
        raise StepError(f"merging PR #{change.number} refused: {exc.status} {_message(exc)}") from exc
    return status.sha


def _message(exc: GithubException) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    return str(data.get("message") or exc)
