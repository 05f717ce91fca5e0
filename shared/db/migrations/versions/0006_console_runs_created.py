"""Index for the runs list's order (created_at DESC, id).

The console and the API list runs newest first; without this index Postgres reads and
sorts every row of `runs` for each page.

Revision ID: 0006_console_runs_created
Revises: 0005_github
"""

from alembic import op
import sqlalchemy as sa

revision = "0006_console_runs_created"
down_revision = "0005_github"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_runs_created_id", "runs", [sa.text("created_at DESC"), "id"])


def downgrade() -> None:
    op.drop_index("ix_runs_created_id", table_name="runs")
