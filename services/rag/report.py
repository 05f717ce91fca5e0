"""The short, honest report at the end of a run: only what was observed."""

from __future__ import annotations

from shared.contracts import RunMessage, RunReport


def compose_report(message: RunMessage) -> tuple[RunReport, bool]:
    """Return the report and whether everything in the change was applied (and observed)."""
    intent = message.intent
    lines: list[str] = []
    facts: dict[str, str | int | bool | None] = {"run_id": str(message.run_id), "persona": message.persona.value}
    sources, graph_facts = _sources(message), _graph_facts(message)
    context = message.context
    if context and context.choices:
        lines.append("Modules " + "; ".join(
            f"{c.module} ({c.reason}; sources: {', '.join(c.sources) or 'none found'})" for c in context.choices))
    if context and context.network:
        lines.append(f"Reused the observed VPC {context.network.vpc_id} and its private subnets instead of creating a "
                     f"new VPC (graph, from {context.network.observed_by or 'the graph'})")
        facts["reused_vpc"] = context.network.vpc_id
    if context and context.graph_error:
        lines.append(f"Graph facts not used: {context.graph_error}")

    if message.bundle:
        lines.append(f"Generated {len(message.bundle.files)} files from modules {', '.join(message.bundle.modules) or '-'}.")
        facts["files"] = len(message.bundle.files)
    if message.verdict:
        blocking = sum(1 for f in message.verdict.findings if f.blocking)
        accepted = sum(1 for f in message.verdict.findings if f.accepted)
        others = len(message.verdict.findings) - blocking - accepted
        lines.append(
            f"Guardrails {message.verdict.status}: {blocking} blocking, {others} other findings"
            + (f", {accepted} accepted by the catalog modules." if accepted else ".")
        )
        facts["guardrails"] = message.verdict.status
        facts["guardrail_violations"] = blocking
    if message.plan:
        lines.append(f"Terraform plan: {message.plan.message}")
        facts["plan"] = message.plan.message if message.plan.ran else None
    if message.change:
        where = message.change.url or f"{message.change.repository} branch {message.change.branch}"
        kind = "Pull request" if message.change.provider == "github" else "Change committed to local git repository"
        lines.append(f"{kind}: {where} ({message.change.commit_sha[:10]}).")
        facts["change"] = where
    if message.workflow:
        if message.workflow.provider == "none":
            lines.append(f"CI workflow not run: {message.workflow.summary}")
        else:
            lines.append(f"Workflow run {message.workflow.run_id} ({message.workflow.url}): {message.workflow.summary}")
        facts["workflow"] = message.workflow.conclusion or message.workflow.status or None
    infrastructure_applied = bool(message.infrastructure and message.infrastructure.ran)
    if message.infrastructure:
        lines.append(f"Terraform: {message.infrastructure.message}")
        facts["terraform_applied"] = infrastructure_applied
    app_applied = bool(message.deploy and message.deploy.applied)
    if message.deploy:
        lines.append(message.deploy.message)
        facts["applied"] = app_applied
    observed = bool(message.rollout and message.rollout.observed)
    if message.rollout:
        if observed:
            running = [p for p in message.rollout.pods if p.phase == "Running" and p.ready]
            lines.append(f"{len(running)} pods Running and ready ({', '.join(p.name for p in running)}).")
            facts["pods_running"] = len(running)
        else:
            lines.append(f"Rollout not observed: {message.rollout.message}")
            facts["pods_running"] = None
    if message.graph:
        lines.append(f"Graph: proposed {', '.join(message.graph.proposed) or 'nothing'}; observed "
                     f"{', '.join(message.graph.observed) or 'nothing'}")
        drift = message.graph.drift
        if drift is not None:
            if drift.items:
                lines.append(f"Drift in {drift.stack}: " + "; ".join(
                    f"{i.kind} {i.name} {i.status} ({i.detail})" for i in drift.items[:5]))
            facts["drift_items"] = len(drift.items)
    has_terraform = bool(message.bundle and any(f.path.startswith("terraform/") for f in message.bundle.files))
    done = (
        (infrastructure_applied or app_applied)
        and (infrastructure_applied or not has_terraform)
        and (not intent.app or (app_applied and observed))
    )
    head = f"{intent.action.value} {intent.target}: {'deployed' if done else 'not applied'}."
    sentences = [line if line.endswith(".") else f"{line}." for line in (head, *lines)]
    return RunReport(text=" ".join(sentences), facts=facts, sources=sources, graph_facts=graph_facts), done


def _sources(message: RunMessage) -> list[str]:
    """Knowledge documents the run used: those cited for its modules, then the rest retrieved."""
    if not message.context:
        return []
    cited = [s for choice in message.context.choices for s in choice.sources]
    return list(dict.fromkeys(cited + [d.source for d in message.context.documents]))


def _graph_facts(message: RunMessage) -> list[str]:
    facts = list(message.context.graph_facts) if message.context else []
    if message.graph and message.graph.drift and message.graph.drift.items:
        facts += [f"drift: {i.kind} {i.name} {i.status}: {i.detail}" for i in message.graph.drift.items]
    return facts
