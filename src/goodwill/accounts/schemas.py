"""Shapes of an account going out: the overview that the CLI and web pages render."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from goodwill.models import AccountKind, Channel, FactKind, QuoteStatus
from goodwill.promises.schemas import PromiseOut
from goodwill.scoring.schemas import HealthOut
from goodwill.touches.schemas import TouchOut


class MemberRef(BaseModel):
    """A team member named in a record."""

    id: int
    name: str
    email: str


class AccountCandidate(BaseModel):
    """An account a name might mean, with how well it matched (0-100)."""

    id: int
    name: str
    external_id: str | None
    score: float


class FactOut(BaseModel):
    """One thing we know, with when and by whom we learned it."""

    id: int
    kind: FactKind
    text: str
    learned_on: date
    learned_by: str | None
    age_days: int
    period: str | None
    stale: bool


class FactGroup(BaseModel):
    """The facts of one kind."""

    kind: FactKind
    facts: list[FactOut]


class PersonOut(BaseModel):
    """A person at the account and what we know about them."""

    id: int
    external_id: str | None
    name: str
    title: str | None
    email: str | None
    phone: str | None
    birthday: date | None
    preferred_channel: Channel | None
    facts: list[FactOut]


class OrdersSummary(BaseModel):
    """How the account buys. Money in minor units (cents) of the configured currency."""

    count: int
    first_on: date | None
    last_on: date | None
    revenue_last_12_months_minor: int
    revenue_all_time_minor: int
    # Over distinct order days: several lines on one day are one purchase occasion.
    average_gap_days: float | None


class QuoteOut(BaseModel):
    """A quote and what became of it. Amount in minor units (cents)."""

    id: int
    external_id: str | None
    quoted_on: date
    amount_minor: int
    status: QuoteStatus
    decided_on: date | None
    member: str | None
    description: str
    age_days: int


class AccountOverview(BaseModel):
    """Everything we know about one account, as of ``today``."""

    today: date
    id: int
    name: str
    external_id: str | None
    kind: AccountKind
    tier: str
    phone: str | None
    address: list[str]
    owners: list[MemberRef]
    people: list[PersonOut]
    facts: list[FactGroup]
    orders: OrdersSummary
    touch_count: int
    last_touch_at: datetime | None
    last_value_at: datetime | None
    touches: list[TouchOut]
    promises_open: list[PromiseOut]
    promises_recent: list[PromiseOut]
    quotes_open: list[QuoteOut]
    quotes_decided: list[QuoteOut]
    # Relationship health of the newest scored week (None until ``goodwill score`` ran),
    # and the health of recent weeks, oldest first.
    health: HealthOut | None = None
    health_history: list[tuple[date, float]] = []
