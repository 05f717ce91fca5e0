"""Run records (the gateway's run JSON, one object or a list) → Run, Stack, PullRequest,
Repo, WorkflowRun and Finding nodes. A run record says what was asked and decided; it
never makes infrastructure observed (only an observed apply or rollout does)."""

from __future__ import annotations

from typing import Any

from services.rag.graph.terraform_state import Built


class RunsFormatError(ValueError):
    """Not run records; the message says what is wrong."""


def records(document: Any) -> list[dict]:
    runs = document.get("runs", document.get("items")) if isinstance(document, dict) and (
        "runs" in document or "items" in document) else document
    runs = [runs] if isinstance(runs, dict) else runs
    if not isinstance(runs, list) or not runs:
        raise RunsFormatError("expected a run record, a list of them, or {\"runs\": [...]}")
    for position, run in enumerate(runs):
        if not isinstance(run, dict) or not run.get("id") or not run.get("target"):
            raise RunsFormatError(f"run [{position}] needs at least `id` and `target`")
    return runs


def build(runs: list[dict]) -> Built:
    built = Built()
    for run in runs:
        run_uid = built.node("Run", f"run:{run['id']}", name=str(run["id"]), status=run.get("status"),
                             persona=run.get("persona"), requested_by=run.get("requested_by"),
                             verdict=run.get("verdict"))
        stack = built.node("Stack", f"stack:{run['target']}", name=run["target"].rsplit("/", 1)[-1],
                           target=run["target"])
        built.edge("TARGETS", run_uid, stack)
        change = run.get("change") or {}
        if change.get("repository"):
            repo = built.node("Repo", f"repo:{change['repository']}", name=change["repository"])
            pr = built.node("PullRequest", f"pr:{change['repository']}#{change.get('number') or change.get('branch')}",
                            name=change.get("branch", ""), number=change.get("number"), url=change.get("url"),
                            commit=change.get("commit_sha"), provider=change.get("provider"))
            built.edge("IN_REPO", pr, repo)
            built.edge("OPENED", run_uid, pr)
        workflow = run.get("workflow") or {}
        if workflow.get("run_id"):
            node = built.node("WorkflowRun", f"workflow:{workflow['run_id']}", name=str(workflow["run_id"]),
                              status=workflow.get("status"), conclusion=workflow.get("conclusion"),
                              url=workflow.get("url"))
            built.edge("TRIGGERED", run_uid, node)
        for finding in run.get("findings") or []:
            node = built.node("Finding", f"finding:{run['id']}:{finding.get('check_id')}:{finding.get('resource')}",
                              name=finding.get("guardrail_id") or finding.get("check_id"),
                              check_id=finding.get("check_id"), resource=finding.get("resource"),
                              severity=finding.get("severity"), blocking=finding.get("blocking"))
            built.edge("HAS_FINDING", run_uid, node)
    return built
