"""The SQL for accounts and their overview. Every query is bounded: one per part of the
overview, however many touches, facts or people the account has."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, distinct, func, or_, select

from goodwill.models import Account, Fact, Member, Order, Quote, QuoteStatus


def accounts_named(text: str) -> Select[Account]:
    """Accounts whose name or external id is exactly this text, ignoring case."""
    wanted = text.strip().lower()
    return (
        select(Account)
        .where(or_(func.lower(Account.name) == wanted, func.lower(Account.external_id) == wanted))
        .order_by(Account.name, Account.id)
    )


def account_names() -> Select[int, str, str | None]:
    """Every account's id, name and external id (for fuzzy matching)."""
    return select(Account.id, Account.name, Account.external_id)


def accounts_by_id(ids: list[int]) -> Select[Account]:
    """These accounts."""
    return select(Account).where(Account.id.in_(ids))


def facts_of(account_id: int) -> Select[Fact, str | None]:
    """The account's facts (its own and its people's), newest first, with who learned them."""
    return (
        select(Fact, Member.name)
        .outerjoin(Member, Member.id == Fact.learned_by_id)
        .where(Fact.account_id == account_id)
        .order_by(Fact.learned_on.desc(), Fact.id.desc())
    )


def order_totals(
    account_id: int, year_ago: date, today: date
) -> Select[int, date | None, date | None, int | None, int | None, int]:
    """Count, first and last order day, revenue all time and in the last year, order days."""
    return select(
        func.count(Order.id),
        func.min(Order.ordered_on),
        func.max(Order.ordered_on),
        func.sum(Order.amount_minor),
        func.sum(Order.amount_minor).filter(Order.ordered_on > year_ago, Order.ordered_on <= today),
        func.count(distinct(Order.ordered_on)),
    ).where(Order.account_id == account_id)


def open_quotes(account_id: int, limit: int) -> Select[Quote, str | None]:
    """The account's open quotes, oldest first, with who quoted."""
    return (
        select(Quote, Member.name)
        .outerjoin(Member, Member.id == Quote.member_id)
        .where(Quote.account_id == account_id, Quote.status == QuoteStatus.OPEN)
        .order_by(Quote.quoted_on, Quote.id)
        .limit(limit)
    )


def decided_quotes(account_id: int, limit: int) -> Select[Quote, str | None]:
    """The account's latest decided quotes (won, lost, expired), newest decision first."""
    return (
        select(Quote, Member.name)
        .outerjoin(Member, Member.id == Quote.member_id)
        .where(Quote.account_id == account_id, Quote.status != QuoteStatus.OPEN)
        .order_by(func.coalesce(Quote.decided_on, Quote.quoted_on).desc(), Quote.id.desc())
        .limit(limit)
    )


def recent_orders(account_id: int, limit: int) -> Select[Order]:
    """The account's latest orders, newest first."""
    return (
        select(Order)
        .where(Order.account_id == account_id)
        .order_by(Order.ordered_on.desc(), Order.id.desc())
        .limit(limit)
    )
