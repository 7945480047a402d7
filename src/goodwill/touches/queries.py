"""The SQL for touches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select

from goodwill.models import Member, Quote, Touch, Value


def touches_with_member() -> Select[Touch, str | None]:
    """Touches with the name of the member who made each."""
    return select(Touch, Member.name).outerjoin(Member, Member.id == Touch.member_id)


def recent_touches(account_id: int, limit: int) -> Select[Touch, str | None]:
    """The account's latest touches, newest first."""
    return (
        touches_with_member()
        .where(Touch.account_id == account_id)
        .order_by(Touch.happened_at.desc(), Touch.id.desc())
        .limit(limit)
    )


def touch_totals(account_id: int) -> Select[int, datetime | None, datetime | None]:
    """How many touches, the latest, and the latest that delivered value."""
    return select(
        func.count(Touch.id),
        func.max(Touch.happened_at),
        func.max(Touch.happened_at).filter(Touch.value != Value.NONE),
    ).where(Touch.account_id == account_id)


def quote_by_external_id(account_id: int, external_id: str) -> Select[Quote]:
    """The account's quote with this external id."""
    return select(Quote).where(Quote.account_id == account_id, Quote.external_id == external_id)
