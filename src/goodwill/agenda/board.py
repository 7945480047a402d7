"""The team board: each member's daily acts, their streaks, and what the acts brought.

A day's act is a plan item done (by logging the touch it asked for); an act *for a
customer* is one done on a customer account, the daily act the essays ask of everyone.
A streak is the run of consecutive planned days, back from today, on which the member did
an act for a customer. A day with no plan (a day off, a weekend without plans) neither
breaks nor lengthens it, and today breaks it only once it is over, so a streak does not
read as broken at nine in the morning.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session

from goodwill.errors import Invalid
from goodwill.models import Account, AccountKind, Member, Touch, Value
from goodwill.models.plan import PlanItem, PlanStatus

STREAK_WINDOW_DAYS = 180
"""How far back a streak is followed (a longer one shows as at least this long)."""


class BoardDay(BaseModel):
    """One member's plan on one day: items planned, done, done for a customer, with value."""

    day: date
    planned: int = 0
    done: int = 0
    customer_acts: int = 0
    value_acts: int = 0


class MemberBoard(BaseModel):
    """One member's row on the board over the period, oldest day first."""

    member_id: int
    name: str
    days: list[BoardDay]
    streak: int
    streak_capped: bool
    planned_days: int
    act_days: int
    done: int
    value_acts: int
    touches: int
    value_touches: int


class TeamBoard(BaseModel):
    """The board from ``start`` to ``end`` (today) for every active member."""

    start: date
    end: date
    days: list[date]
    members: list[MemberBoard]


def _sum(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def day_counts(start: date, end: date) -> Select[Any]:
    """Per member and day from ``start`` to ``end``: items planned, done, done for a customer,
    and done with a touch that delivered value."""
    done = PlanItem.status == PlanStatus.DONE
    return (
        select(
            PlanItem.member_id,
            PlanItem.day,
            func.count(PlanItem.id),
            _sum(done),
            _sum(and_(done, Account.kind == AccountKind.CUSTOMER)),
            _sum(and_(done, Touch.value != Value.NONE)),
        )
        .join(Account, Account.id == PlanItem.account_id)
        .outerjoin(Touch, Touch.id == PlanItem.touch_id)
        .where(PlanItem.day >= start, PlanItem.day <= end)
        .group_by(PlanItem.member_id, PlanItem.day)
    )


def touch_counts(since: datetime, until: datetime) -> Select[Any]:
    """Per member: touches logged in the period (from plans or not), and those that gave value."""
    return (
        select(Touch.member_id, func.count(Touch.id), _sum(Touch.value != Value.NONE))
        .where(Touch.happened_at >= since, Touch.happened_at < until, Touch.member_id.is_not(None))
        .group_by(Touch.member_id)
    )


def active_members() -> Select[int, str]:
    """Active members by name."""
    return (
        select(Member.id, Member.name)
        .where(Member.active.is_(True))
        .order_by(Member.name, Member.id)
    )


def streak_of(days: dict[date, BoardDay], today: date, oldest: date) -> tuple[int, bool]:
    """Consecutive planned days with a customer act, back from today (see the module)."""
    run = 0
    day = today
    while day >= oldest:
        found = days.get(day)
        if found is not None and found.planned:
            if found.customer_acts:
                run += 1
            elif day != today:
                return run, False
        day -= timedelta(days=1)
    first = days.get(oldest)
    return run, first is not None and first.customer_acts > 0


def team_board(session: Session, today: date, days: int = 14) -> TeamBoard:
    """Every active member's daily acts over the last ``days`` days, streaks and outcomes."""
    if not 1 <= days <= 90:
        raise Invalid(f"the board shows 1 to 90 days, not {days}")
    start = today - timedelta(days=days - 1)
    oldest = today - timedelta(days=STREAK_WINDOW_DAYS - 1)
    per_member: dict[int, dict[date, BoardDay]] = defaultdict(dict)
    for member_id, day, planned, done, customer, value in session.execute(
        day_counts(oldest, today)
    ):
        per_member[member_id][day] = BoardDay(
            day=day,
            planned=int(planned),
            done=int(done),
            customer_acts=int(customer),
            value_acts=int(value),
        )
    since = datetime.combine(start, time(), tzinfo=UTC)
    until = datetime.combine(today + timedelta(days=1), time(), tzinfo=UTC)
    touches = {
        member_id: (int(n), int(v))
        for member_id, n, v in session.execute(touch_counts(since, until))
    }
    shown = [start + timedelta(days=i) for i in range(days)]
    members = []
    for member_id, name in session.execute(active_members()):
        mine = per_member.get(member_id, {})
        row = [mine.get(d) or BoardDay(day=d) for d in shown]
        streak, capped = streak_of(mine, today, oldest)
        logged, valued = touches.get(member_id, (0, 0))
        members.append(
            MemberBoard(
                member_id=member_id,
                name=name,
                days=row,
                streak=streak,
                streak_capped=capped and streak > 0,
                planned_days=sum(1 for d in row if d.planned),
                act_days=sum(1 for d in row if d.customer_acts),
                done=sum(d.done for d in row),
                value_acts=sum(d.value_acts for d in row),
                touches=logged,
                value_touches=valued,
            )
        )
    return TeamBoard(start=start, end=today, days=shown, members=members)
