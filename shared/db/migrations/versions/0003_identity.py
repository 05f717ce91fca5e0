"""Identity: principals own API keys; runs and approvals name principals; approvals bind a hash;
saved terraform plans (the file terraform.apply applies).

Existing keys each become one principal of the same name and role (kind user), so the
four-eyes rule keeps holding for data written before this revision. Idempotency keys
become unique per requesting principal instead of globally.

Revision ID: 0003_identity
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0003_identity"
down_revision = "0002"
branch_labels = None
depends_on = None

ROLES = "'viewer', 'requester', 'approver', 'admin'"


def upgrade() -> None:
    op.create_table(
        "principals",
        sa.Column("id", sa.BigInteger(), autoincrement=True, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False, server_default="user"),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"role IN ({ROLES})", name="principals_role_valid"),
        sa.CheckConstraint("kind IN ('user', 'service')", name="principals_kind_valid"),
    )
    op.execute("INSERT INTO principals (name, kind, role, created_at) "
               "SELECT name, 'user', role, created_at FROM api_keys")

    op.add_column("api_keys", sa.Column("principal_id", sa.BigInteger(), nullable=True))
    op.execute("UPDATE api_keys k SET principal_id = p.id FROM principals p WHERE p.name = k.name")
    op.alter_column("api_keys", "principal_id", nullable=False)
    op.create_foreign_key("fk_api_keys_principal", "api_keys", "principals", ["principal_id"], ["id"])
    op.create_index("ix_api_keys_principal_id", "api_keys", ["principal_id"])

    op.add_column("runs", sa.Column("requested_by_principal_id", sa.BigInteger(), nullable=True,
                                    comment="Who asked: four eyes and idempotency compare this id"))
    op.add_column("runs", sa.Column("persona_requested", sa.String(32), nullable=True,
                                    comment="The persona the request named"))
    op.add_column("runs", sa.Column("persona_policy", postgresql.JSONB(), nullable=True,
                                    comment="Which minimum-persona policy applied: config key, scope, rule, persona"))
    op.add_column("runs", sa.Column("request_sha256", sa.String(64), nullable=True,
                                    comment="Hash of the request body an idempotency key was first used with"))
    op.execute("UPDATE runs r SET requested_by_principal_id = p.id FROM principals p WHERE p.name = r.requested_by")
    op.create_foreign_key("fk_runs_requested_by_principal", "runs", "principals", ["requested_by_principal_id"], ["id"])
    op.create_index("ix_runs_requested_by_principal_id", "runs", ["requested_by_principal_id"])
    op.drop_constraint("runs_idempotency_key_key", "runs", type_="unique")
    op.create_unique_constraint("uq_runs_principal_idempotency_key", "runs",
                                ["requested_by_principal_id", "idempotency_key"])

    op.add_column("approvals", sa.Column("approver_principal_id", sa.BigInteger(), nullable=True))
    op.add_column("approvals", sa.Column("content_sha256", sa.String(64), nullable=True,
                                         comment="The bundle that was approved"))
    op.add_column("approvals", sa.Column("plan_sha256", sa.String(64), nullable=True,
                                         comment="The saved plan file that was approved"))
    op.execute("UPDATE approvals a SET approver_principal_id = p.id FROM principals p WHERE p.name = a.actor")
    op.create_foreign_key("fk_approvals_principal", "approvals", "principals", ["approver_principal_id"], ["id"])

    op.create_table(
        "terraform_plans",
        sa.Column("run_id", sa.UUID(), sa.ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("plan", sa.LargeBinary(), nullable=False),
        sa.Column("destroy", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("backend", sa.String(200), nullable=False, comment="Where the state is (no secret)"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    )


def downgrade() -> None:
    op.drop_table("terraform_plans")
    op.drop_constraint("fk_approvals_principal", "approvals", type_="foreignkey")
    for column in ("plan_sha256", "content_sha256", "approver_principal_id"):
        op.drop_column("approvals", column)
    op.drop_constraint("uq_runs_principal_idempotency_key", "runs", type_="unique")
    op.create_unique_constraint("runs_idempotency_key_key", "runs", ["idempotency_key"])
    op.drop_index("ix_runs_requested_by_principal_id", table_name="runs")
    op.drop_constraint("fk_runs_requested_by_principal", "runs", type_="foreignkey")
    for column in ("request_sha256", "persona_policy", "persona_requested", "requested_by_principal_id"):
        op.drop_column("runs", column)
    op.drop_index("ix_api_keys_principal_id", table_name="api_keys")
    op.drop_constraint("fk_api_keys_principal", "api_keys", type_="foreignkey")
    op.drop_column("api_keys", "principal_id")
    op.drop_table("principals")
