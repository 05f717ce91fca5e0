"""GitHub webhook deliveries seen by the gateway: the replay guard and their outcome.

GitHub names every delivery (`X-GitHub-Delivery`, a GUID; a manual redelivery keeps it),
so a delivery id seen once is refused the second time. The row is written in the same
transaction as the webhook's effect, so a delivery is either processed and recorded, or
neither (and GitHub's retry is processed then).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db.models import Base


class GitHubDelivery(Base):
    __tablename__ = "github_deliveries"

    delivery_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    event: Mapped[str] = mapped_column(String(64))
    action: Mapped[str | None] = mapped_column(String(64))
    run_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), ForeignKey("runs.id", ondelete="SET NULL"),
                                                     index=True)
    outcome: Mapped[str] = mapped_column(Text, comment="What the gateway did with it, or why nothing")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
