"""Config service tables: values by scope, their audit trail, secret version history.

Kept apart from `models.py` so the config service can change without touching the run
pipeline's models; both share `Base`, so one Alembic history covers them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, LargeBinary, Text, UniqueConstraint, func, text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.models import Base


class ConfigItem(Base):
    """One value of one key at one scope. A NULL scope column matches every value of it."""

    __tablename__ = "config_items"
    __table_args__ = (
        # One row per (scope, key); coalesce because NULLs never collide in a plain unique index.
        Index("uq_config_items_scope_key", func.coalesce(text("scope_env"), text("''")),
              func.coalesce(text("scope_service"), text("''")), func.coalesce(text("scope_tenant"), text("''")),
              "key", unique=True),
        Index("ix_config_items_key", "key", postgresql_ops={"key": "text_pattern_ops"}),
        CheckConstraint(
            "NOT is_secret OR (secret_ciphertext IS NOT NULL AND secret_data_key IS NOT NULL"
            " AND value_plain IS NULL AND value_json IS NULL)",
            name="config_items_secret_sealed",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    scope_env: Mapped[str | None] = mapped_column(Text)
    scope_service: Mapped[str | None] = mapped_column(Text)
    scope_tenant: Mapped[str | None] = mapped_column(Text)
    key: Mapped[str] = mapped_column(Text)
    value_plain: Mapped[str | None] = mapped_column(Text, comment="Text values")
    value_json: Mapped[Any | None] = mapped_column(JSONB, comment="Structured values (numbers, lists, objects)")
    is_secret: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    secret_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, comment="nonce || AES-256-GCM ciphertext")
    secret_data_key: Mapped[bytes | None] = mapped_column(LargeBinary, comment="The data key, wrapped by the KEK")
    secret_key_id: Mapped[str | None] = mapped_column(Text, comment="Which KEK wrapped the data key")
    secret_version: Mapped[int | None] = mapped_column(Integer)
    json_schema: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    cacheable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    updated_by: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), onupdate=func.now())

    @property
    def scope(self) -> dict[str, str | None]:
        return {"env": self.scope_env, "service": self.scope_service, "tenant": self.scope_tenant}


class ConfigAudit(Base):
    __tablename__ = "config_audit"
    __table_args__ = (Index("ix_config_audit_item_created", "item_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("config_items.id"))
    action: Mapped[str] = mapped_column(Text)
    diff: Mapped[dict[str, Any] | None] = mapped_column(JSONB, comment="Secrets redacted")
    actor: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ConfigSecretVersion(Base):
    """Every sealed value a secret ever had: rotation keeps history, KEK rotation re-wraps it."""

    __tablename__ = "config_secret_versions"
    __table_args__ = (
        UniqueConstraint("item_id", "version", name="uq_config_secret_versions_item_version"),
        Index("ix_config_secret_versions_key_id", "key_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("config_items.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
