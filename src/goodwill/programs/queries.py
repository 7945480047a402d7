"""The SQL of programs: their targets, counts, responses, the orders in the window."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import aliased

from goodwill.models import (
    Account,
    Arm,
    Channel,
    Member,
    Order,
    PlanItem,
    PlanStatus,
    Program,
    ProgramResponse,
    ProgramStatus,
    ProgramTarget,
    ResponseKind,
)
from goodwill.models.program import OUTCOME_WINDOWS


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def program_counts(program_ids: Sequence[int]) -> Select[Any]:
    """Per program: assigned, held out, planned, and done (the plan item was done)."""
    return (
        select(
            ProgramTarget.program_id,
            _count(ProgramTarget.arm == Arm.ASSIGNED),
            _count(ProgramTarget.arm == Arm.HOLDOUT),
            _count(ProgramTarget.plan_item_id.is_not(None)),
            _count(PlanItem.status == PlanStatus.DONE),
        )
        .outerjoin(PlanItem, PlanItem.id == ProgramTarget.plan_item_id)
        .where(ProgramTarget.program_id.in_(program_ids))
        .group_by(ProgramTarget.program_id)
    )


def response_counts(program_ids: Sequence[int]) -> Select[int, ResponseKind, int]:
    """Per program and response kind: how many responses were recorded."""
    return (
        select(ProgramTarget.program_id, ProgramResponse.kind, func.count())
        .join(ProgramTarget, ProgramTarget.id == ProgramResponse.target_id)
        .where(ProgramTarget.program_id.in_(program_ids))
        .group_by(ProgramTarget.program_id, ProgramResponse.kind)
    )


def strata_counts(program_id: int) -> Select[Any]:
    """Per value tier: assigned and held out."""
    return (
        select(
            ProgramTarget.stratum,
            _count(ProgramTarget.arm == Arm.ASSIGNED),
            _count(ProgramTarget.arm == Arm.HOLDOUT),
        )
        .where(ProgramTarget.program_id == program_id)
        .group_by(ProgramTarget.stratum)
    )


def programs_with_creator() -> Select[Program, str | None]:
    """Programs with the name of the member who made them, newest first."""
    creator = aliased(Member)
    return (
        select(Program, creator.name)
        .outerjoin(creator, creator.id == Program.created_by_id)
        .order_by(Program.starts_on.desc(), Program.id.desc())
    )


def programs_named(name: str) -> Select[Program]:
    """Programs whose name is ``name`` in any case."""
    return select(Program).where(func.lower(Program.name) == name.lower())


def targets(
    program_id: int,
    arm: Arm | None,
    limit: int | None,
    *,
    member_id: int | None = None,
    offset: int = 0,
) -> Select[ProgramTarget, str, str, PlanStatus]:
    """A program's targets in planning order, with account, member and plan item status."""
    query = (
        select(ProgramTarget, Account.name, Member.name, PlanItem.status)
        .join(Account, Account.id == ProgramTarget.account_id)
        .outerjoin(Member, Member.id == ProgramTarget.member_id)
        .outerjoin(PlanItem, PlanItem.id == ProgramTarget.plan_item_id)
        .where(ProgramTarget.program_id == program_id)
        .order_by(ProgramTarget.id)
    )
    if arm is not None:
        query = query.where(ProgramTarget.arm == arm)
    if member_id is not None:
        query = query.where(ProgramTarget.member_id == member_id)
    if offset:
        query = query.offset(offset)
    return query if limit is None else query.limit(limit)


def target_total(program_id: int, arm: Arm | None, member_id: int | None) -> Select[int]:
    """How many targets ``targets`` lists without a limit."""
    query = select(func.count()).select_from(ProgramTarget)
    query = query.where(ProgramTarget.program_id == program_id)
    if arm is not None:
        query = query.where(ProgramTarget.arm == arm)
    if member_id is not None:
        query = query.where(ProgramTarget.member_id == member_id)
    return query


def responses_of_targets(target_ids: Sequence[int]) -> Select[int, ResponseKind]:
    """The kinds of response recorded per target."""
    return (
        select(ProgramResponse.target_id, ProgramResponse.kind)
        .where(ProgramResponse.target_id.in_(target_ids))
        .order_by(ProgramResponse.responded_on, ProgramResponse.id)
    )


def responses(
    *, response_id: int | None = None, start: date | None = None, end: date | None = None
) -> Select[ProgramResponse, ProgramTarget, str, str, str]:
    """Responses with their program, account and member names, oldest first."""
    query = (
        select(ProgramResponse, ProgramTarget, Program.name, Account.name, Member.name)
        .join(ProgramTarget, ProgramTarget.id == ProgramResponse.target_id)
        .join(Program, Program.id == ProgramTarget.program_id)
        .join(Account, Account.id == ProgramTarget.account_id)
        .outerjoin(Member, Member.id == ProgramResponse.member_id)
        .order_by(ProgramResponse.responded_on, ProgramResponse.id)
    )
    if response_id is not None:
        query = query.where(ProgramResponse.id == response_id)
    if start is not None:
        query = query.where(ProgramResponse.responded_on >= start)
    if end is not None:
        query = query.where(ProgramResponse.responded_on <= end)
    return query


