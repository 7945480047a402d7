"""Shapes of a quote going in and out, and of the hit-ratio report."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel

from goodwill.models import Channel, QuoteStatus


class QuoteIn(BaseModel):
    """A quote to record: to which account, by whom, on which day, for how much (cents)."""

    account_id: int
    member_id: int
    quoted_on: date
    amount_minor: int
    description: str = ""
    external_id: str | None = None


class FollowUpOut(BaseModel):
    """The latest touch that followed a quote up."""

    touch_id: int
    happened_at: datetime
    channel: Channel
    member: str | None


class QuoteDetail(BaseModel):
    """A quote, its account and where it stands. Amount in minor units (cents)."""

    id: int
    external_id: str | None
    account_id: int
    account: str
    member: str | None
    quoted_on: date
    amount_minor: int
    description: str
    status: QuoteStatus
    decided_on: date | None


class OpenQuoteOut(QuoteDetail):
    """An open quote as read on a day: its age and its latest follow-up, if any.

    ``needs_follow_up`` is the playbook's rule: open longer than a week and never followed up.
    """

    age_days: int
    follow_up: FollowUpOut | None
    needs_follow_up: bool


class HitRatioBy(StrEnum):
    """How the hit ratio is grouped."""

    MEMBER = "member"
    TEAM = "team"
    MONTH = "month"


class HitRatioRow(BaseModel):
    """Quotes decided in one group: counts, won amount (cents) and won / decided."""

    key: str
    member_id: int | None = None
    decided: int
    won: int
    lost: int
    expired: int
    won_amount_minor: int
    decided_amount_minor: int
    ratio: float | None


class HitRatioOut(BaseModel):
    """The hit ratio over quotes decided from ``start`` to ``end`` (both included)."""

    by: HitRatioBy
    start: date
    end: date
    rows: list[HitRatioRow]
    total: HitRatioRow
