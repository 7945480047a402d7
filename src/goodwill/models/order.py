"""Orders: what each customer bought and when (the raw material of its buying rhythm).

The table is ``sales_order`` because ``order`` is an SQL keyword.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from goodwill.db import Base
from goodwill.models.types import BigId, UtcDateTime, utcnow


class Order(Base):
    """One order from the ERP; the amount is exact, in minor units (cents)."""

    __tablename__ = "sales_order"
    __table_args__ = (
        # Unique per account, not globally, so the table can later be sharded by account.
        UniqueConstraint("account_id", "external_id"),
        Index("ix_sales_order_account_id_ordered_on", "account_id", "ordered_on"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(100))
    ordered_on: Mapped[date]
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
