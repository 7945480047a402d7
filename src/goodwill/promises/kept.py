"""Promises kept on time: the trust figure, per member and per account over a period."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, and_, case, func, not_, select
from sqlalchemy.orm import QueryableAttribute, Session

from goodwill.errors import Invalid
from goodwill.models import Account, Member, Promise, PromiseStatus

Key = ColumnElement[Any] | QueryableAttribute[Any]
"""A column a count is grouped by."""


class KeptBy(StrEnum):
    """How the kept-on-time ratio is grouped."""

    MEMBER = "member"
    ACCOUNT = "account"


class KeptRatioRow(BaseModel):
    """Promises due in the period for one member or account, by outcome.

    ``settled`` is kept + kept late + broken and ``ratio`` is kept / settled (None when
    nothing was settled); ``overdue`` counts promises still open past their due date.
    """

    key: str
    id: int | None
    kept: int
    kept_late: int
    broken: int
    settled: int
    overdue: int
    ratio: float | None


class KeptRatioOut(BaseModel):
    """The kept-on-time ratio over promises due from ``start`` to ``end``, as of ``today``."""

    by: KeptBy
    start: date
    end: date
    today: date
    rows: list[KeptRatioRow]
    total: KeptRatioRow


def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def kept_counts(start: date, end: date, today: date, keys: Sequence[Key]) -> Select[Any]:
    """Promises due from ``start`` to ``end``, counted per group of ``keys``.

    Columns: the keys, then kept, kept late, broken, and open past due as of ``today``.
    """
    overdue = and_(Promise.status == PromiseStatus.OPEN, Promise.due_on < today)
    query = (
        select(
            *keys,
            _count(Promise.status == PromiseStatus.KEPT),
            _count(Promise.status == PromiseStatus.KEPT_LATE),
            _count(Promise.status == PromiseStatus.BROKEN),
            _count(overdue),
        )
        .select_from(Promise)
        .where(
            Promise.due_on >= start,
            Promise.due_on <= end,
            Promise.status != PromiseStatus.CANCELLED,
            # An open promise not yet due has no outcome to count.
            not_(and_(Promise.status == PromiseStatus.OPEN, Promise.due_on >= today)),
        )
    )
    return query.group_by(*keys) if keys else query


def _row(key: str, key_id: int | None, counts: Sequence[Any]) -> KeptRatioRow:
    kept, kept_late, broken, overdue = (int(n) for n in counts)
    settled = kept + kept_late + broken
    return KeptRatioRow(
        key=key,
        id=key_id,
        kept=kept,
        kept_late=kept_late,
        broken=broken,
        settled=settled,
        overdue=overdue,
        ratio=kept / settled if settled else None,
    )


def kept_ratio(session: Session, start: date, end: date, today: date, by: KeptBy) -> KeptRatioOut:
    """Promises kept on time / (kept + kept late + broken) over promises due in a period.

    A promise counts in the period it was due, so the figure asks "of what we owed then,
    how much came on time". Kept late counts against the ratio with broken ones: to the
    customer a late promise already made them work to be our customer. Promises still open
    past their due date have no outcome yet, so they stay out of the ratio but are counted
    in ``overdue`` beside it, where they cannot hide; a promise cancelled because the
    customer no longer wanted it was neither kept nor broken, so it is left out.
    """
    if end < start:
        raise Invalid(f"the period ends ({end}) before it starts ({start})")
    total = _row("all", None, session.execute(kept_counts(start, end, today, [])).one())
    rows: list[KeptRatioRow] = []
    if by == KeptBy.MEMBER:
        query = kept_counts(start, end, today, [Promise.member_id, Member.name]).outerjoin(
            Member, Member.id == Promise.member_id
        )
        for member_id, name, *counts in session.execute(query):
            rows.append(_row(name or "(no member)", member_id, counts))
        rows.sort(key=lambda row: (row.id is None, row.key.lower(), row.id or 0))
    else:
        query = kept_counts(start, end, today, [Promise.account_id, Account.name]).join(
            Account, Account.id == Promise.account_id
        )
        rows = [
            _row(name, account_id, counts) for account_id, name, *counts in session.execute(query)
        ]
        rows.sort(key=lambda row: (row.key.lower(), row.id or 0))
    return KeptRatioOut(by=by, start=start, end=end, today=today, rows=rows, total=total)
