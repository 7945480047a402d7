"""Contacts: the people at an account."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from goodwill.db import Base
from goodwill.models.account import PostalAddress
from goodwill.models.types import UtcDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from goodwill.models.account import Account


class Channel(enum.StrEnum):
    """How a touch happened. Richer channels weigh more: call your customers, don't e-mail."""

    CALL = "call"
    VISIT = "visit"
    SIT_DOWN = "sit_down"
    NOTE = "note"
    EMAIL = "email"
    EVENT = "event"
    OTHER = "other"


class Contact(PostalAddress, Base):
    """A person at an account, with what we need to reach them well."""

    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("account_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    external_id: Mapped[str | None] = mapped_column(String(100), default=None)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200), default=None)
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    birthday: Mapped[date | None] = mapped_column(default=None)
    preferred_channel: Mapped[Channel | None] = mapped_column(
        str_enum(Channel, "channel"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    account: Mapped[Account] = relationship(back_populates="contacts", lazy="raise_on_sql")
