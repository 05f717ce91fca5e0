"""The runs list's keyset cursor: where the previous page ended, opaque to clients.

OFFSET paging reads and throws away every row before the page, so page 200 of a busy
installation costs 200 pages, and a run created while a client pages shifts every later
page by one (a row seen twice or never). A cursor names the last row's sort key,
(created_at, id), and the next page starts strictly after it on ix_runs_created_id.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import datetime

INVALID = "not a cursor this API returned: pass the previous page's next_cursor unchanged"


@dataclass(frozen=True)
class RunCursor:
    created_at: datetime
    id: uuid.UUID

    def encode(self) -> str:
        raw = f"{self.created_at.isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> RunCursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            stamp, _, run_id = raw.partition("|")
            created_at = datetime.fromisoformat(stamp)
            if created_at.tzinfo is None:
                raise ValueError("naive timestamp")
            return cls(created_at, uuid.UUID(run_id))
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise ValueError(INVALID) from exc


def checked(text: str | None) -> str | None:
    """Query validator: a malformed cursor is a 422 naming `query.after`, not a 500."""
    if text is not None:
        RunCursor.decode(text)
    return text
