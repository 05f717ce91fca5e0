"""SQLAlchemy 2 models: runs and their steps, approvals, audit, principals and their API keys, target locks."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSONB}


class RunStatus(StrEnum):
    queued = "queued"
    planning = "planning"
    validating = "validating"
    awaiting_approval = "awaiting_approval"
    blocked = "blocked"
    applying = "applying"
    verifying = "verifying"
    succeeded = "succeeded"
    # The pipeline ran to its end but nothing was applied or observed (no cluster, no
    # GitHub): never reported as succeeded.
    not_applied = "not_applied"
    failed = "failed"
    rejected = "rejected"
    cancelled = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset(
    {RunStatus.blocked, RunStatus.succeeded, RunStatus.not_applied, RunStatus.failed, RunStatus.rejected, RunStatus.cancelled}
)


class StepStatus(StrEnum):
    running = "running"
    retrying = "retrying"
    succeeded = "succeeded"
    skipped = "skipped"
    blocked = "blocked"
    failed = "failed"

    @property
    def done(self) -> bool:
        return self in (StepStatus.succeeded, StepStatus.skipped, StepStatus.blocked, StepStatus.failed)


class Role(StrEnum):
    viewer = "viewer"
    requester = "requester"
    approver = "approver"
    admin = "admin"

    def allows(self, needed: Role) -> bool:
        order = [Role.viewer, Role.requester, Role.approver, Role.admin]
        return order.index(self) >= order.index(needed)


class PrincipalKind(StrEnum):
    user = "user"
    service = "service"


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{member.value}'" for member in enum)


class Run(Base):
    __tablename__ = "runs"
    __table_args__ = (
        CheckConstraint(f"status IN ({_values(RunStatus)})", name="runs_status_valid"),
        Index("ix_runs_status_created", "status", "created_at"),
        UniqueConstraint("requested_by_principal_id", "idempotency_key", name="uq_runs_principal_idempotency_key"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    status: Mapped[str] = mapped_column(String(32), default=RunStatus.queued.value)
    persona: Mapped[str] = mapped_column(String(32))
    requested_by: Mapped[str] = mapped_column(String(100), comment="Display name of the requesting principal")
    requested_by_principal_id: Mapped[int | None] = mapped_column(
        ForeignKey("principals.id"), index=True, comment="Who asked: four eyes and idempotency compare this id")
    persona_requested: Mapped[str | None] = mapped_column(String(32), comment="The persona the request named")
    persona_policy: Mapped[dict[str, Any] | None] = mapped_column(
        comment="Which minimum-persona policy applied: config key, scope, rule, persona")
    target: Mapped[str] = mapped_column(String(300), index=True)
    intent: Mapped[dict[str, Any]]
    # Deferred: the message carries the whole bundle (tens of KB of JSON). Loading a run
    # for its status (every pipeline step does, twice; the runs list does per row) does
    # not decode it; code that reads `run.message` loads it then, in the same session.
    message: Mapped[dict[str, Any]] = mapped_column(deferred=True, comment="The latest RunMessage of the run's chain")
    error: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), comment="Unique per requesting principal")
    request_sha256: Mapped[str | None] = mapped_column(
        String(64), comment="Hash of the request body an idempotency key was first used with")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    steps: Mapped[list[RunStep]] = relationship(
        back_populates="run", order_by="RunStep.seq", cascade="all, delete-orphan"
    )
    approvals: Mapped[list[Approval]] = relationship(back_populates="run", order_by="Approval.id")


# The runs list's order (newest first, id as the tie-break): an index scan that stops after
# one page instead of sorting every row. Migration 0006_console_runs_created.
Index("ix_runs_created_id", Run.created_at.desc(), Run.id)


class RunStep(Base):
    __tablename__ = "run_steps"
    __table_args__ = (
        UniqueConstraint("run_id", "name", name="uq_run_steps_run_name"),
        CheckConstraint(f"status IN ({_values(StepStatus)})", name="run_steps_status_valid"),
        Index("ix_run_steps_live", "heartbeat_at", postgresql_where=text("status IN ('running', 'retrying')")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64), comment="The task name, e.g. terraform.generate")
    seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    executions: Mapped[int] = mapped_column(Integer, default=0, comment="Times the step's work actually ran")
    worker: Mapped[str | None] = mapped_column(String(200))
    queue: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), comment="Renewed while the step runs; a stale one is re-sent by the reaper")
    duration_ms: Mapped[float | None]
    detail: Mapped[str | None] = mapped_column(Text, comment="Why skipped/blocked/failed, or a one-line result")
    output: Mapped[dict[str, Any] | None]
    log: Mapped[str | None] = mapped_column(Text)

    run: Mapped[Run] = relationship(back_populates="steps")


class Approval(Base):
    __tablename__ = "approvals"
    __table_args__ = (
        UniqueConstraint("run_id", name="uq_approvals_run"),
        CheckConstraint("decision IN ('approved', 'rejected')", name="approvals_decision_valid"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(100))
    approver_principal_id: Mapped[int | None] = mapped_column(ForeignKey("principals.id"))
    content_sha256: Mapped[str | None] = mapped_column(String(64), comment="The bundle that was approved")
    plan_sha256: Mapped[str | None] = mapped_column(String(64), comment="The saved plan file that was approved")
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    run: Mapped[Run] = relationship(back_populates="approvals")


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(100), index=True)
    detail: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Principal(Base):
    """A person or a service identity. Roles live here; four eyes compares principals."""

    __tablename__ = "principals"
    __table_args__ = (
        CheckConstraint(f"role IN ({_values(Role)})", name="principals_role_valid"),
        CheckConstraint(f"kind IN ({_values(PrincipalKind)})", name="principals_kind_valid"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default=PrincipalKind.user.value)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    keys: Mapped[list[ApiKey]] = relationship(back_populates="principal", order_by="ApiKey.id")


class ApiKey(Base):
    """A credential of one principal. Its role may only narrow the principal's role."""

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint(f"role IN ({_values(Role)})", name="api_keys_role_valid"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    principal_id: Mapped[int] = mapped_column(ForeignKey("principals.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    principal: Mapped[Principal] = relationship(back_populates="keys")


class TerraformPlan(Base):
    """The saved plan file of a run's terraform.plan: terraform.apply applies exactly these bytes."""

    __tablename__ = "terraform_plans"

    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    plan: Mapped[bytes] = mapped_column(LargeBinary)
    destroy: Mapped[bool] = mapped_column(default=False)
    backend: Mapped[str] = mapped_column(String(200), comment="Where the state is (no secret)")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TargetLock(Base):
    """One applying run per target (cloud/region/env/stack): two runs never apply at once."""

    __tablename__ = "target_locks"

    target: Mapped[str] = mapped_column(String(300), primary_key=True)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    acquired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Outbox(Base):
    """A chain to send, committed with the decision that calls for it (a new run, an approval).

    shared/outbox.py sends it right after the commit, and again from the gateway's
    background relay if the broker was down; `sent_at` marks it sent.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "created_at", postgresql_where=text("sent_at IS NULL")),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(64), comment="run.create, run.approve, reaper: ...")
    tasks: Mapped[list[str]] = mapped_column(JSONB, comment="Task names of the chain, in order")
    message: Mapped[dict[str, Any]] = mapped_column(comment="The RunMessage the first task gets")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