def window_orders(program_id: int, opens_on: date, until: date) -> Select[int, Arm, date, int]:
    """Per target: arm, first order day and revenue (minor units), after ``opens_on`` to ``until``.

    The window is the same for both arms, so the comparison is fair.
    """
    return (
        select(
            ProgramTarget.id,
            ProgramTarget.arm,
            func.min(Order.ordered_on),
            func.coalesce(func.sum(Order.amount_minor), 0),
        )
        .outerjoin(
            Order,
            and_(
                Order.account_id == ProgramTarget.account_id,
                Order.ordered_on > opens_on,
                Order.ordered_on <= until,
            ),
        )
        .where(ProgramTarget.program_id == program_id)
        .group_by(ProgramTarget.id, ProgramTarget.arm)
    )


def windows_orders(
    windows: Sequence[tuple[int, date, date]],
) -> Select[int, int, Arm, date, int]:
    """``window_orders`` of several programs at once, each over its own window.

    ``windows`` holds (program id, opens on, until); one statement however many programs,
    so a list of programs with their uplift costs the same few queries.
    """
    within = or_(
        *(
            and_(
                ProgramTarget.program_id == program_id,
                Order.ordered_on > opens_on,
                Order.ordered_on <= until,
            )
            for program_id, opens_on, until in windows
        )
    )
    return (
        select(
            ProgramTarget.program_id,
            ProgramTarget.id,
            ProgramTarget.arm,
            func.min(Order.ordered_on),
            func.coalesce(func.sum(Order.amount_minor), 0),
        )
        .outerjoin(Order, and_(Order.account_id == ProgramTarget.account_id, within))
        .where(ProgramTarget.program_id.in_([w[0] for w in windows]))
        .group_by(ProgramTarget.program_id, ProgramTarget.id, ProgramTarget.arm)
    )


def plannable_targets(day: date) -> Select[int, int, int]:
    """Assigned targets of programs running on ``day`` that wait for a plan, in draw order.

    A target waits when it was never planned, or its item was left open on an earlier day,
    or it was snoozed to a day that has come; done and dismissed items settle it.
    """
    item = aliased(PlanItem)
    return (
        select(ProgramTarget.id, ProgramTarget.program_id, ProgramTarget.account_id)
        .join(Program, Program.id == ProgramTarget.program_id)
        .outerjoin(item, item.id == ProgramTarget.plan_item_id)
        .where(
            running_on(day),
            ProgramTarget.arm == Arm.ASSIGNED,
            or_(
                ProgramTarget.plan_item_id.is_(None),
                and_(item.status == PlanStatus.OPEN, item.day < day),
                and_(item.status == PlanStatus.SNOOZED, item.snoozed_until <= day),
            ),
        )
        .order_by(ProgramTarget.program_id, ProgramTarget.id)
    )


def recent_holdouts(day: date) -> Select[int, Channel, date, int, bool]:
    """Held-out accounts of programs that may still be measured on ``day``, with the program's
    channel, start, outcome window and whether it runs on the day (``today.held_out``
    decides which count)."""
    return (
        select(
            ProgramTarget.account_id,
            Program.channel,
            Program.starts_on,
            Program.outcome_window_days,
            running_on(day).label("running"),
        )
        .join(Program, Program.id == ProgramTarget.program_id)
        .where(
            ProgramTarget.arm == Arm.HOLDOUT,
            Program.starts_on <= day,
            or_(
                Program.status == ProgramStatus.ACTIVE,
                Program.starts_on >= day - timedelta(days=max(OUTCOME_WINDOWS)),
            ),
        )
    )


def running_on(day: date) -> ColumnElement[bool]:
    """Whether a program puts accounts into plans on ``day``: active, begun and not ended."""
    return and_(
        Program.status == ProgramStatus.ACTIVE,
        Program.starts_on <= day,
        or_(Program.ends_on.is_(None), Program.ends_on >= day),
    )


def running_programs(day: date) -> Select[Program]:
    """Programs that put accounts into plans on ``day``."""
    return select(Program).where(running_on(day)).order_by(Program.id)


def plan_items_on(day: date, account_ids: Sequence[int]) -> Select[int, int]:
    """The plan items of these accounts on ``day`` (at most one each)."""
    return select(PlanItem.id, PlanItem.account_id).where(
        PlanItem.day == day, PlanItem.account_id.in_(account_ids)
    )
