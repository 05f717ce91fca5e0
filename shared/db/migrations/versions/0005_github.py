"""GitHub webhook deliveries (replay guard).

Revision ID: 0005_github
Revises: 0003_identity
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0005_github"
down_revision = "0003_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "github_deliveries",
        sa.Column("delivery_id", sa.String(100), primary_key=True),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=True),
        sa.Column("run_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("runs.id", ondelete="SET NULL"), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False, comment="What the gateway did with it, or why nothing"),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_github_deliveries_run_id", "github_deliveries", ["run_id"])
    op.create_index("ix_github_deliveries_received_at", "github_deliveries", ["received_at"])


def downgrade() -> None:
    op.drop_table("github_deliveries")
