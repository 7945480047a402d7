"""Accounts (the businesses we serve or buy from) and their relationship owners."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from goodwill.db import Base
from goodwill.models.types import UtcDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from goodwill.models.contact import Contact
    from goodwill.models.member import Member


class AccountKind(enum.StrEnum):
    """What the business is to us."""

    CUSTOMER = "customer"
    SUPPLIER = "supplier"
    PARTNER = "partner"


# Relationships are "developed, nurtured and maintained by people": an account may have
# several owners, and outcomes are still credited to the team.
account_owner = Table(
    "account_owner",
    Base.metadata,
    Column("account_id", ForeignKey("account.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("member.id", ondelete="CASCADE"), primary_key=True),
)


class PostalAddress:
    """Columns of a postal address (for note cards and envelopes)."""

    address_line1: Mapped[str | None] = mapped_column(String(200), default=None)
    address_line2: Mapped[str | None] = mapped_column(String(200), default=None)
    city: Mapped[str | None] = mapped_column(String(100), default=None)
    region: Mapped[str | None] = mapped_column(String(100), default=None)
    postal_code: Mapped[str | None] = mapped_column(String(20), default=None)
    country: Mapped[str | None] = mapped_column(String(2), default=None)

    def address_lines(self) -> list[str]:
        """The address as the lines of an envelope."""
        return envelope_lines(self)


def envelope_lines(parts: Any) -> list[str]:
    """An address (anything with the address columns, a row or a record) as the lines of an
    envelope."""
    city_line = " ".join(p for p in (parts.city, parts.region, parts.postal_code) if p)
    lines = [parts.address_line1, parts.address_line2, city_line, parts.country]
    return [line for line in lines if line]


class Account(PostalAddress, Base):
    """A business: its identity in the ERP, its tier and who looks after it."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True, default=None)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[AccountKind] = mapped_column(
        str_enum(AccountKind, "account_kind"), default=AccountKind.CUSTOMER
    )
    tier: Mapped[str] = mapped_column(String(20), default="C")
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    owners: Mapped[list[Member]] = relationship(secondary=account_owner, lazy="selectin")
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="account", lazy="raise_on_sql", order_by="Contact.name"
    )
