"""Shapes of scores going out: health with its reasons, the buying outlook, a scoring run."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class ComponentOut(BaseModel):
    """One health component: the points it gave out of its maximum, and why, in words."""

    name: str
    points: float
    max_points: float
    words: str


class OutlookOut(BaseModel):
    """The customer's buying rhythm as of the score. Money in minor units (cents)."""

    chance_of_buying: float
    window_days: int
    expected_purchases: float
    value_12_months_minor: int
    days_since_order: int | None
    neglected: bool
    neglect_days: int


class HealthOut(BaseModel):
    """An account's health in one week, its direction, flags and reasons."""

    account_id: int
    name: str
    tier: str
    owners: list[str]
    week_on: date
    as_of: date
    health: float
    arrow: str
    trend: float
    top: bool
    complacent: bool
    neglected: bool
    reason: str
    components: list[ComponentOut]
    outlook: OutlookOut
    revenue_90_minor: int
    revenue_prior_90_minor: int
    revenue_365_minor: int


class FitOut(BaseModel):
    """The population buying-rhythm (BG/NBD) and spend (Gamma-Gamma) fits of a run."""

    customers: int
    rhythm_default: bool
    r: float
    alpha_days: float
    a: float
    b: float
    spend_default: bool
    p: float
    q: float
    gamma_minor: float
    note: str


class ScoreReport(BaseModel):
    """What one scoring run did."""

    as_of: date
    week_on: date
    accounts: int
    rollups_recomputed: int
    up: int
    flat: int
    down: int
    complacent: int
    neglected: int
    fit: FitOut
    seconds: float


class TopReport(BaseModel):
    """The top accounts by 12-month revenue, each with health, arrow, flags and reason."""

    as_of: date
    week_on: date
    member: str | None
    fit: FitOut
    accounts: list[HealthOut]
