"""The promises ledger: make a promise, keep it (on time or late), break or cancel it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.errors import Conflict, Forbidden, Invalid, NotFound
from goodwill.models import Account, Contact, Member, Promise, PromiseStatus, Role
from goodwill.promises import queries
from goodwill.promises.schemas import PromiseIn, PromiseOut


def promise_out(row: queries.PromiseRow, today: date) -> PromiseOut:
    """A stored promise with its names, as read on ``today``."""
    return PromiseOut(
        id=row.id,
        account_id=row.account_id,
        account=row.account,
        what=row.what,
        made_on=row.made_on,
        due_on=row.due_on,
        done_on=row.done_on,
        status=row.status,
        contact=row.contact,
        member=row.member,
        overdue=row.status == PromiseStatus.OPEN and row.due_on < today,
    )


def promises_out(rows: Iterable[queries.PromiseRow], today: date) -> list[PromiseOut]:
    """Stored promises as read on ``today``."""
    return [promise_out(row, today) for row in rows]


def get_promise(session: Session, promise_id: int, today: date) -> PromiseOut:
    """One promise as read on ``today``, or NotFound."""
    row = session.execute(queries.promise_by_id(promise_id)).one_or_none()
    if row is None:
        raise NotFound(f"no promise with id {promise_id} (see: goodwill promise list)")
    return promise_out(row, today)


def make_promise(session: Session, entry: PromiseIn) -> PromiseOut:
    """Record a commitment made to an account, due on a date."""
    account = session.get(Account, entry.account_id)
    if account is None:
        raise NotFound(f"no account with id {entry.account_id}")
    if session.get(Member, entry.member_id) is None:
        raise NotFound(f"no member with id {entry.member_id}")
    what = entry.what.strip()
    if not what:
        raise Invalid("promise must say what was promised")
    if entry.due_on < entry.made_on:
        raise Invalid(
            f"promise due on {entry.due_on} is before the day it was made ({entry.made_on})"
        )
    if entry.contact_id is not None:
        contact = session.get(Contact, entry.contact_id)
        if contact is None or contact.account_id != account.id:
            raise Invalid(f"contact {entry.contact_id} is not at account {account.name}")
    promise = Promise(
        account_id=account.id,
        member_id=entry.member_id,
        contact_id=entry.contact_id,
        what=what,
        made_on=entry.made_on,
        due_on=entry.due_on,
    )
    session.add(promise)
    session.flush()
    _changed(session, [account.id])
    return get_promise(session, promise.id, entry.made_on)


def _open_promise(session: Session, promise_id: int, verb: str) -> Promise:
    promise = session.get(Promise, promise_id, with_for_update=True)
    if promise is None:
        raise NotFound(f"no promise with id {promise_id} (see: goodwill promise list)")
    if promise.status != PromiseStatus.OPEN:
        settled = f" on {promise.done_on}" if promise.done_on else ""
        raise Conflict(
            f"promise {promise_id} is already {promise.status.value.replace('_', ' ')}{settled}; "
            f"only an open promise can be {verb}"
        )
    return promise


def keep_promise(session: Session, promise_id: int, done_on: date) -> PromiseOut:
    """Mark a promise done: kept if done by its due date, else kept late."""
    promise = _open_promise(session, promise_id, "marked done")
    if done_on < promise.made_on:
        raise Invalid(
            f"promise {promise_id} cannot be done on {done_on}, before it was made "
            f"({promise.made_on})"
        )
    promise.done_on = done_on
    promise.status = PromiseStatus.KEPT if done_on <= promise.due_on else PromiseStatus.KEPT_LATE
    session.flush()
    _changed(session, [promise.account_id])
    return get_promise(session, promise_id, done_on)


def cancel_promise(session: Session, promise_id: int, today: date) -> PromiseOut:
    """Withdraw an open promise (the customer no longer needs it)."""
    promise = _open_promise(session, promise_id, "cancelled")
    promise.status = PromiseStatus.CANCELLED
    session.flush()
    _changed(session, [promise.account_id])
    return get_promise(session, promise_id, today)


def break_promise(session: Session, promise_id: int, today: date) -> PromiseOut:
    """Record that an open promise was not kept."""
    promise = _open_promise(session, promise_id, "marked broken")
    promise.status = PromiseStatus.BROKEN
    session.flush()
    _changed(session, [promise.account_id])
    return get_promise(session, promise_id, today)


def open_promises(
    session: Session,
    today: date,
    *,
    member_id: int | None = None,
    account_id: int | None = None,
    due_within_days: int | None = None,
    overdue_only: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[PromiseOut]:
    """Open promises, soonest due first: all, due within N days of today, or overdue."""
    query = _open_query(session, today, member_id, account_id, due_within_days, overdue_only)
    return promises_out(session.execute(query.offset(offset or None).limit(limit)), today)


def account_open_promises(
    session: Session, account_id: int, today: date, limit: int = 50
) -> list[PromiseOut]:
    """The account's open promises, soonest due first (a statement built once)."""
    rows = session.execute(queries.open_promises_bound(limit), {"account_id": account_id})
    return promises_out(rows, today)


def _open_query(
    session: Session,
    today: date,
    member_id: int | None,
    account_id: int | None,
    due_within_days: int | None,
    overdue_only: bool,
) -> queries.PromiseSelect:
    if due_within_days is not None and due_within_days < 0:
        raise Invalid("--due-within must be zero or more days")
    return queries.open_promises(
        account_id=account_id,
        member_id=member_id,
        due_by=today + timedelta(days=due_within_days) if due_within_days is not None else None,
        due_before=today if overdue_only else None,
    )


def count_open_promises(
    session: Session,
    today: date,
    *,
    member_id: int | None = None,
    account_id: int | None = None,
    due_within_days: int | None = None,
    overdue_only: bool = False,
) -> int:
    """How many open promises :func:`open_promises` would list without a limit."""
    query = _open_query(session, today, member_id, account_id, due_within_days, overdue_only)
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def require_promise_maker(session: Session, promise_id: int, actor: Member) -> None:
    """Forbidden unless the actor made the promise or is a manager (or admin)."""
    promise = session.get(Promise, promise_id)
    if promise is None:
        raise NotFound(f"no promise with id {promise_id} (see: goodwill promise list)")
    if promise.member_id != actor.id and actor.role not in (Role.MANAGER, Role.ADMIN):
        raise Forbidden(f"promise {promise_id} is someone else's; only a manager can settle it")


def recent_promises(
    session: Session, account_id: int, today: date, limit: int = 10
) -> list[PromiseOut]:
    """The account's latest settled promises, newest first."""
    rows = session.execute(queries.closed_promises_bound(limit), {"account_id": account_id})
    return promises_out(rows, today)


def _changed(session: Session, account_ids: list[int]) -> None:
    # Rollups and health follow the change at once (SciPy loads only when this runs).
    from goodwill.scoring.service import account_changed

    account_changed(session, account_ids)
