"""Profile facts: what we know about an account and its people, and when we learned it."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from goodwill.db import Base
from goodwill.models.types import UtcDateTime, str_enum, utcnow


class FactKind(enum.StrEnum):
    """The kinds of knowledge the essays ask us to gather."""

    GOAL = "goal"  # goals for the coming quarter, season or year
    DRAWING_BOARD = "drawing_board"  # what is on their drawing board
    PLANNED_CHANGE = "planned_change"  # changes in operations: scheduling, manpower
    HISTORY = "history"  # the company's history
    INTEREST = "interest"  # personal interests
    COMMUNITY = "community"  # community involvement
    FAMILY = "family"
    VALUES = "values"  # what they value
    VENDOR_ROLE = "vendor_role"  # the role vendors play for them
    FACILITY_TOUR = "facility_tour"  # a tour of their facilities was done
    OTHER = "other"


class Fact(Base):
    """One thing we know about an account (or one of its contacts), dated."""

    __tablename__ = "fact"
    __table_args__ = (
        UniqueConstraint("account_id", "external_id"),
        Index("ix_fact_account_id_kind", "account_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), default=None, index=True
    )
    external_id: Mapped[str | None] = mapped_column(String(100), default=None)
    kind: Mapped[FactKind] = mapped_column(str_enum(FactKind, "fact_kind"))
    text: Mapped[str] = mapped_column(Text)
    learned_on: Mapped[date]
    learned_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL"), default=None
    )
    period: Mapped[str | None] = mapped_column(String(20), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
