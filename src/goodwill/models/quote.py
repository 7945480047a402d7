"""Quotes, tracked to their outcome: the raw material of the hit ratio."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from goodwill.db import Base
from goodwill.models.types import UtcDateTime, str_enum, utcnow


class QuoteStatus(enum.StrEnum):
    """Where a quote stands."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"
    EXPIRED = "expired"


class Quote(Base):
    """A price given to an account, and what became of it."""

    __tablename__ = "quote"
    __table_args__ = (
        UniqueConstraint("account_id", "external_id"),
        Index("ix_quote_status_quoted_on", "status", "quoted_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    external_id: Mapped[str | None] = mapped_column(String(100), default=None)
    quoted_on: Mapped[date]
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[QuoteStatus] = mapped_column(
        str_enum(QuoteStatus, "quote_status"), default=QuoteStatus.OPEN
    )
    decided_on: Mapped[date | None] = mapped_column(default=None)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL"), default=None, index=True
    )
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
