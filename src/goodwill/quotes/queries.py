"""The SQL for quotes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, extract, func, select
from sqlalchemy.orm import QueryableAttribute, aliased

from goodwill.models import Account, Channel, Member, Quote, QuoteStatus, Touch

QuoteRow = tuple[Quote, str, str | None]
Key = ColumnElement[Any] | QueryableAttribute[Any]
"""A column a count is grouped by."""


# Made once (an alias costs about a millisecond to build, on every page that lists quotes).
_QUOTED_BY = aliased(Member)
_FOLLOWED_BY = aliased(Member)


def quote_with_names(quote_id: int) -> Select[Quote, str, str | None]:
    """One quote with the names of its account and member."""
    return (
        select(Quote, Account.name, Member.name)
        .join(Account, Account.id == Quote.account_id)
        .outerjoin(Member, Member.id == Quote.member_id)
        .where(Quote.id == quote_id)
    )


def quote_by_external_id(account_id: int, external_id: str) -> Select[Quote]:
    """The account's quote with this external id."""
    return select(Quote).where(Quote.account_id == account_id, Quote.external_id == external_id)


def open_quotes(
    today: date,
    follow_ups_before: datetime,
    *,
    member_id: int | None = None,
    account_id: int | None = None,
    limit: int | None = None,
) -> Select[Quote, str, str | None, int | None, datetime | None, Channel | None, str | None]:
    """Open quotes made by ``today``, oldest first, each with its latest follow-up touch.

    Only touches before ``follow_ups_before`` count, so a day in the past reads as it was.
    """
    wanted = [Quote.status == QuoteStatus.OPEN, Quote.quoted_on <= today]
    if member_id is not None:
        wanted.append(Quote.member_id == member_id)
    if account_id is not None:
        wanted.append(Quote.account_id == account_id)
    # Rank only the touches of the quotes listed, latest first, and keep the first of each.
    ranked = (
        select(
            Touch.quote_id,
            Touch.id,
            Touch.happened_at,
            Touch.channel,
            Touch.member_id,
            func.row_number()
            .over(
                partition_by=Touch.quote_id,
                order_by=(Touch.happened_at.desc(), Touch.id.desc()),
            )
            .label("rank"),
        )
        .where(
            Touch.quote_id.in_(select(Quote.id).where(*wanted)),
            Touch.happened_at < follow_ups_before,
        )
        .subquery("follow_up")
    )
    quoted_by, followed_by = _QUOTED_BY, _FOLLOWED_BY
    query = (
        select(
            Quote,
            Account.name,
            quoted_by.name,
            ranked.c.id,
            ranked.c.happened_at,
            ranked.c.channel,
            followed_by.name,
        )
        .join(Account, Account.id == Quote.account_id)
        .outerjoin(quoted_by, quoted_by.id == Quote.member_id)
        .outerjoin(ranked, and_(ranked.c.quote_id == Quote.id, ranked.c.rank == 1))
        .outerjoin(followed_by, followed_by.id == ranked.c.member_id)
        .where(*wanted)
        .order_by(Quote.quoted_on, Quote.id)
    )
    return query if limit is None else query.limit(limit)


def decided_on() -> ColumnElement[date]:
    """The day a quote was decided (its quote day if an import left the decision day out)."""
    return func.coalesce(Quote.decided_on, Quote.quoted_on)


def _count(status: QuoteStatus) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((Quote.status == status, 1), else_=0)), 0)


def hit_counts(start: date, end: date, keys: Sequence[Key]) -> Select[Any]:
    """Quotes decided from ``start`` to ``end``, counted per group of ``keys``.

    Columns: the keys, then won, lost, expired, won amount and decided amount (cents).
    """
    won_amount = func.sum(case((Quote.status == QuoteStatus.WON, Quote.amount_minor), else_=0))
    query = (
        select(
            *keys,
            _count(QuoteStatus.WON),
            _count(QuoteStatus.LOST),
            _count(QuoteStatus.EXPIRED),
            func.coalesce(won_amount, 0),
            func.coalesce(func.sum(Quote.amount_minor), 0),
        )
        .select_from(Quote)
        .where(Quote.status != QuoteStatus.OPEN, decided_on() >= start, decided_on() <= end)
    )
    return query.group_by(*keys) if keys else query


def hit_counts_by_member(start: date, end: date) -> Select[Any]:
    """Hit counts per member who made the quote (no member: the quote's maker was removed)."""
    keys: list[Key] = [Quote.member_id, Member.name]
    return hit_counts(start, end, keys).outerjoin(Member, Member.id == Quote.member_id)


def hit_counts_by_month(start: date, end: date) -> Select[Any]:
    """Hit counts per calendar month of the decision."""
    year = extract("year", decided_on()).label("year")
    month = extract("month", decided_on()).label("month")
    return hit_counts(start, end, [year, month])


def hit_counts_for_team(start: date, end: date) -> Select[Any]:
    """Hit counts over the whole team: one row."""
    return hit_counts(start, end, [])
