"""Touches: every interaction with an account, by any channel."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from goodwill.db import Base
from goodwill.models.contact import Channel
from goodwill.models.types import UtcDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from goodwill.models.contact import Contact


class Direction(enum.StrEnum):
    """Who reached out."""

    OUTBOUND = "outbound"
    INBOUND = "inbound"


class Value(enum.StrEnum):
    """What of value the touch delivered: "What. Have you done. For them lately?" """

    NONE = "none"
    INFORMATION = "information"
    INTRODUCTION = "introduction"
    EXTRA_MILE = "extra_mile"
    THANKS = "thanks"


touch_contact = Table(
    "touch_contact",
    Base.metadata,
    Column("touch_id", ForeignKey("touch.id", ondelete="CASCADE"), primary_key=True),
    Column("contact_id", ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True),
)


class Touch(Base):
    """One interaction: who, with whom, how, when, what was said and what value it gave."""

    __tablename__ = "touch"
    __table_args__ = (
        UniqueConstraint("account_id", "external_id"),
        Index("ix_touch_account_id_happened_at", "account_id", "happened_at"),
        CheckConstraint("sentiment BETWEEN -2 AND 2", name="sentiment_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    external_id: Mapped[str | None] = mapped_column(String(100), default=None)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL"), default=None, index=True
    )
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    direction: Mapped[Direction] = mapped_column(
        str_enum(Direction, "direction"), default=Direction.OUTBOUND
    )
    happened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    summary: Mapped[str] = mapped_column(Text, default="")
    value: Mapped[Value] = mapped_column(str_enum(Value, "touch_value"), default=Value.NONE)
    sentiment: Mapped[int] = mapped_column(SmallInteger, default=0)
    quote_id: Mapped[int | None] = mapped_column(
        ForeignKey("quote.id", ondelete="SET NULL"), default=None, index=True
    )
    promise_id: Mapped[int | None] = mapped_column(
        ForeignKey("promise.id", ondelete="SET NULL"), default=None, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    contacts: Mapped[list[Contact]] = relationship(secondary=touch_contact, lazy="selectin")
