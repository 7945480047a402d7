"""Export writes what import reads: the round trip changes nothing; formulas are neutralized."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from goodwill.models import (
    AuditEvent,
    Channel,
    Contact,
    Fact,
    FactKind,
    Order,
    Quote,
    Touch,
    account_owner,
)
from goodwill.transfer.columns import KINDS
from goodwill.transfer.export import export_file
from goodwill.transfer.service import import_file
from tests.transfer.files import seed

FORMULA = '=HYPERLINK("http://evil.example","click")'


def fill(session: Session) -> dict[str, int]:
    """A little of everything, including records made in Goodwill without external ids."""
    ids = seed(session)
    session.execute(account_owner.insert(), [{"account_id": ids["A-1"], "member_id": ids["ann"]}])
    session.add_all(
        [
            Contact(account_id=ids["A-1"], name=FORMULA, title="@boss", email="jane@acme.com"),
            Contact(account_id=ids["loose"], external_id="c-9", name="-Joe", phone="+12175550100"),
            Order(
                account_id=ids["A-1"],
                external_id="SO-1",
                ordered_on=date(2026, 1, 2),
                amount_minor=-1250,
            ),
            Order(
                account_id=ids["loose"],
                external_id="+SO-2",
                ordered_on=date(2026, 1, 3),
                amount_minor=5,
                quantity=4,
            ),
            Quote(
                account_id=ids["A-1"],
                quoted_on=date(2026, 1, 2),
                amount_minor=100,
                description="two\nlines; with, commas",
                member_id=ids["bob"],
            ),
            Touch(
                account_id=ids["A-1"],
                channel=Channel.CALL,
                happened_at=datetime(2026, 1, 2, 9, 30, 15, 123456, tzinfo=UTC),
                summary="\tTabbed",
                sentiment=-2,
            ),
            Fact(
                account_id=ids["B-2"],
                kind=FactKind.GOAL,
                text="+20% growth",
                learned_on=date(2026, 1, 5),
            ),
        ]
    )
    session.commit()
    return ids


def test_export_then_import_changes_nothing(session: Session, tmp_path: Path) -> None:
    fill(session)
    before = session.scalar(select(func.count()).select_from(AuditEvent))
    for kind in KINDS:
        path = tmp_path / f"{kind}.csv"
        written = export_file(session, kind, path)
        assert written > 0, kind
        with path.open(encoding="utf-8-sig", newline="") as f:
            header = next(csv.reader(f))
        assert header == list(KINDS[kind].names)
        result = import_file(session, kind, path)
        assert (result.inserted, result.updated, result.unchanged) == (0, 0, written), kind
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_formulas_are_neutralized_and_numbers_stay_numbers(
    session: Session, tmp_path: Path
) -> None:
    ids = fill(session)
    rows = {}
    for kind in ("contacts", "orders", "touches", "facts"):
        path = tmp_path / f"{kind}.csv"
        export_file(session, kind, path)
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows[kind] = list(csv.DictReader(f))
    people = {r["external_id"]: r for r in rows["contacts"]}
    jane = next(r for r in rows["contacts"] if r["email"] == "jane@acme.com")
    assert jane["name"] == "'" + FORMULA
    assert jane["title"] == "'@boss"
    assert people["c-9"]["name"] == "'-Joe"
    assert people["c-9"]["phone"] == "'+12175550100"
    assert people["c-9"]["account"] == f"gw:{ids['loose']}"
    orders = {r["external_id"]: r for r in rows["orders"]}
    assert orders["SO-1"]["amount"] == "-12.50"  # a number, not neutralized
    assert orders["'+SO-2"]["amount"] == "0.05"
    assert orders["'+SO-2"]["quantity"] == "4"
    assert rows["touches"][0]["summary"] == "'\tTabbed"
    assert rows["touches"][0]["sentiment"] == "-2"
    assert rows["touches"][0]["happened_at"] == "2026-01-02T09:30:15.123456+00:00"
    assert rows["touches"][0]["external_id"].startswith("gw:")
    assert rows["facts"][0]["text"] == "'+20% growth"
    # The apostrophes come off again on import: the stored text is as it was.
    import_file(session, "contacts", tmp_path / "contacts.csv")
    names = set(session.scalars(select(Contact.name)))
    assert names == {FORMULA, "-Joe"}


def test_export_into_a_fresh_database_recreates_the_records(
    session: Session, tmp_path: Path
) -> None:
    fill(session)
    path = tmp_path / "orders.csv"
    export_file(session, "orders", path)
    session.execute(delete(Order))
    result = import_file(session, "orders", path)
    assert result.inserted == 2
    stored = session.execute(
        select(Order.external_id, Order.amount_minor, Order.quantity).order_by(Order.id)
    ).all()
    assert [tuple(r) for r in stored] == [("SO-1", -1250, None), ("+SO-2", 5, 4)]
