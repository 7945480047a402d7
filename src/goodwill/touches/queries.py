"""The SQL for touches."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select

from goodwill.models import Contact, Member, Quote, Touch, Value
from goodwill.models.touch import touch_contact


def quote_by_external_id(account_id: int, external_id: str) -> Select[Quote]:
    """The account's quote with this external id."""
    return select(Quote).where(Quote.account_id == account_id, Quote.external_id == external_id)


# Built once, bound by account_id (and limit, offset): the account page reads these on
# every look, where building a statement and the ORM's objects cost more than the query.


@cache
def touch_totals_bound() -> Select[int, datetime | None, datetime | None]:
    """How many touches, the latest, and the latest that delivered value."""
    t = Touch.__table__.c
    return select(
        func.count(t.id),
        func.max(t.happened_at),
        func.max(t.happened_at).filter(t.value != Value.NONE),
    ).where(t.account_id == bindparam("account_id"))


@cache
def recent_touches_bound() -> Select[Any]:
    """The account's touches, newest first, as rows with ``member`` (bound: account_id,
    limit, offset)."""
    t, m = Touch.__table__.c, Member.__table__.c
    return (
        select(*Touch.__table__.c, m.name.label("member"))
        .outerjoin(Member.__table__, m.id == t.member_id)
        .where(t.account_id == bindparam("account_id"))
        .order_by(t.happened_at.desc(), t.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


@cache
def touch_people_bound() -> Select[int, str]:
    """(touch id, contact name) of these touches (bound, expanding: touch_ids)."""
    c = Contact.__table__.c
    return (
        select(touch_contact.c.touch_id, c.name)
        .join(Contact.__table__, c.id == touch_contact.c.contact_id)
        .where(touch_contact.c.touch_id.in_(bindparam("touch_ids", expanding=True)))
    )
