"""The SQL behind the demo's report: counts and the largest accounts, all aggregated in SQL.

Every query is bounded: one per part of the report, however many accounts there are.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select, desc, func, select

from goodwill.models import (
    Account,
    Contact,
    Fact,
    Member,
    Order,
    Promise,
    PromiseStatus,
    Quote,
    Touch,
    account_owner,
    touch_contact,
)

COUNTED = {
    "members": Member.__table__,
    "accounts": Account.__table__,
    "contacts": Contact.__table__,
    "facts": Fact.__table__,
    "touches": Touch.__table__,
    "touch_contacts": touch_contact,
    "quotes": Quote.__table__,
    "promises": Promise.__table__,
    "orders": Order.__table__,
}


def record_count(kind: str) -> Select[int]:
    """How many rows of this kind (a key of ``COUNTED``) there are."""
    return select(func.count()).select_from(COUNTED[kind])


def order_range() -> Select[date | None, date | None]:
    """The first and last order day."""
    return select(func.min(Order.ordered_on), func.max(Order.ordered_on))


def largest_accounts(year_ago: date, today: date, limit: int) -> Select[Account, int, int, date]:
    """The accounts with the most revenue in (year_ago, today], with order count and last day."""
    revenue = (
        select(
            Order.account_id,
            func.sum(Order.amount_minor).label("revenue"),
            func.count().label("orders"),
            func.max(Order.ordered_on).label("last_order"),
        )
        .where(Order.ordered_on > year_ago, Order.ordered_on <= today)
        .group_by(Order.account_id)
        .order_by(desc("revenue"), Order.account_id)
        .limit(limit)
        .subquery()
    )
    return (
        select(Account, revenue.c.revenue, revenue.c.orders, revenue.c.last_order)
        .join(revenue, revenue.c.account_id == Account.id)
        .order_by(revenue.c.revenue.desc(), Account.id)
    )


def owner_names(account_ids: list[int]) -> Select[int, str]:
    """(account id, owner's name) of these accounts, by name."""
    return (
        select(account_owner.c.account_id, Member.name)
        .join(Member, Member.id == account_owner.c.member_id)
        .where(account_owner.c.account_id.in_(account_ids))
        .order_by(account_owner.c.account_id, Member.name)
    )


def last_touches(account_ids: list[int]) -> Select[int, datetime]:
    """(account id, moment of its latest touch) of these accounts."""
    return (
        select(Touch.account_id, func.max(Touch.happened_at))
        .where(Touch.account_id.in_(account_ids))
        .group_by(Touch.account_id)
    )


def open_promise_counts(account_ids: list[int]) -> Select[int, int]:
    """(account id, open promises) of these accounts."""
    return (
        select(Promise.account_id, func.count())
        .where(Promise.account_id.in_(account_ids), Promise.status == PromiseStatus.OPEN)
        .group_by(Promise.account_id)
    )


def team() -> Select[Member]:
    """Every active member, in the order they joined."""
    return select(Member).where(Member.active.is_(True)).order_by(Member.id)
