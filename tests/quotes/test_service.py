"""Quotes: add, decide, open quotes by age with their follow-ups, and the hit ratio."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.errors import Conflict, Invalid, NotFound
from goodwill.models import Account, AccountRollup, Channel, Member, Quote, QuoteStatus, Touch
from goodwill.quotes.schemas import HitRatioBy, QuoteIn
from goodwill.quotes.service import add_quote, amount_minor, decide_quote, hit_ratio, open_quotes
from tests.accounts import factories as f

TODAY = date(2026, 3, 20)


@pytest.fixture
def world(session: Session) -> dict[str, int]:
    ann = f.member(session, "Ann Smith", "ann@example.com")
    bob = f.member(session, "Bob Jones", "bob@example.com")
    acme = f.account(session, "Acme Tools", "A-1")
    beta = f.account(session, "Beta Corp", "B-1")
    session.commit()
    return {"ann": ann.id, "bob": bob.id, "acme": acme.id, "beta": beta.id}


def quote(
    session: Session,
    world: dict[str, int],
    quoted_on: date,
    *,
    member: str = "ann",
    account: str = "acme",
    amount: int = 10_000,
    external_id: str | None = None,
) -> int:
    return add_quote(
        session,
        QuoteIn(
            account_id=world[account],
            member_id=world[member],
            quoted_on=quoted_on,
            amount_minor=amount,
            external_id=external_id,
            description=f"quoted {quoted_on}",
        ),
    ).id


def follow_up(
    session: Session, world: dict[str, int], quote_id: int, at: datetime, member: str = "ann"
) -> int:
    stored = session.get_one(Quote, quote_id)
    acct = session.get_one(Account, stored.account_id)
    by = session.get_one(Member, world[member])
    touch = f.touch(session, acct, by, at)
    touch.quote_id = quote_id
    session.flush()
    return touch.id


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("1234.56", 123456),
        ("1,234.56", 123456),
        ("1,234,567.8", 123456780),
        (" 99 ", 9900),
        ("0.01", 1),
        ("12.50", 1250),
        ("100.000", 10000),
    ],
)
def test_amounts_are_read_exactly(typed: str, cents: int) -> None:
    assert amount_minor(typed) == cents


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("12,34", "is not an amount"),
        ("1,2345.00", "is not an amount"),
        ("-5", "is not an amount"),
        ("1e3", "is not an amount"),
        ("", "is not an amount"),
        ("$10", "is not an amount"),
        ("1.234", "more than 2 decimal places"),
        ("0.00", "must be more than zero"),
    ],
)
def test_bad_amounts_are_refused_saying_why(typed: str, why: str) -> None:
    with pytest.raises(Invalid, match=why):
        amount_minor(typed)


def test_a_quote_is_added_and_its_account_rolled_up(
    session: Session, world: dict[str, int]
) -> None:
    added = add_quote(
        session,
        QuoteIn(
            account_id=world["acme"],
            member_id=world["ann"],
            quoted_on=date(2026, 3, 1),
            amount_minor=123456,
            description="  Lathe  ",
            external_id=" Q-1 ",
        ),
    )
    assert (added.status, added.account, added.member) == (
        QuoteStatus.OPEN,
        "Acme Tools",
        "Ann Smith",
    )
    assert (added.external_id, added.description, added.amount_minor) == ("Q-1", "Lathe", 123456)
    assert added.decided_on is None
    rollup = session.get_one(AccountRollup, world["acme"])
    assert rollup.open_quotes == 1


def test_an_external_id_is_unique_per_account(session: Session, world: dict[str, int]) -> None:
    first = quote(session, world, date(2026, 3, 1), external_id="Q-1")
    with pytest.raises(Conflict, match=rf"Acme Tools already has a quote 'Q-1' \(quote {first}"):
        quote(session, world, date(2026, 3, 2), external_id="Q-1")
    # The same number at another account is another quote.
    quote(session, world, date(2026, 3, 2), account="beta", external_id="Q-1")
    assert len(session.scalars(select(Quote)).all()) == 2


def test_adding_refuses_unknown_records_and_nonpositive_amounts(
    session: Session, world: dict[str, int]
) -> None:
    with pytest.raises(NotFound, match="no account with id 999"):
        quote(session, {**world, "acme": 999}, date(2026, 3, 1))
    with pytest.raises(NotFound, match="no member with id 999"):
        quote(session, {**world, "ann": 999}, date(2026, 3, 1))
    with pytest.raises(Invalid, match="more than zero"):
        quote(session, world, date(2026, 3, 1), amount=0)


def test_deciding_is_final_and_not_before_the_quote(
    session: Session, world: dict[str, int]
) -> None:
    won, lost, expired = (quote(session, world, date(2026, 3, 1)) for _ in range(3))
    with pytest.raises(Invalid, match=r"cannot be decided on 2026-02-28, before it was quoted"):
        decide_quote(session, won, QuoteStatus.WON, date(2026, 2, 28))
    decided = decide_quote(session, won, QuoteStatus.WON, date(2026, 3, 1))
    assert (decided.status, decided.decided_on) == (QuoteStatus.WON, date(2026, 3, 1))
    assert decide_quote(session, lost, QuoteStatus.LOST, TODAY).status == QuoteStatus.LOST
    assert decide_quote(session, expired, QuoteStatus.EXPIRED, TODAY).status == QuoteStatus.EXPIRED

    with pytest.raises(Conflict, match=rf"quote {won} is already won on 2026-03-01; only an open"):
        decide_quote(session, won, QuoteStatus.LOST, TODAY)
    with pytest.raises(Conflict, match="already expired"):
        decide_quote(session, expired, QuoteStatus.WON, TODAY)
    with pytest.raises(Invalid, match="not open"):
        decide_quote(session, quote(session, world, TODAY), QuoteStatus.OPEN, TODAY)
    with pytest.raises(NotFound, match="no quote with id 999"):
        decide_quote(session, 999, QuoteStatus.WON, TODAY)
    assert session.get_one(Quote, won).status == QuoteStatus.WON
    rollup = session.get_one(AccountRollup, world["acme"])
    assert (rollup.open_quotes, rollup.quotes_decided_365, rollup.quotes_won_365) == (1, 3, 1)


def test_open_quotes_oldest_first_with_their_latest_follow_up(
    session: Session, world: dict[str, int]
) -> None:
    old = quote(session, world, date(2026, 2, 28))  # 20 days, never followed up
    followed = quote(session, world, date(2026, 3, 5), member="bob")
    eight = quote(session, world, date(2026, 3, 12), account="beta")  # 8 days: needs one
    seven = quote(session, world, date(2026, 3, 13))  # 7 days: not yet
    later_touch = quote(session, world, date(2026, 3, 1), external_id="late")
    decided = quote(session, world, date(2026, 1, 1))
    decide_quote(session, decided, QuoteStatus.LOST, date(2026, 3, 1))
    quote(session, world, date(2026, 3, 21))  # quoted after the day read: not listed

    follow_up(session, world, followed, datetime(2026, 3, 7, 9, tzinfo=UTC))
    latest = follow_up(session, world, followed, datetime(2026, 3, 9, 9, tzinfo=UTC), "ann")
    session.get_one(Touch, latest).channel = Channel.EMAIL
    # Logged after the day read (it is the 21st in UTC): as of the 20th it had not happened.
    follow_up(session, world, later_touch, datetime(2026, 3, 21, 0, 30, tzinfo=UTC))
    follow_up(session, world, decided, datetime(2026, 2, 1, tzinfo=UTC))

    listed = open_quotes(session, TODAY)
    assert [q.id for q in listed] == [old, later_touch, followed, eight, seven]
    by_id = {q.id: q for q in listed}
    assert [by_id[i].age_days for i in (old, later_touch, followed, eight, seven)] == [
        20,
        19,
        15,
        8,
        7,
    ]
    shown = by_id[followed].follow_up
    assert shown is not None
    assert (shown.touch_id, shown.channel, shown.member) == (latest, Channel.EMAIL, "Ann Smith")
    assert shown.happened_at == datetime(2026, 3, 9, 9, tzinfo=UTC)
    assert by_id[later_touch].follow_up is None
    needs = {q.id for q in listed if q.needs_follow_up}
    assert needs == {old, later_touch, eight}

    # The next day the late touch counts, and the seven-day quote is overdue for one.
    next_day = {q.id: q for q in open_quotes(session, date(2026, 3, 21))}
    assert next_day[later_touch].follow_up is not None
    assert {i for i, q in next_day.items() if q.needs_follow_up} == {old, eight, seven}


def test_open_quotes_filtered_by_member_and_account(
    session: Session, world: dict[str, int]
) -> None:
    a = quote(session, world, date(2026, 3, 1))
    b = quote(session, world, date(2026, 3, 2), member="bob")
    c = quote(session, world, date(2026, 3, 3), account="beta")
    assert [q.id for q in open_quotes(session, TODAY, member_id=world["ann"])] == [a, c]
    assert [q.id for q in open_quotes(session, TODAY, account_id=world["acme"])] == [a, b]
    assert [
        q.id for q in open_quotes(session, TODAY, member_id=world["ann"], account_id=world["beta"])
    ] == [c]
    assert [q.id for q in open_quotes(session, TODAY, limit=2)] == [a, b]


@pytest.fixture
def decisions(session: Session, world: dict[str, int]) -> None:
    """Quotes decided around Q1 2026, with known hit ratios (see the tests)."""

    def decided(
        member: str | None, quoted: date, on: date, outcome: QuoteStatus, amount: int = 10_000
    ) -> None:
        qid = quote(session, world, quoted, member=member or "ann", amount=amount)
        decide_quote(session, qid, outcome, on)
        if member is None:  # the member who quoted has since left the team
            session.get_one(Quote, qid).member_id = None

    won, lost, expired = QuoteStatus.WON, QuoteStatus.LOST, QuoteStatus.EXPIRED
    # Ann: 4 decided in the period, 2 won (100,000.00 + 250.00).
    decided("ann", date(2025, 12, 10), date(2026, 1, 15), won, 10_000_000)  # quoted before
    decided("ann", date(2026, 1, 2), date(2026, 1, 20), lost)
    decided("ann", date(2026, 1, 20), date(2026, 2, 3), won, 25_000)
    decided("ann", date(2026, 2, 1), date(2026, 3, 1), expired)
    # Bob: 3 decided, 2 won (99.99 + 400.00), one on the period's last day.
    decided("bob", date(2026, 2, 1), date(2026, 2, 10), lost)
    decided("bob", date(2026, 3, 1), date(2026, 3, 2), won, 9_999)
    decided("bob", date(2026, 3, 1), date(2026, 3, 31), won, 40_000)
    # Nobody's: one lost in February.
    decided(None, date(2026, 2, 1), date(2026, 2, 20), lost)
    # Outside the period, or not decided: not counted.
    decided("ann", date(2025, 12, 1), date(2025, 12, 31), won)
    decided("bob", date(2026, 3, 1), date(2026, 4, 1), won)
    quote(session, world, date(2026, 1, 5))
    session.flush()


Q1 = (date(2026, 1, 1), date(2026, 3, 31))


@pytest.mark.usefixtures("decisions")
def test_hit_ratio_by_member(session: Session) -> None:
    report = hit_ratio(session, *Q1, HitRatioBy.MEMBER)
    rows = [(r.key, r.decided, r.won, r.lost, r.expired, r.won_amount_minor) for r in report.rows]
    assert rows == [
        ("Ann Smith", 4, 2, 1, 1, 10_025_000),
        ("Bob Jones", 3, 2, 1, 0, 49_999),
        ("(no member)", 1, 0, 1, 0, 0),
    ]
    assert [r.ratio for r in report.rows] == [0.5, pytest.approx(2 / 3), 0.0]
    assert report.rows[0].decided_amount_minor == 10_000_000 + 10_000 + 25_000 + 10_000
    assert (report.total.decided, report.total.won, report.total.ratio) == (8, 4, 0.5)


@pytest.mark.usefixtures("decisions")
def test_hit_ratio_for_the_team(session: Session) -> None:
    report = hit_ratio(session, *Q1, HitRatioBy.TEAM)
    assert len(report.rows) == 1
    team = report.rows[0]
    assert (team.key, team.decided, team.won, team.lost, team.expired) == ("team", 8, 4, 3, 1)
    assert (team.won_amount_minor, team.ratio) == (10_074_999, 0.5)


@pytest.mark.usefixtures("decisions")
def test_hit_ratio_by_month_of_decision(session: Session) -> None:
    report = hit_ratio(session, date(2025, 11, 15), date(2026, 3, 31), HitRatioBy.MONTH)
    rows = [(r.key, r.decided, r.won, r.ratio) for r in report.rows]
    assert rows == [
        ("2025-11", 0, 0, None),
        ("2025-12", 1, 1, 1.0),
        ("2026-01", 2, 1, 0.5),
        ("2026-02", 3, 1, pytest.approx(1 / 3)),
        ("2026-03", 3, 2, pytest.approx(2 / 3)),
    ]
    assert report.rows[2].won_amount_minor == 10_000_000
    assert (report.total.decided, report.total.won) == (9, 5)


def test_hit_ratio_refuses_a_backward_period(session: Session) -> None:
    with pytest.raises(Invalid, match="ends"):
        hit_ratio(session, date(2026, 3, 1), date(2026, 2, 1), HitRatioBy.TEAM)
    empty = hit_ratio(session, *Q1, HitRatioBy.TEAM)
    assert (empty.total.decided, empty.total.ratio) == (0, None)
