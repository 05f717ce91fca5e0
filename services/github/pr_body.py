"""The pull request's text: plan summary, guardrail table, approval link (GitHub Markdown).

Bounded: GitHub refuses bodies over 65,536 characters, so the table keeps the first
`MAX_ROWS` findings (blocking first) and says how many it left out.
"""

from __future__ import annotations

from shared.contracts import RunMessage
from shared.settings import get_settings

MAX_ROWS = 60
MAX_BODY = 60_000
MARKER = "<!-- mcp-cloud-run:{run_id} -->"


def run_link(message: RunMessage) -> str:
    return f"{get_settings().gateway_public_url.rstrip('/')}/api/v1/runs/{message.run_id}"


def _cell(text: str, limit: int = 160) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plan_summary(message: RunMessage) -> str:
    plan = message.plan
    if plan is None:
        return "No Terraform plan step output."
    if not plan.ran:
        return f"Terraform plan did not run: {plan.message}"
    return f"Plan: {plan.to_add} to add, {plan.to_change} to change, {plan.to_destroy} to destroy. {plan.message}"


def guardrail_table(message: RunMessage) -> str:
    verdict = message.verdict
    if verdict is None:
        return "No guardrail verdict."
    head = (f"Guardrails **{verdict.status}** for persona `{verdict.persona}`: "
            f"{verdict.checks_passed} checks passed, {verdict.checks_failed} failed ({verdict.scanner}).")
    findings = sorted(verdict.findings, key=lambda f: (not f.blocking, -f.severity.rank, f.file, f.line_start))
    if not findings:
        return head + "\n\nNo findings."
    rows = ["| check | guardrail | severity | where | blocking | finding |", "| --- | --- | --- | --- | --- | --- |"]
    for finding in findings[:MAX_ROWS]:
        where = f"`{finding.file}:{finding.line_start}`" if finding.line_start else f"`{finding.file}`"
        blocking = "yes" if finding.blocking else ("accepted" if finding.accepted else "no")
        rows.append(f"| `{finding.check_id}` | {finding.guardrail_id or '-'} | {finding.severity.value} | {where} "
                    f"| {blocking} | {_cell(finding.message)} |")
    if len(findings) > MAX_ROWS:
        rows.append(f"\n{len(findings) - MAX_ROWS} more findings are in the run ({run_link(message)}).")
    return head + "\n\n" + "\n".join(rows)


def pull_request_body(message: RunMessage) -> str:
    intent = message.intent
    link = run_link(message)
    parts = [
        MARKER.format(run_id=message.run_id),
        f"**{intent.action.value} `{intent.target}`** requested by `{message.requested_by}` (persona `{message.persona.value}`).",
        "### Terraform plan\n" + plan_summary(message),
        "### Guardrails\n" + guardrail_table(message),
        "### Approval\n"
        f"Run: {link}\n\nA second person with the approver role approves with `POST {link}/approve`. "
        "Nothing is applied before that; the apply workflow runs only after approval.",
    ]
    body = "\n\n".join(parts)
    return body if len(body) <= MAX_BODY else body[: MAX_BODY - 40] + "\n\n…(truncated; see the run)"
