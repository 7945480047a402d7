"""Outreach programs: a practice run over many accounts, measured against a randomized holdout.

A program (the essays' daily thank-you note, a week of calls, quote follow-up calls) picks
its eligible accounts once, when it is made, and splits them at random, within value strata,
into *assigned* (put into members' plans, a few a day) and *holdout* (never put in anyone's
plan by the program). What the holdout did over the same window is what the assigned
accounts would have done anyway, so the difference is the program's effect.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from goodwill.db import Base
from goodwill.models.contact import Channel
from goodwill.models.types import UtcDateTime, str_enum, utcnow


class ProgramKind(enum.StrEnum):
    """The practices a program can run."""

    THANK_YOU_NOTE = "thank_you_note"
    CALL_WEEK = "call_week"
    QUOTE_FOLLOW_UP = "quote_follow_up"


class ProgramStatus(enum.StrEnum):
    """Whether a program still puts accounts into plans."""

    ACTIVE = "active"
    STOPPED = "stopped"


class Arm(enum.StrEnum):
    """Which side of the randomized split an account fell on."""

    ASSIGNED = "assigned"
    HOLDOUT = "holdout"


class ResponseKind(enum.StrEnum):
    """What came back from an account after the program reached it (Sid Chadwick's list)."""

    CALLED_BACK = "called_back"
    ORDER_PLACED = "order_placed"
    ORDER_INCREASED = "order_increased"
    NEW_QUOTE = "new_quote"
    NOTHING = "nothing"


OUTCOME_WINDOWS = (30, 60, 90)
"""The outcome windows a program may be measured over, in days."""


class Program(Base):
    """One outreach program: who is eligible, what to do, how many a day, and how to measure it."""

    __tablename__ = "program"
    __table_args__ = (
        CheckConstraint("daily_quota >= 1", name="daily_quota_positive"),
        CheckConstraint(
            "holdout_fraction > 0 AND holdout_fraction < 1", name="holdout_fraction_range"
        ),
        CheckConstraint(f"outcome_window_days IN {OUTCOME_WINDOWS}", name="outcome_window_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[ProgramKind] = mapped_column(str_enum(ProgramKind, "program_kind"))
    # A playbook condition over the accounts' features (see agenda.playbook.FEATURES).
    condition: Mapped[str] = mapped_column(Text)
    recipient_kinds: Mapped[str] = mapped_column(String(60))  # account kinds, comma-separated
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    action: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    daily_quota: Mapped[int] = mapped_column(default=1)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None] = mapped_column(default=None)
    holdout_fraction: Mapped[float] = mapped_column(Float, default=0.10)
    outcome_window_days: Mapped[int] = mapped_column(default=60)
    seed: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[ProgramStatus] = mapped_column(
        str_enum(ProgramStatus, "program_status"), default=ProgramStatus.ACTIVE
    )
    stopped_on: Mapped[date | None] = mapped_column(default=None)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ProgramTarget(Base):
    """One eligible account of a program, the arm it was drawn into, and when it was planned."""

    __tablename__ = "program_target"
    __table_args__ = (
        UniqueConstraint("program_id", "account_id"),
        Index("ix_program_target_program_id_arm", "program_id", "arm"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    arm: Mapped[Arm] = mapped_column(str_enum(Arm, "program_arm"))
    stratum: Mapped[str] = mapped_column(String(10))  # value tier: none, low, mid, high
    # The day the outcome window opens, the same for both arms (the program's start).
    assigned_on: Mapped[date]
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL"), default=None
    )
    planned_on: Mapped[date | None] = mapped_column(default=None)
    plan_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("plan_item.id", ondelete="SET NULL"), default=None, index=True
    )


class ProgramResponse(Base):
    """What an account did after the program reached it, as a member recorded it."""

    __tablename__ = "program_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(
        ForeignKey("program_target.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ResponseKind] = mapped_column(str_enum(ResponseKind, "response_kind"))
    responded_on: Mapped[date] = mapped_column(index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
