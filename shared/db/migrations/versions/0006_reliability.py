"""Reliability: step heartbeats (leases) and the outbox of chains to send.

Revision ID: 0006_reliability
Revises: 0005_github
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0006_reliability"
down_revision = "0006_console_runs_created"  # both branches added a 0006; chained here
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("run_steps", sa.Column(
        "heartbeat_at", sa.DateTime(timezone=True), nullable=True,
        comment="Renewed while the step runs; a stale one is re-sent by the reaper"))
    op.create_index("ix_run_steps_live", "run_steps", ["heartbeat_at"],
                    postgresql_where=sa.text("status IN ('running', 'retrying')"))
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        sa.Column("run_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False, comment="run.create, run.approve, reaper: ..."),
        sa.Column("tasks", postgresql.JSONB(), nullable=False, comment="Task names of the chain, in order"),
        sa.Column("message", postgresql.JSONB(), nullable=False, comment="The RunMessage the first task gets"),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=True),
    )
    op.create_index("ix_outbox_run_id", "outbox", ["run_id"])
    op.create_index("ix_outbox_pending", "outbox", ["created_at"], postgresql_where=sa.text("sent_at IS NULL"))


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_index("ix_run_steps_live", table_name="run_steps")
    op.drop_column("run_steps", "heartbeat_at")
