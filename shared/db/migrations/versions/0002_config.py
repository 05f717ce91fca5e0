"""Config service: config_items, config_audit, config_secret_versions.

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "config_items",
        sa.Column("id", sa.BigInteger(), autoincrement=True, primary_key=True),
        sa.Column("scope_env", sa.Text(), nullable=True),
        sa.Column("scope_service", sa.Text(), nullable=True),
        sa.Column("scope_tenant", sa.Text(), nullable=True),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value_plain", sa.Text(), nullable=True, comment="Text values"),
        sa.Column("value_json", postgresql.JSONB(), nullable=True, comment="Structured values (numbers, lists, objects)"),
        sa.Column("is_secret", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("secret_ciphertext", sa.LargeBinary(), nullable=True, comment="nonce || AES-256-GCM ciphertext"),
        sa.Column("secret_data_key", sa.LargeBinary(), nullable=True, comment="The data key, wrapped by the KEK"),
        sa.Column("secret_key_id", sa.Text(), nullable=True, comment="Which KEK wrapped the data key"),
        sa.Column("secret_version", sa.Integer(), nullable=True),
        sa.Column("json_schema", postgresql.JSONB(), nullable=True),
        sa.Column("cacheable", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")),
        sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.text("true")),
        sa.Column("updated_by", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.CheckConstraint(
            "NOT is_secret OR (secret_ciphertext IS NOT NULL AND secret_data_key IS NOT NULL"
            " AND value_plain IS NULL AND value_json IS NULL)",
            name="config_items_secret_sealed",
        ),
    )
    op.execute(
        "CREATE UNIQUE INDEX uq_config_items_scope_key ON config_items "
        "(coalesce(scope_env, ''), coalesce(scope_service, ''), coalesce(scope_tenant, ''), key)"
    )
    op.execute("CREATE INDEX ix_config_items_key ON config_items (key text_pattern_ops)")
    op.create_table(
        "config_audit",
        sa.Column("id", sa.BigInteger(), autoincrement=True, primary_key=True),
        sa.Column("item_id", sa.BigInteger(), sa.ForeignKey("config_items.id"), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("diff", postgresql.JSONB(), nullable=True, comment="Secrets redacted"),
        sa.Column("actor", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    )
    op.create_index("ix_config_audit_item_created", "config_audit", ["item_id", "created_at"])
    op.create_table(
        "config_secret_versions",
        sa.Column("id", sa.BigInteger(), autoincrement=True, primary_key=True),
        sa.Column("item_id", sa.BigInteger(), sa.ForeignKey("config_items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.UniqueConstraint("item_id", "version", name="uq_config_secret_versions_item_version"),
    )
    op.create_index("ix_config_secret_versions_key_id", "config_secret_versions", ["key_id"])


def downgrade() -> None:
    op.drop_table("config_secret_versions")
    op.drop_table("config_audit")
    op.drop_table("config_items")
