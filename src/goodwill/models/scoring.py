"""Scoring tables: per-account rollups, the weekly health history and each scoring run.

Rollups are exact as of their ``as_of`` day and stay exact until ``stale_on``, the first day
on which one of their windows (90 days, the 90 before, 12 months, this quarter) drops or
gains a record; scoring on a later day recomputes only the accounts whose ``stale_on`` has
come, so the daily cost follows what changed, not the length of history.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from goodwill.db import Base
from goodwill.models.types import UtcDateTime, utcnow


class AccountRollup(Base):
    """What scoring needs to know about one account, folded from its records as of a day."""

    __tablename__ = "account_rollup"
    __table_args__ = (Index("ix_account_rollup_stale_on", "stale_on"),)

    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    as_of: Mapped[date]
    # The first day this row may differ from a recomputation (9999-12-31: never by itself).
    stale_on: Mapped[date]
    # Orders up to as_of. order_days counts distinct days (one purchase occasion per day);
    # the buying-rhythm model's repeat purchases are order_days - 1.
    first_order_on: Mapped[date | None] = mapped_column(default=None)
    last_order_on: Mapped[date | None] = mapped_column(default=None)
    order_count: Mapped[int] = mapped_column(Integer, default=0)
    order_days: Mapped[int] = mapped_column(Integer, default=0)
    spend_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    first_day_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    revenue_90_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    revenue_prior_90_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    revenue_365_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    # Touches up to the end of as_of (UTC days).
    last_touch_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_call_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_visit_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_sit_down_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_note_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_email_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_value_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    calls_90: Mapped[int] = mapped_column(Integer, default=0)
    visits_90: Mapped[int] = mapped_column(Integer, default=0)
    sit_downs_90: Mapped[int] = mapped_column(Integer, default=0)
    notes_90: Mapped[int] = mapped_column(Integer, default=0)
    emails_90: Mapped[int] = mapped_column(Integer, default=0)
    other_touches_90: Mapped[int] = mapped_column(Integer, default=0)
    # Promises due in the last 12 months (cancelled ones left out) and those kept on time.
    promises_due_365: Mapped[int] = mapped_column(Integer, default=0)
    promises_kept_365: Mapped[int] = mapped_column(Integer, default=0)
    # Quotes given in the last 12 months and decided by as_of; quotes open on as_of that
    # were followed up or are due a follow-up (older than a week), and those followed up.
    quotes_decided_365: Mapped[int] = mapped_column(Integer, default=0)
    quotes_won_365: Mapped[int] = mapped_column(Integer, default=0)
    open_quotes: Mapped[int] = mapped_column(Integer, default=0)
    open_quotes_followed: Mapped[int] = mapped_column(Integer, default=0)
    # Profile: kinds of facts known, kinds learned in the last 12 months, goal asked this quarter.
    fact_kinds: Mapped[int] = mapped_column(Integer, default=0)
    fact_kinds_fresh: Mapped[int] = mapped_column(Integer, default=0)
    goal_this_quarter: Mapped[int] = mapped_column(Integer, default=0)


class HealthWeek(Base):
    """One account's health in one ISO week (re-scoring the week replaces the row).

    The seven component columns are points: they add up to ``health`` (0-100), so every score
    can be explained by the components that gave or withheld the most.
    """

    __tablename__ = "health_week"

    # No foreign key: the rows are derived, written only by scoring for the accounts it has
    # just read, and the per-row check cost PostgreSQL 5 of the 11.4 s of writing a million
    # of them (each check locks the account row). A trigger on account deletes an account's
    # rows with it, as the cascade did (migration 0009).
    account_id: Mapped[int] = mapped_column(primary_key=True)
    week_on: Mapped[date] = mapped_column(primary_key=True, index=True)  # the Monday
    as_of: Mapped[date]
    health: Mapped[float] = mapped_column(Float)
    vitality: Mapped[float] = mapped_column(Float)
    engagement: Mapped[float] = mapped_column(Float)
    richness: Mapped[float] = mapped_column(Float)
    value: Mapped[float] = mapped_column(Float)
    promises: Mapped[float] = mapped_column(Float)
    quotes: Mapped[float] = mapped_column(Float)
    knowledge: Mapped[float] = mapped_column(Float)
    chance_of_buying: Mapped[float] = mapped_column(Float)
    expected_purchases: Mapped[float] = mapped_column(Float)
    value_12_months_minor: Mapped[int] = mapped_column(BigInteger)
    revenue_90_minor: Mapped[int] = mapped_column(BigInteger)
    revenue_prior_90_minor: Mapped[int] = mapped_column(BigInteger)
    revenue_365_minor: Mapped[int] = mapped_column(BigInteger)
    days_since_order: Mapped[int | None] = mapped_column(Integer, default=None)
    days_since_value: Mapped[int | None] = mapped_column(Integer, default=None)
    trend: Mapped[float] = mapped_column(Float)  # health points per week
    arrow: Mapped[str] = mapped_column(String(4))  # up, flat, down
    top: Mapped[bool]
    complacent: Mapped[bool]
    neglected: Mapped[bool]


class ScoringRun(Base):
    """The population figures of one week's scoring: the buying-rhythm and spend fits."""

    __tablename__ = "scoring_run"

    week_on: Mapped[date] = mapped_column(primary_key=True)
    as_of: Mapped[date]
    scored_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    accounts: Mapped[int] = mapped_column(Integer)
    customers_fitted: Mapped[int] = mapped_column(Integer)
    rhythm_r: Mapped[float] = mapped_column(Float)
    rhythm_alpha: Mapped[float] = mapped_column(Float)
    rhythm_a: Mapped[float] = mapped_column(Float)
    rhythm_b: Mapped[float] = mapped_column(Float)
    rhythm_default: Mapped[bool]
    spend_p: Mapped[float] = mapped_column(Float)
    spend_q: Mapped[float] = mapped_column(Float)
    spend_gamma: Mapped[float] = mapped_column(Float)
    spend_default: Mapped[bool]
