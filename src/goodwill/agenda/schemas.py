"""Shapes of the plan for the day going out."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from goodwill.models import Channel
from goodwill.models.plan import PlanStatus


class Reach(BaseModel):
    """The best person to reach at the account, and how."""

    contact_id: int
    name: str
    title: str | None
    channel: Channel
    phone: str | None
    email: str | None


class PlanItemOut(BaseModel):
    """One item of a member's plan: who, why (with the evidence), how, what to bring."""

    id: int
    member_id: int
    member: str
    day: date
    position: int
    account_id: int
    account: str
    rule: str
    title: str
    action: str
    channel: Channel
    reason: str
    also: list[str]
    status: PlanStatus
    note: str
    snoozed_until: date | None
    touch_id: int | None
    reach: Reach | None
    talking_points: list[str]


class DayPlan(BaseModel):
    """A member's plan for a day, and how far they got."""

    member_id: int
    member: str
    day: date
    items: list[PlanItemOut]
    done: int
    open: int
    customer_act_done: bool
