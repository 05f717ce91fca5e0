"""The server-side gate before anything is applied: a passed verdict and an approval."""

from __future__ import annotations

from sqlalchemy import select

from shared.contracts import RunMessage
from shared.db.models import Approval
from shared.db.session import session_scope
from shared.steps import StepError


def require_approved(message: RunMessage) -> None:
    """Raise StepError unless the guardrails passed on these very files and a human approved."""
    if message.verdict is None or not message.verdict.passed:
        raise StepError("refused: no passed guardrail verdict for this run")
    if message.bundle is None or message.verdict.content_sha256 != message.bundle.content_sha256:
        raise StepError("refused: the files differ from those the guardrails passed")
    with session_scope() as session:
        decision = session.scalar(select(Approval.decision).where(Approval.run_id == message.run_id))
    if decision != "approved":
        raise StepError("refused: the run has no approval")
