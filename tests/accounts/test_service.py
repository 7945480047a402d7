"""Finding an account by what someone typed, and the account overview."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.accounts.service import account_overview, find_account, is_stale
from goodwill.errors import Invalid, NotFound
from goodwill.models import Fact, FactKind, Order, Promise, Quote, QuoteStatus, Value
from tests.accounts import factories as f

TODAY = date(2026, 2, 15)


@pytest.fixture
def accounts(session: Session) -> dict[str, int]:
    names = {
        "Acme Tools": "A-1",
        "Acme Supply Co": "A-2",
        "Northwind Traders": "N-1",
        "Northwind Trading": "N-2",
        "Contoso": "C-1",
    }
    return {name: f.account(session, name, ext).id for name, ext in names.items()}


def test_exact_name_or_external_id_wins_ignoring_case(
    session: Session, accounts: dict[str, int]
) -> None:
    assert find_account(session, "acme tools").id == accounts["Acme Tools"]
    assert find_account(session, "  ACME SUPPLY CO ").id == accounts["Acme Supply Co"]
    assert find_account(session, "n-2").id == accounts["Northwind Trading"]


def test_a_fuzzy_name_that_clearly_means_one_account_finds_it(
    session: Session, accounts: dict[str, int]
) -> None:
    assert find_account(session, "Northwind Tradrs").id == accounts["Northwind Traders"]
    assert find_account(session, "contso").id == accounts["Contoso"]
    assert find_account(session, "acme tool").id == accounts["Acme Tools"]


def test_an_ambiguous_name_lists_the_candidates(session: Session, accounts: dict[str, int]) -> None:
    with pytest.raises(Invalid) as caught:
        find_account(session, "northwind")
    message = str(caught.value)
    assert "did you mean" in message
    assert "Northwind Traders (N-1)" in message
    assert "Northwind Trading (N-2)" in message
    assert "\n" not in message


def test_two_accounts_with_the_same_name_ask_for_the_external_id(session: Session) -> None:
    f.account(session, "Same Name", "S-1")
    f.account(session, "Same Name", "S-2")
    with pytest.raises(Invalid, match=r"several accounts are named 'same name'.*S-1.*S-2"):
        find_account(session, "same name")
    assert find_account(session, "S-2").external_id == "S-2"


def test_no_match_is_not_found_with_a_hint(session: Session, accounts: dict[str, int]) -> None:
    with pytest.raises(NotFound, match=r"no account matches 'Globex'.*external id"):
        find_account(session, "Globex")


@pytest.mark.parametrize(
    ("kind", "period", "stale"),
    [
        (FactKind.GOAL, "2026-Q1", False),
        (FactKind.GOAL, "Q1 2026", False),
        (FactKind.GOAL, "2025-Q4", True),
        (FactKind.GOAL, None, True),
        (FactKind.INTEREST, None, False),
    ],
)
def test_goals_are_stale_outside_the_current_quarter(
    kind: FactKind, period: str | None, stale: bool
) -> None:
    assert is_stale(kind, period, TODAY) is stale


def test_the_overview_holds_everything_we_know(session: Session) -> None:
    ann = f.member(session, "Ann Smith")
    acme = f.account(session, "Acme Tools", "A-1")
    acme.tier, acme.city, acme.phone = "A", "Springfield", "+12175550100"
    acme.owners = [ann]
    jane = f.contact(session, acme, "Jane Roe", title="Buyer", email="jane@acme.test")
    session.add_all(
        [
            Fact(
                account_id=acme.id,
                kind=FactKind.GOAL,
                text="Second warehouse",
                learned_on=date(2025, 11, 15),
                learned_by_id=ann.id,
                period="2025-Q4",
            ),
            Fact(
                account_id=acme.id,
                kind=FactKind.HISTORY,
                text="Founded 1952",
                learned_on=date(2024, 1, 1),
            ),
            Fact(
                account_id=acme.id,
                contact_id=jane.id,
                kind=FactKind.INTEREST,
                text="Plays golf",
                learned_on=date(2026, 2, 1),
                learned_by_id=ann.id,
            ),
            # Revenue: 100.00 more than a year ago, 250.00 and 50.00 within the last 12 months
            # (one of them a second line on the same day); an order after "today" is ignored.
            Order(
                account_id=acme.id, external_id="1", ordered_on=date(2025, 1, 1), amount_minor=10000
            ),
            Order(
                account_id=acme.id, external_id="2", ordered_on=date(2025, 7, 1), amount_minor=25000
            ),
            Order(
                account_id=acme.id, external_id="3", ordered_on=date(2025, 7, 1), amount_minor=5000
            ),
            Order(
                account_id=acme.id, external_id="4", ordered_on=date(2026, 1, 1), amount_minor=700
            ),
            Promise(
                account_id=acme.id,
                member_id=ann.id,
                contact_id=jane.id,
                what="Send catalogue",
                made_on=date(2026, 1, 1),
                due_on=date(2026, 2, 1),
            ),
            Promise(
                account_id=acme.id,
                member_id=ann.id,
                what="Visit",
                made_on=date(2026, 1, 1),
                due_on=date(2026, 3, 1),
            ),
            Quote(
                account_id=acme.id,
                external_id="Q-1",
                quoted_on=date(2026, 1, 16),
                amount_minor=99999,
            ),
            Quote(
                account_id=acme.id,
                external_id="Q-0",
                quoted_on=date(2025, 12, 1),
                amount_minor=5000,
                status=QuoteStatus.WON,
                decided_on=date(2025, 12, 20),
            ),
        ]
    )
    base = datetime(2026, 2, 1, 10, tzinfo=UTC)
    for i in range(12):
        f.touch(
            session, acme, ann, base - timedelta(days=i), Value.THANKS if i == 5 else Value.NONE
        )
    session.flush()

    view = account_overview(session, acme.id, TODAY)

    assert (view.name, view.external_id, view.tier, view.phone) == (
        "Acme Tools",
        "A-1",
        "A",
        "+12175550100",
    )
    assert view.address == ["Springfield"]
    assert [o.name for o in view.owners] == ["Ann Smith"]
    assert [(p.name, p.title, p.email) for p in view.people] == [
        ("Jane Roe", "Buyer", "jane@acme.test")
    ]
    assert [(x.text, x.learned_by, x.age_days) for x in view.people[0].facts] == [
        ("Plays golf", "Ann Smith", 14)
    ]
    groups = {g.kind: g.facts for g in view.facts}
    assert set(groups) == {FactKind.GOAL, FactKind.HISTORY}
    assert groups[FactKind.GOAL][0].stale is True
    assert groups[FactKind.HISTORY][0].stale is False
    assert groups[FactKind.HISTORY][0].learned_by is None

    o = view.orders
    assert (o.count, o.first_on, o.last_on) == (4, date(2025, 1, 1), date(2026, 1, 1))
    assert o.revenue_all_time_minor == 40700
    assert o.revenue_last_12_months_minor == 30700
    assert o.average_gap_days == 182.5  # 365 days over 3 distinct order days

    assert view.touch_count == 12
    assert len(view.touches) == 10
    assert view.touches[0].happened_at == base
    assert view.touches[0].member == "Ann Smith"
    assert view.last_touch_at == base
    assert view.last_value_at == base - timedelta(days=5)

    assert [(p.what, p.overdue, p.contact) for p in view.promises_open] == [
        ("Send catalogue", True, "Jane Roe"),
        ("Visit", False, None),
    ]
    assert [(q.external_id, q.age_days) for q in view.quotes_open] == [("Q-1", 30)]
    assert [q.external_id for q in view.quotes_decided] == ["Q-0"]


def test_an_account_without_history_has_an_empty_overview(session: Session) -> None:
    acme = f.account(session)
    view = account_overview(session, acme.id, TODAY)
    assert view.orders.count == 0
    assert view.orders.average_gap_days is None
    assert view.orders.revenue_all_time_minor == 0
    assert view.touches == []
    assert view.last_value_at is None


def test_the_overview_costs_the_same_queries_for_2_or_30_of_everything(
    engine: Engine, session: Session
) -> None:
    ann = f.member(session)
    small = f.account(session, "Small", "S")
    big = f.account(session, "Big", "B")
    f.fill(session, small, ann, 2, TODAY)
    f.fill(session, big, ann, 30, TODAY)
    session.commit()

    counts = []
    for acct in (small, big):
        session.commit()
        session.expunge_all()
        session.connection()  # begin the transaction outside the count (SQLite: BEGIN IMMEDIATE)
        with f.counting_queries(engine) as statements:
            view = account_overview(session, acct.id, TODAY)
        counts.append(len(statements))
        assert view.touch_count in (2, 30)
        assert all(t.contacts for t in view.touches)
    assert counts[0] == counts[1]
    assert counts[1] <= 15
