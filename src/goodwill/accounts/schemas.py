"""Shapes of an account going out: the overview that the CLI and web pages render."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from goodwill.models import AccountKind, Channel, FactKind, QuoteStatus
from goodwill.promises.schemas import PromiseOut
from goodwill.scoring.schemas import HealthOut
from goodwill.touches.schemas import TouchOut

RecordId = Annotated[int, Field(ge=1, le=2**31 - 1)]
"""The id of a stored record (ids are 32-bit in PostgreSQL)."""


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
    contact_id: int | None = None  # None: about the account itself, not one of its people


class FactIn(BaseModel):
    """A fact to record about an account (or one of its people), learned by a member."""

    account_id: int
    kind: FactKind
    text: str = Field(max_length=4000)
    learned_on: date
    learned_by_id: int | None = None
    period: str | None = Field(default=None, max_length=20)
    contact_id: int | None = None


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


class AddressFields(BaseModel):
    """A postal address as its parts (for note cards and envelopes); country as ISO 3166."""

    address_line1: str | None = Field(default=None, max_length=200)
    address_line2: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    region: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, max_length=60)


class AccountIn(AddressFields):
    """An account to add: its name and, if known, ERP id, kind, tier, phone and owners."""

    name: str = Field(max_length=200)
    external_id: str | None = Field(default=None, max_length=100)
    kind: AccountKind = AccountKind.CUSTOMER
    tier: str = Field(default="C", max_length=20)
    phone: str | None = Field(default=None, max_length=40)
    owner_ids: list[RecordId] = Field(default_factory=list, max_length=50)


class AccountChange(AddressFields):
    """Changes to an account: only the fields given are changed (null clears a field)."""

    name: str | None = Field(default=None, max_length=200)
    external_id: str | None = Field(default=None, max_length=100)
    kind: AccountKind | None = None
    tier: str | None = Field(default=None, max_length=20)
    phone: str | None = Field(default=None, max_length=40)
    owner_ids: list[RecordId] | None = Field(default=None, max_length=50)


class AccountOut(BaseModel):
    """An account's own record: identity, tier, phone, address and owners."""

    id: int
    external_id: str | None
    name: str
    kind: AccountKind
    tier: str
    phone: str | None
    address_line1: str | None
    address_line2: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    country: str | None
    owners: list[MemberRef]
    created_at: datetime
    updated_at: datetime


class OrderOut(BaseModel):
    """One order from the ERP. Amount in minor units (cents)."""

    id: int
    external_id: str
    ordered_on: date
    amount_minor: int
    quantity: int | None
