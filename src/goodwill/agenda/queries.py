"""The SQL of the plan for the day: what is planned, excluded, and what to bring.

The statements that every look at Today runs (the ``*_bound`` ones) are built once, with bound
parameters, and read plain rows of table columns: building a statement and the ORM's objects
cost more than the queries (see goodwill.accounts.queries).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Select, and_, bindparam, or_, select

from goodwill.models import (
    Account,
    AccountKind,
    Contact,
    Fact,
    FactKind,
    Member,
    Promise,
    PromiseStatus,
    Quote,
    QuoteStatus,
    Touch,
    Value,
)
from goodwill.models.plan import PlanDay, PlanItem, PlanStatus


def members_without_plan(day: date) -> Select[int]:
    """Active members whose plan of ``day`` was not made yet (no marker, no item)."""
    planned = select(PlanItem.member_id).where(PlanItem.day == day)
    marked = select(PlanDay.member_id).where(PlanDay.day == day)
    return (
        select(Member.id)
        .where(Member.active.is_(True), Member.id.not_in(planned), Member.id.not_in(marked))
        .order_by(Member.id)
    )


def exclusions(day: date, dismissed_since: date) -> Select[int, str, PlanStatus, date]:
    """Items that keep an account (or one rule for it) off the plan of ``day``.

    Anything planned today (for anyone), snoozed past today, or dismissed recently.
    """
    return select(PlanItem.account_id, PlanItem.rule, PlanItem.status, PlanItem.day).where(
        or_(
            PlanItem.day == day,
            and_(PlanItem.status == PlanStatus.SNOOZED, PlanItem.snoozed_until > day),
            and_(PlanItem.status == PlanStatus.DISMISSED, PlanItem.day >= dismissed_since),
        )
    )


@cache
def members_without_plan_bound() -> Select[int]:
    """``members_without_plan`` with the day bound (``day``)."""
    return members_without_plan(bindparam("day", type_=PlanItem.__table__.c.day.type))  # type: ignore[arg-type]


_ITEM = PlanItem.__table__.c
_ACCOUNT = Account.__table__.c
_MEMBER = Member.__table__.c
_ACCOUNTS: BindParameter[Any] = bindparam("account_ids", expanding=True)


def _items_with_names() -> Select[Any]:
    return (
        select(*_ITEM, _ACCOUNT.name.label("account_name"), _MEMBER.name.label("member_name"))
        .join(Account.__table__, _ACCOUNT.id == _ITEM.account_id)
        .join(Member.__table__, _MEMBER.id == _ITEM.member_id)
    )


@cache
def plan_items_bound() -> Select[Any]:
    """A member's items on a day (``member_id``, ``day``), in plan order: rows of the item's
    columns with ``account_name`` and ``member_name``."""
    return (
        _items_with_names()
        .where(_ITEM.member_id == bindparam("member_id"), _ITEM.day == bindparam("day"))
        .order_by(_ITEM.position)
    )


@cache
def plan_item_bound() -> Select[Any]:
    """One item (``item_id``), as a row like ``plan_items_bound``'s."""
    return _items_with_names().where(_ITEM.id == bindparam("item_id"))


@cache
def contacts_bound() -> Select[Any]:
    """The people at these accounts (``account_ids``), as rows of their columns."""
    contact = Contact.__table__.c
    return select(*contact).where(contact.account_id.in_(_ACCOUNTS)).order_by(contact.id)


TALKING_KINDS = (
    FactKind.GOAL,
    FactKind.DRAWING_BOARD,
    FactKind.PLANNED_CHANGE,
    FactKind.FAMILY,
    FactKind.INTEREST,
    FactKind.VALUES,
)


@cache
def talking_facts_bound() -> Select[Any]:
    """What we know about these accounts (``account_ids``) that is worth bringing up, newest
    first: rows of the facts' columns."""
    fact = Fact.__table__.c
    return (
        select(*fact)
        .where(fact.account_id.in_(_ACCOUNTS), fact.kind.in_(TALKING_KINDS))
        .order_by(fact.learned_on.desc(), fact.id.desc())
    )


@cache
def last_value_touches_bound() -> Select[int, datetime, Value, str]:
    """``last_value_touches`` of the accounts bound as ``account_ids``."""
    return last_value_touches(_ACCOUNTS)  # type: ignore[arg-type]


def last_value_touches(
    account_ids: Sequence[int],
) -> Select[int, datetime, Value, str]:
    """Each account's latest touch that delivered something of value (the newest one on a tie):
    account, when, what value and the summary (columns, not touches: no people loaded).

    One backward walk of the (account, happened_at) index per account that stops at the first
    touch of value, instead of grouping every touch of the accounts.
    """
    latest = (
        select(Touch.id)
        .where(Touch.account_id == Account.id, Touch.value != Value.NONE)
        .order_by(Touch.happened_at.desc(), Touch.id.desc())
        .limit(1)
        .correlate(Account)
        .scalar_subquery()
    )
    return select(Touch.account_id, Touch.happened_at, Touch.value, Touch.summary).where(
        Touch.id.in_(select(latest).where(Account.id.in_(account_ids)))
    )


@cache
def open_quotes_bound() -> Select[Any]:
    """Open quotes of the accounts bound as ``account_ids``, oldest first: rows of the columns."""
    quote = Quote.__table__.c
    return (
        select(*quote)
        .where(quote.account_id.in_(_ACCOUNTS), quote.status == QuoteStatus.OPEN)
        .order_by(quote.quoted_on, quote.id)
    )


def unfollowed_quote(account_id: int) -> Select[int]:
    """The account's oldest open quote that no touch has followed up."""
    followed = select(Touch.quote_id).where(
        Touch.account_id == account_id, Touch.quote_id.is_not(None)
    )
    return (
        select(Quote.id)
        .where(
            Quote.account_id == account_id,
            Quote.status == QuoteStatus.OPEN,
            Quote.id.not_in(followed),
        )
        .order_by(Quote.quoted_on, Quote.id)
        .limit(1)
    )


def open_promises_of(account_ids: Sequence[int]) -> Select[Promise]:
    """Open promises to these accounts, soonest due first."""
    return (
        select(Promise)
        .where(Promise.account_id.in_(account_ids), Promise.status == PromiseStatus.OPEN)
        .order_by(Promise.due_on, Promise.id)
    )


@cache
def open_promises_bound() -> Select[Any]:
    """``open_promises_of`` the accounts bound as ``account_ids``, as rows of the columns."""
    promise = Promise.__table__.c
    return (
        select(*promise)
        .where(promise.account_id.in_(_ACCOUNTS), promise.status == PromiseStatus.OPEN)
        .order_by(promise.due_on, promise.id)
    )


@cache
def customers_bound() -> Select[int]:
    """Which of the accounts bound as ``account_ids`` are customers."""
    return select(_ACCOUNT.id).where(
        _ACCOUNT.id.in_(_ACCOUNTS), _ACCOUNT.kind == AccountKind.CUSTOMER
    )
