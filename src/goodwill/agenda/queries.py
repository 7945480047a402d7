"""The SQL of the plan for the day: what is planned, excluded, and what to bring."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Select, and_, or_, select

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


def plan_items(member_id: int, day: date) -> Select[PlanItem, str, str]:
    """A member's items on a day with the account's and member's names, in plan order."""
    return (
        select(PlanItem, Account.name, Member.name)
        .join(Account, Account.id == PlanItem.account_id)
        .join(Member, Member.id == PlanItem.member_id)
        .where(PlanItem.member_id == member_id, PlanItem.day == day)
        .order_by(PlanItem.position)
    )


def plan_item(item_id: int) -> Select[PlanItem, str, str]:
    """One item with its account's and member's names."""
    return (
        select(PlanItem, Account.name, Member.name)
        .join(Account, Account.id == PlanItem.account_id)
        .join(Member, Member.id == PlanItem.member_id)
        .where(PlanItem.id == item_id)
    )


def contacts_of(account_ids: Sequence[int]) -> Select[Contact]:
    """The people at these accounts."""
    return select(Contact).where(Contact.account_id.in_(account_ids)).order_by(Contact.id)


TALKING_KINDS = (
    FactKind.GOAL,
    FactKind.DRAWING_BOARD,
    FactKind.PLANNED_CHANGE,
    FactKind.FAMILY,
    FactKind.INTEREST,
    FactKind.VALUES,
)


def facts_of(account_ids: Sequence[int]) -> Select[Fact]:
    """What we know about these accounts that is worth bringing up, newest first."""
    return (
        select(Fact)
        .where(Fact.account_id.in_(account_ids), Fact.kind.in_(TALKING_KINDS))
        .order_by(Fact.learned_on.desc(), Fact.id.desc())
    )


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


def open_quotes_of(account_ids: Sequence[int]) -> Select[Quote]:
    """Open quotes of these accounts, oldest first."""
    return (
        select(Quote)
        .where(Quote.account_id.in_(account_ids), Quote.status == QuoteStatus.OPEN)
        .order_by(Quote.quoted_on, Quote.id)
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


def customers_among(account_ids: Sequence[int]) -> Select[int]:
    """Which of these accounts are customers."""
    return select(Account.id).where(
        Account.id.in_(account_ids), Account.kind == AccountKind.CUSTOMER
    )
