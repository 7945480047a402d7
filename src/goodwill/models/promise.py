"""The promises ledger: every commitment made to a customer, and whether it was kept."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from goodwill.db import Base
from goodwill.models.types import UtcDateTime, str_enum, utcnow


class PromiseStatus(enum.StrEnum):
    """A promise's outcome. Trust is promises kept: "Never make your customer work hard"."""

    OPEN = "open"
    KEPT = "kept"
    KEPT_LATE = "kept_late"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class Promise(Base):
    """Something we said we would do for an account, by a date."""

    __tablename__ = "promise"
    __table_args__ = (Index("ix_promise_status_due_on", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"), default=None
    )
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL"), default=None, index=True
    )
    what: Mapped[str] = mapped_column(Text)
    made_on: Mapped[date]
    due_on: Mapped[date]
    done_on: Mapped[date | None] = mapped_column(default=None)
    status: Mapped[PromiseStatus] = mapped_column(
        str_enum(PromiseStatus, "promise_status"), default=PromiseStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
