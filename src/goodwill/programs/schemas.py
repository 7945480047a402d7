"""Shapes of a program going in and out, its targets, responses and measured outcome."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from goodwill.models import AccountKind, Arm, Channel, ProgramKind, ProgramStatus, ResponseKind


class ProgramIn(BaseModel):
    """A program to start: who is eligible, what to do, how many a day, how to measure it.

    Leave ``condition``, ``channel``, ``action`` or ``reason`` out to take the kind's defaults
    (``service.KIND_DEFAULTS``); ``seed`` out to draw one (it is recorded either way).
    """

    name: str = Field(min_length=1, max_length=120)
    kind: ProgramKind
    condition: str | None = Field(default=None, max_length=1000)
    recipient_kinds: list[AccountKind] = Field(default_factory=lambda: [AccountKind.CUSTOMER])
    channel: Channel | None = None
    action: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=500)
    daily_quota: int = Field(default=1, ge=1, le=50)
    starts_on: date
    ends_on: date | None = None
    holdout_fraction: float = Field(default=0.10, gt=0, lt=1)
    outcome_window_days: int = 60
    seed: int | None = Field(default=None, ge=0, lt=2**63)
    created_by_id: int | None = None


class StratumCount(BaseModel):
    """How many accounts of one value tier fell on each side."""

    stratum: str
    assigned: int
    holdout: int


class ProgramOut(BaseModel):
    """A program and where it stands: its targets, how many were planned and done."""

    id: int
    name: str
    kind: ProgramKind
    condition: str
    recipient_kinds: list[AccountKind]
    channel: Channel
    action: str
    reason: str
    daily_quota: int
    starts_on: date
    ends_on: date | None
    holdout_fraction: float
    outcome_window_days: int
    seed: int
    status: ProgramStatus
    stopped_on: date | None
    created_by: str | None
    assigned: int
    holdout: int
    planned: int
    done: int
    responses: int
    strata: list[StratumCount]


class TargetOut(BaseModel):
    """One account of a program: its arm, value tier, and whether it was planned and done."""

    id: int
    program_id: int
    account_id: int
    account: str
    arm: Arm
    stratum: str
    assigned_on: date
    member_id: int | None
    member: str | None
    planned_on: date | None
    plan_item_id: int | None
    done: bool
    responses: list[ResponseKind]


class ResponseOut(BaseModel):
    """A response recorded for a target."""

    id: int
    target_id: int
    program_id: int
    program: str
    account_id: int
    account: str
    kind: ResponseKind
    responded_on: date
    note: str
    member: str | None


class Interval(BaseModel):
    """An estimate with its confidence interval."""

    estimate: float
    low: float
    high: float


class ArmFigures(BaseModel):
    """What one side did within the window: how many, how many ordered, revenue per target."""

    arm: Arm
    targets: int
    ordered: int
    share_ordered: float | None
    revenue_minor: int
    revenue_per_target_minor: int | None


class CurvePoint(BaseModel):
    """Share of each side that had ordered by a day of the window (for the program's chart)."""

    day: int
    assigned: float | None
    holdout: float | None


class OutcomeOut(BaseModel):
    """A program's effect: assigned against holdout over the window, intention to treat.

    ``uplift`` is in shares (0.23 is 23 points) and ``revenue_uplift_minor`` in minor units
    per target; both are None when a side is empty. ``complete`` is False while the window
    is still open; ``too_small`` when a side has fewer than ``outcomes.MIN_GROUP`` targets.
    """

    window_days: int
    window_opens_on: date
    window_closes_on: date
    as_of: date
    complete: bool
    too_small: bool
    significant: bool
    assigned: ArmFigures
    holdout: ArmFigures
    uplift: Interval | None
    revenue_uplift_minor: Interval | None
    curve: list[CurvePoint]
    sentence: str
    caveats: list[str]


class ProgramReport(BaseModel):
    """A program with its measured outcome and the responses recorded, by kind."""

    program: ProgramOut
    outcome: OutcomeOut
    responses_by_kind: dict[ResponseKind, int]
