from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from janitor.core.db import Base


class SetupChecklist(Base):
    """What the setup checklist cannot read from the account's data (one row per account, created by the
    first change). The other steps are facts of their own tables (setup/service.py)."""

    __tablename__ = "setup_checklists"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    # The owner hid the checklist from the dashboard and the sidebar (it stays at /setup).
    dismissed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The first time the dashboard showed figures of a complete sync.
    dashboard_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
