"""The apply gate (shared/approvals.py) applies only what was approved: the approval's bundle
hash and plan hash must be the run's, so files or a plan changed after approval are refused."""

from __future__ import annotations

import uuid

import pytest

from shared.approvals import require_approved
from shared.contracts import RunMessage, TerraformRun
from shared.contracts.artifacts import ArtifactBundle, FileKind, GeneratedFile, GuardrailVerdict
from shared.db.models import Approval, Run
from shared.db.session import session_scope
from shared.examples import SCENARIOS
from shared.steps import StepError


def _message(content: str, plan_sha256: str | None = "a" * 64) -> RunMessage:
    bundle = ArtifactBundle(files=[GeneratedFile(path="terraform/main.tf", kind=FileKind.terraform, content=content)])
    return RunMessage(
        run_id=uuid.uuid4(), persona="devops", requested_by="someone", intent=SCENARIOS["private-logs-bucket"],
        bundle=bundle, verdict=GuardrailVerdict(status="passed", persona="devops", content_sha256=bundle.content_sha256),
        plan=TerraformRun(ran=True, message="Plan: 1 to add, 0 to change, 0 to destroy.", plan_sha256=plan_sha256),
    )


def _approved(message: RunMessage, *, content_sha256: str, plan_sha256: str | None) -> None:
    # The row is recorded as ended: an applying run without apply steps would look stalled to
    # resume_stalled, which would queue its chain for real.
    with session_scope() as session:
        session.add(Run(id=message.run_id, status="failed", persona="devops", requested_by="someone",
                        target=message.intent.target, intent=message.intent.model_dump(mode="json"),
                        message=message.to_wire()))
        session.flush()
        session.add(Approval(run_id=message.run_id, decision="approved", actor="approver",
                             content_sha256=content_sha256, plan_sha256=plan_sha256))


def test_the_approved_bundle_and_plan_pass_the_gate(database):
    message = _message("# approved")
    _approved(message, content_sha256=message.bundle.content_sha256, plan_sha256="a" * 64)
    assert require_approved(message).plan_sha256 == "a" * 64


def test_files_changed_after_approval_are_refused(database):
    approved = _message("# approved")
    changed = _message("# changed later").model_copy(update={"run_id": approved.run_id})
    _approved(approved, content_sha256=approved.bundle.content_sha256, plan_sha256="a" * 64)
    with pytest.raises(StepError, match="a changed bundle needs a new approval"):
        require_approved(changed)


def test_a_plan_other_than_the_approved_one_is_refused(database):
    message = _message("# approved", plan_sha256="b" * 64)
    _approved(message, content_sha256=message.bundle.content_sha256, plan_sha256="a" * 64)
    with pytest.raises(StepError, match="approval was given for plan a"):
        require_approved(message)


def test_an_approval_without_a_recorded_hash_is_refused(database):
    message = _message("# approved")
    _approved(message, content_sha256=None, plan_sha256="a" * 64)
    with pytest.raises(StepError, match="a changed bundle needs a new approval"):
        require_approved(message)
