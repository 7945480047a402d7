"""The SQL for promises."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Row, Select, bindparam, func, select

from goodwill.models import Account, Contact, Member, Promise, PromiseStatus

# A promise's columns with the names of its ``account``, ``contact`` and ``member``: plain
# rows from the tables (no ORM objects), which the account page reads on every look.
PromiseRow = Row[Any]
PromiseSelect = Select[Any]

_P = Promise.__table__.c
_CONTACT = Contact.__table__.alias("promise_contact")
_MEMBER = Member.__table__.alias("promise_member")
_ACCOUNT = Account.__table__


def promises_with_names() -> PromiseSelect:
    """Promises with the names of their account, contact and member."""
    return (
        select(
            *Promise.__table__.c,
            _ACCOUNT.c.name.label("account"),
            _CONTACT.c.name.label("contact"),
            _MEMBER.c.name.label("member"),
        )
        .join(_ACCOUNT, _ACCOUNT.c.id == _P.account_id)
        .outerjoin(_CONTACT, _CONTACT.c.id == _P.contact_id)
        .outerjoin(_MEMBER, _MEMBER.c.id == _P.member_id)
    )


def promise_by_id(promise_id: int) -> PromiseSelect:
    """One promise with its names."""
    return promises_with_names().where(_P.id == promise_id)


def open_promises(
    *,
    account_id: int | None = None,
    member_id: int | None = None,
    due_by: date | None = None,
    due_before: date | None = None,
    limit: int | None = None,
) -> PromiseSelect:
    """Open promises, soonest due first, narrowed as asked."""
    query = promises_with_names().where(_P.status == PromiseStatus.OPEN)
    if account_id is not None:
        query = query.where(_P.account_id == account_id)
    if member_id is not None:
        query = query.where(_P.member_id == member_id)
    if due_by is not None:
        query = query.where(_P.due_on <= due_by)
    if due_before is not None:
        query = query.where(_P.due_on < due_before)
    query = query.order_by(_P.due_on, _P.id)
    return query if limit is None else query.limit(limit)


@cache
def open_promises_bound(limit: int) -> PromiseSelect:
    """:func:`open_promises` of one account (bound: account_id), built once."""
    return open_promises(limit=limit).where(_P.account_id == bindparam("account_id"))


@cache
def closed_promises_bound(limit: int) -> PromiseSelect:
    """The account's latest settled promises (kept, kept late, broken, cancelled), built
    once (bound: account_id)."""
    return (
        promises_with_names()
        .where(_P.account_id == bindparam("account_id"), _P.status != PromiseStatus.OPEN)
        .order_by(func.coalesce(_P.done_on, _P.due_on).desc(), _P.id.desc())
        .limit(limit)
    )
