"""The SQL for promises."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from goodwill.models import Account, Contact, Member, Promise, PromiseStatus

PromiseRow = tuple[Promise, str, str | None, str | None]
PromiseSelect = Select[Promise, str, str | None, str | None]


# Made once: building an alias costs about a millisecond, more than the account page's
# promise queries themselves.
_CONTACT = aliased(Contact)
_MEMBER = aliased(Member)


def promises_with_names() -> PromiseSelect:
    """Promises with the names of their account, contact and member."""
    return (
        select(Promise, Account.name, _CONTACT.name, _MEMBER.name)
        .join(Account, Account.id == Promise.account_id)
        .outerjoin(_CONTACT, _CONTACT.id == Promise.contact_id)
        .outerjoin(_MEMBER, _MEMBER.id == Promise.member_id)
    )


def promise_by_id(promise_id: int) -> PromiseSelect:
    """One promise with its names."""
    return promises_with_names().where(Promise.id == promise_id)


def open_promises(
    *,
    account_id: int | None = None,
    member_id: int | None = None,
    due_by: date | None = None,
    due_before: date | None = None,
    limit: int | None = None,
) -> PromiseSelect:
    """Open promises, soonest due first, narrowed as asked."""
    query = promises_with_names().where(Promise.status == PromiseStatus.OPEN)
    if account_id is not None:
        query = query.where(Promise.account_id == account_id)
    if member_id is not None:
        query = query.where(Promise.member_id == member_id)
    if due_by is not None:
        query = query.where(Promise.due_on <= due_by)
    if due_before is not None:
        query = query.where(Promise.due_on < due_before)
    query = query.order_by(Promise.due_on, Promise.id)
    return query if limit is None else query.limit(limit)


def closed_promises(account_id: int, limit: int) -> PromiseSelect:
    """The account's latest settled promises (kept, kept late, broken, cancelled)."""
    return (
        promises_with_names()
        .where(Promise.account_id == account_id, Promise.status != PromiseStatus.OPEN)
        .order_by(func.coalesce(Promise.done_on, Promise.due_on).desc(), Promise.id.desc())
        .limit(limit)
    )
