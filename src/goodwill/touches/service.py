"""Recording touches: what happened with a customer, in one line."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.errors import Invalid, NotFound
from goodwill.models import Account, Contact, Member, Promise, Quote, Touch
from goodwill.touches import queries
from goodwill.touches.schemas import TouchIn, TouchOut


def touch_out(touch: Any, member: str | None, contacts: Iterable[str]) -> TouchOut:
    """A stored touch (a Touch, or a row of its columns) as the timeline shows it, with the
    names of the people it involved."""
    return TouchOut(
        id=touch.id,
        account_id=touch.account_id,
        happened_at=touch.happened_at,
        channel=touch.channel,
        direction=touch.direction,
        member=member,
        value=touch.value,
        sentiment=touch.sentiment,
        summary=touch.summary,
        contacts=sorted(contacts),
        quote_id=touch.quote_id,
        promise_id=touch.promise_id,
    )


def log_touch(session: Session, entry: TouchIn) -> TouchOut:
    """Record one interaction with an account, with the people it involved."""
    account = session.get(Account, entry.account_id)
    if account is None:
        raise NotFound(f"no account with id {entry.account_id}")
    member = session.get(Member, entry.member_id)
    if member is None:
        raise NotFound(f"no member with id {entry.member_id}")
    summary = entry.summary.strip()
    if not summary:
        raise Invalid("touch summary must not be empty: say in a few words what happened")
    contacts: list[Contact] = []
    for contact_id in dict.fromkeys(entry.contact_ids):
        contact = session.get(Contact, contact_id)
        if contact is None:
            raise NotFound(f"no contact with id {contact_id}")
        if contact.account_id != account.id:
            raise Invalid(f"contact {contact.name} is not at account {account.name}")
        contacts.append(contact)
    if entry.quote_id is not None:
        quote = session.get(Quote, entry.quote_id)
        if quote is None or quote.account_id != account.id:
            raise Invalid(f"quote {entry.quote_id} is not a quote of account {account.name}")
    if entry.promise_id is not None:
        promise = session.get(Promise, entry.promise_id)
        if promise is None or promise.account_id != account.id:
            raise Invalid(f"promise {entry.promise_id} is not a promise to {account.name}")
    touch = Touch(
        account_id=account.id,
        member_id=member.id,
        channel=entry.channel,
        direction=entry.direction,
        happened_at=entry.happened_at,
        summary=summary,
        value=entry.value,
        sentiment=entry.sentiment,
        quote_id=entry.quote_id,
        promise_id=entry.promise_id,
    )
    touch.contacts = contacts
    session.add(touch)
    session.flush()
    _changed(session, [account.id])
    return touch_out(touch, member.name, (c.name for c in touch.contacts))


def quote_id_for(session: Session, account: Account, external_id: str) -> int:
    """The id of the account's quote with this external id (or this number), or NotFound."""
    wanted = external_id.strip()
    quote = session.scalar(queries.quote_by_external_id(account.id, wanted))
    if quote is None and wanted.isdigit():
        by_number = session.get(Quote, int(wanted))
        quote = by_number if by_number is not None and by_number.account_id == account.id else None
    if quote is None:
        raise NotFound(f"account {account.name} has no quote {wanted!r}")
    return quote.id


def recent_touches(
    session: Session, account_id: int, limit: int = 10, offset: int = 0
) -> list[TouchOut]:
    """The account's latest touches, newest first (two queries, whatever the limit)."""
    rows = session.execute(
        queries.recent_touches_bound(),
        {"account_id": account_id, "limit": limit, "offset": offset},
    ).all()
    people: dict[int, list[str]] = defaultdict(list)
    if rows:
        ids = [row.id for row in rows]
        for touch_id, name in session.execute(queries.touch_people_bound(), {"touch_ids": ids}):
            people[touch_id].append(name)
    return [touch_out(row, row.member, people.get(row.id, ())) for row in rows]


def _changed(session: Session, account_ids: list[int]) -> None:
    # Rollups and health follow the change at once (SciPy loads only when this runs).
    from goodwill.scoring.service import account_changed

    account_changed(session, account_ids)


def account_touches(
    session: Session, account_id: int, *, offset: int = 0, limit: int = 50
) -> tuple[int, list[TouchOut]]:
    """How many touches an account had, and one page of them, newest first."""
    if session.get(Account, account_id) is None:
        raise NotFound(f"no account with id {account_id}")
    total = session.scalar(select(func.count(Touch.id)).where(Touch.account_id == account_id))
    return int(total or 0), recent_touches(session, account_id, limit, offset)
