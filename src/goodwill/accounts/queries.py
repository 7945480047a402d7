"""The SQL for accounts and their overview. Every query is bounded: one per part of the
overview, however many touches, facts or people the account has.

The account page's statements (``*_bound``) are built once, with bound parameters, and
read plain rows from the tables: building a statement, its cache key and the ORM's objects
cost 4-7 times the query itself there (257 against 70 microseconds for the open quotes).
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Date, Select, bindparam, distinct, func, or_, select

from goodwill.models import Account, Fact, Member, Order, Quote, QuoteStatus
from goodwill.models.account import account_owner

_ACCOUNT = Account.__table__.c
_FACT = Fact.__table__.c
_MEMBER = Member.__table__.c
_ORDER = Order.__table__.c
_QUOTE = Quote.__table__.c


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


# --- the account page: built once, bound by account_id --------------------------------------


@cache
def account_bound() -> Select[Any]:
    """The account's own columns."""
    return select(*Account.__table__.c).where(_ACCOUNT.id == bindparam("account_id"))


@cache
def owners_bound() -> Select[Any]:
    """The account's relationship owners (id, name, email), by name."""
    return (
        select(_MEMBER.id, _MEMBER.name, _MEMBER.email)
        .join(account_owner, account_owner.c.member_id == _MEMBER.id)
        .where(account_owner.c.account_id == bindparam("account_id"))
        .order_by(_MEMBER.name, _MEMBER.id)
    )


@cache
def facts_bound() -> Select[Any]:
    """The account's facts (its own and its people's), newest first, with who learned them
    (``learned_by``)."""
    return (
        select(*Fact.__table__.c, _MEMBER.name.label("learned_by"))
        .outerjoin(Member.__table__, _MEMBER.id == _FACT.learned_by_id)
        .where(_FACT.account_id == bindparam("account_id"))
        .order_by(_FACT.learned_on.desc(), _FACT.id.desc())
    )


@cache
def order_totals_bound() -> Select[int, date | None, date | None, int | None, int | None, int]:
    """Count, first and last order day, revenue all time and in the last year (after
    year_ago, up to today), order days."""
    year_ago: BindParameter[date] = bindparam("year_ago", type_=Date())
    today: BindParameter[date] = bindparam("today", type_=Date())
    return select(
        func.count(_ORDER.id),
        func.min(_ORDER.ordered_on),
        func.max(_ORDER.ordered_on),
        func.sum(_ORDER.amount_minor),
        func.sum(_ORDER.amount_minor).filter(
            _ORDER.ordered_on > year_ago, _ORDER.ordered_on <= today
        ),
        func.count(distinct(_ORDER.ordered_on)),
    ).where(_ORDER.account_id == bindparam("account_id"))


def _quotes_with_member() -> Select[Any]:
    return (
        select(*Quote.__table__.c, _MEMBER.name.label("member"))
        .outerjoin(Member.__table__, _MEMBER.id == _QUOTE.member_id)
        .where(_QUOTE.account_id == bindparam("account_id"))
    )


@cache
def open_quotes_bound(limit: int) -> Select[Any]:
    """The account's open quotes, oldest first, with who quoted (``member``)."""
    return (
        _quotes_with_member()
        .where(_QUOTE.status == QuoteStatus.OPEN)
        .order_by(_QUOTE.quoted_on, _QUOTE.id)
        .limit(limit)
    )


@cache
def decided_quotes_bound(limit: int) -> Select[Any]:
    """The account's latest decided quotes (won, lost, expired), newest decision first, with
    who quoted (``member``)."""
    return (
        _quotes_with_member()
        .where(_QUOTE.status != QuoteStatus.OPEN)
        .order_by(func.coalesce(_QUOTE.decided_on, _QUOTE.quoted_on).desc(), _QUOTE.id.desc())
        .limit(limit)
    )


@cache
def recent_orders_bound() -> Select[Any]:
    """The account's latest orders, newest first, as rows (bound: account_id, limit,
    offset)."""
    return (
        select(*Order.__table__.c)
        .where(_ORDER.account_id == bindparam("account_id"))
        .order_by(_ORDER.ordered_on.desc(), _ORDER.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
