"""Plain functions that make the records the record-service tests need."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.models import (
    Account,
    Channel,
    Contact,
    Fact,
    FactKind,
    Member,
    Order,
    Promise,
    Quote,
    QuoteStatus,
    Role,
    Touch,
    Value,
)
from goodwill.models.types import utcnow

_serial = itertools.count(1)


def member(session: Session, name: str = "Ann Smith", email: str | None = None) -> Member:
    """A team member."""
    m = Member(name=name, email=email or f"member{next(_serial)}@example.com", role=Role.MEMBER)
    session.add(m)
    session.flush()
    return m


def account(session: Session, name: str = "Acme Tools", external_id: str | None = None) -> Account:
    """An account."""
    a = Account(name=name, external_id=external_id)
    session.add(a)
    session.flush()
    return a


def contact(session: Session, acct: Account, name: str, **fields: object) -> Contact:
    """A person at an account."""
    c = Contact(account_id=acct.id, name=name, **fields)
    session.add(c)
    session.flush()
    return c


def touch(
    session: Session, acct: Account, by: Member, at: datetime, value: Value = Value.NONE
) -> Touch:
    """A call with the account."""
    t = Touch(
        account_id=acct.id,
        member_id=by.id,
        channel=Channel.CALL,
        happened_at=at,
        summary=f"call {next(_serial)}",
        value=value,
    )
    session.add(t)
    session.flush()
    return t


def fill(session: Session, acct: Account, by: Member, n: int, today: date) -> None:
    """Give the account n of everything: people, facts, touches (with people), orders, quotes,
    promises."""
    people = [contact(session, acct, f"Person {i}") for i in range(n)]
    # 09:00 on the day, unless that is still to come (the suite running before 09:00 UTC):
    # a touch in the future would be "the newest" and make cadences look fresh.
    start = min(
        datetime(today.year, today.month, today.day, 9, tzinfo=UTC),
        utcnow() - timedelta(minutes=1),
    )
    for i in range(n):
        session.add(
            Fact(
                account_id=acct.id,
                contact_id=people[i].id if i % 2 else None,
                kind=list(FactKind)[i % len(FactKind)],
                text=f"fact {i}",
                learned_on=today - timedelta(days=i),
                learned_by_id=by.id,
            )
        )
        t = touch(session, acct, by, start - timedelta(days=i), Value.INFORMATION)
        t.contacts = [people[i], people[(i + 1) % n]]
        session.add(
            Order(
                account_id=acct.id,
                external_id=f"O{i}",
                ordered_on=today - timedelta(days=10 * i),
                amount_minor=1000 + i,
            )
        )
        session.add(
            Quote(
                account_id=acct.id,
                external_id=f"Q{i}",
                quoted_on=today - timedelta(days=i),
                amount_minor=5000,
                status=QuoteStatus.OPEN if i % 2 else QuoteStatus.WON,
                decided_on=None if i % 2 else today,
                member_id=by.id,
            )
        )
        session.add(
            Promise(
                account_id=acct.id,
                member_id=by.id,
                contact_id=people[i].id,
                what=f"promise {i}",
                made_on=today - timedelta(days=30),
                due_on=today + timedelta(days=i - n // 2),
            )
        )
    session.flush()


@contextmanager
def counting_queries(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on the engine inside the block."""
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
