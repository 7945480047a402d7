"""Promises kept on time, per member and per account, on a crafted ledger."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from goodwill.errors import Invalid
from goodwill.models import Promise, PromiseStatus
from goodwill.promises.kept import KeptBy, KeptRatioRow, kept_ratio
from tests.accounts import factories as f

TODAY = date(2026, 3, 20)
Q1 = (date(2026, 1, 1), date(2026, 3, 31))
KEPT, LATE, BROKEN = PromiseStatus.KEPT, PromiseStatus.KEPT_LATE, PromiseStatus.BROKEN
OPEN, CANCELLED = PromiseStatus.OPEN, PromiseStatus.CANCELLED


@pytest.fixture
def ledger(session: Session) -> dict[str, int]:
    """Ann: 2 kept, 1 late, 1 broken, 1 overdue; Bob: 1 late, 2 overdue (see the tests)."""
    ann = f.member(session, "Ann Smith", "ann@example.com")
    bob = f.member(session, "Bob Jones", "bob@example.com")
    carl = f.member(session, "Carl Day", "carl@example.com")
    acme = f.account(session, "Acme Tools")
    beta = f.account(session, "Beta Corp")

    def promise(by: int, at: int, due: date, status: PromiseStatus) -> None:
        done = {KEPT: due, LATE: due + timedelta(days=3)}.get(status)
        session.add(
            Promise(
                account_id=at,
                member_id=by,
                what=f"{status} due {due}",
                made_on=due - timedelta(days=10),
                due_on=due,
                done_on=done,
                status=status,
            )
        )

    promise(ann.id, acme.id, date(2026, 1, 10), KEPT)
    promise(ann.id, acme.id, date(2026, 2, 1), KEPT)
    promise(ann.id, acme.id, date(2026, 2, 5), LATE)
    promise(ann.id, beta.id, date(2026, 3, 1), BROKEN)
    promise(ann.id, acme.id, date(2026, 3, 2), CANCELLED)  # neither kept nor broken
    promise(ann.id, acme.id, date(2026, 3, 10), OPEN)  # overdue
    promise(ann.id, acme.id, date(2026, 3, 25), OPEN)  # not due yet: no outcome
    promise(ann.id, acme.id, TODAY, OPEN)  # due today: not late yet
    promise(ann.id, acme.id, date(2025, 12, 31), KEPT)  # before the period
    promise(ann.id, acme.id, date(2026, 4, 1), BROKEN)  # after the period
    promise(bob.id, beta.id, date(2026, 1, 5), LATE)
    promise(bob.id, beta.id, date(2026, 3, 1), OPEN)  # overdue
    promise(bob.id, beta.id, date(2026, 3, 19), OPEN)  # overdue by a day
    promise(carl.id, beta.id, date(2026, 2, 1), CANCELLED)  # Carl has nothing to count
    session.flush()
    return {"ann": ann.id, "bob": bob.id, "acme": acme.id, "beta": beta.id}


def figures(rows: list[KeptRatioRow]) -> list[tuple[object, ...]]:
    return [(r.key, r.kept, r.kept_late, r.broken, r.settled, r.overdue, r.ratio) for r in rows]


def test_kept_on_time_per_member(session: Session, ledger: dict[str, int]) -> None:
    report = kept_ratio(session, *Q1, TODAY, KeptBy.MEMBER)
    assert figures(report.rows) == [
        ("Ann Smith", 2, 1, 1, 4, 1, 0.5),
        ("Bob Jones", 0, 1, 0, 1, 2, 0.0),
    ]
    assert [r.id for r in report.rows] == [ledger["ann"], ledger["bob"]]
    assert figures([report.total]) == [("all", 2, 2, 1, 5, 3, 0.4)]


def test_kept_on_time_per_account(session: Session, ledger: dict[str, int]) -> None:
    report = kept_ratio(session, *Q1, TODAY, KeptBy.ACCOUNT)
    assert figures(report.rows) == [
        ("Acme Tools", 2, 1, 0, 3, 1, pytest.approx(2 / 3)),
        ("Beta Corp", 0, 1, 1, 2, 2, 0.0),
    ]
    assert [r.id for r in report.rows] == [ledger["acme"], ledger["beta"]]


def test_overdue_is_as_of_the_day_read(session: Session, ledger: dict[str, int]) -> None:
    # On 2026-03-05 only Bob's promise due on the 1st was late; on 2026-03-26 Ann's
    # promises due on the 20th and the 25th are late too.
    early = kept_ratio(session, *Q1, date(2026, 3, 5), KeptBy.MEMBER)
    assert [(r.key, r.overdue) for r in early.rows] == [("Ann Smith", 0), ("Bob Jones", 1)]
    late = kept_ratio(session, *Q1, date(2026, 3, 26), KeptBy.MEMBER)
    assert [(r.key, r.overdue) for r in late.rows] == [("Ann Smith", 3), ("Bob Jones", 2)]
    assert late.total.ratio == 0.4  # open promises never move the ratio


def test_the_period_is_by_due_date(session: Session, ledger: dict[str, int]) -> None:
    january = kept_ratio(session, date(2026, 1, 1), date(2026, 1, 31), TODAY, KeptBy.MEMBER)
    assert figures(january.rows) == [
        ("Ann Smith", 1, 0, 0, 1, 0, 1.0),
        ("Bob Jones", 0, 1, 0, 1, 0, 0.0),
    ]
    nothing = kept_ratio(session, date(2027, 1, 1), date(2027, 1, 31), TODAY, KeptBy.MEMBER)
    assert (nothing.rows, nothing.total.settled, nothing.total.ratio) == ([], 0, None)
    with pytest.raises(Invalid, match="ends"):
        kept_ratio(session, date(2026, 2, 1), date(2026, 1, 1), TODAY, KeptBy.MEMBER)
