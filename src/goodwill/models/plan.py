"""The plan for the day: what each member was asked to do, and what became of it.

A plan is made once per member and day and then kept, so it does not reshuffle on every
look; an item leaves it when it is done (by logging the touch it asked for), snoozed to a
later day or dismissed with a reason.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from goodwill.db import Base
from goodwill.models.contact import Channel
from goodwill.models.types import UtcDateTime, str_enum, utcnow


class PlanStatus(enum.StrEnum):
    """Where a plan item stands."""

    OPEN = "open"
    DONE = "done"
    SNOOZED = "snoozed"
    DISMISSED = "dismissed"


class PlanItem(Base):
    """One thing a member was asked to do for an account on a day, and why."""

    __tablename__ = "plan_item"
    __table_args__ = (
        UniqueConstraint("day", "account_id"),  # no account goes to two people on one day
        Index("ix_plan_item_member_id_day", "member_id", "day"),
        Index("ix_plan_item_account_id_rule_status", "account_id", "rule", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    day: Mapped[date]
    position: Mapped[int]
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(60))
    also: Mapped[str] = mapped_column(Text, default="")  # other rules that fired, comma-separated
    title: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(200))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    reason: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    status: Mapped[PlanStatus] = mapped_column(
        str_enum(PlanStatus, "plan_status"), default=PlanStatus.OPEN
    )
    touch_id: Mapped[int | None] = mapped_column(
        ForeignKey("touch.id", ondelete="SET NULL"), default=None
    )
    snoozed_until: Mapped[date | None] = mapped_column(default=None)
    note: Mapped[str] = mapped_column(Text, default="")  # why it was dismissed or snoozed
    settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class PlanDay(Base):
    """That a member's plan of a day was made, even when it came out empty.

    Without it a member with nothing to do would have their plan made again, over the whole
    book of accounts, on every look at Today.
    """

    __tablename__ = "plan_day"
    __audited__ = False  # the plan itself is audited, one event per day

    day: Mapped[date] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True
    )
    made_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
