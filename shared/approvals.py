"""The server-side gate before anything is applied: a passed verdict and an approval of these files.

An approval stores the hash of the bundle it approved (and of the saved plan file, when
a plan ran); a bundle or plan that differs from what was approved is refused, so a
change after approval needs a new approval.
"""

from __future__ import annotations

from sqlalchemy import select

from shared.contracts import RunMessage
from shared.db.models import Approval
from shared.db.session import session_scope
from shared.steps import StepError


def require_approved(message: RunMessage) -> Approval:
    """Raise StepError unless the guardrails passed on these very files and a human approved
    exactly them; returns the approval (its plan_sha256 binds the plan file to apply)."""
    if message.verdict is None or not message.verdict.passed:
        raise StepError("refused: no passed guardrail verdict for this run")
    if message.bundle is None or message.verdict.content_sha256 != message.bundle.content_sha256:
        raise StepError("refused: the files differ from those the guardrails passed")
    with session_scope() as session:
        approval = session.scalar(select(Approval).where(Approval.run_id == message.run_id))
        if approval is not None:
            session.expunge(approval)
    if approval is None or approval.decision != "approved":
        raise StepError("refused: the run has no approval")
    if approval.content_sha256 != message.bundle.content_sha256:
        raise StepError(f"refused: the approval was given for bundle {approval.content_sha256}, "
                        f"this is {message.bundle.content_sha256}; a changed bundle needs a new approval")
    planned = message.plan.plan_sha256 if message.plan else None
    if approval.plan_sha256 != planned:
        raise StepError(f"refused: the approval was given for plan {approval.plan_sha256}, the run holds {planned}")
    return approval
