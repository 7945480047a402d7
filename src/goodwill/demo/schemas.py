"""Shapes of what building the demo world reports."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class TeamMemberOut(BaseModel):
    """Someone on the demo team the user can act as (``goodwill --as EMAIL``)."""

    name: str
    email: str
    role: str
    job: str | None


class LargestAccount(BaseModel):
    """One of the accounts that bought the most in the last twelve months."""

    id: int
    name: str
    external_id: str | None
    tier: str
    owners: list[str]
    orders_12m: int
    revenue_12m_minor: int
    last_order_on: date | None
    days_since_last_touch: int | None
    open_promises: int


class DemoReport(BaseModel):
    """What was built, where, who to act as, and the accounts worth a first look."""

    database: str
    seed: int
    accounts: int
    years: int
    as_of: date
    counts: dict[str, int]
    first_order_on: date | None
    last_order_on: date | None
    team: list[TeamMemberOut]
    largest_accounts: list[LargestAccount]
