"""Importing files: every kind, idempotent re-import, updates with audit, dry runs, formats."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import func, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from goodwill import columnar
from goodwill.models import (
    Account,
    AuditEvent,
    Contact,
    Fact,
    Order,
    Quote,
    QuoteStatus,
    Touch,
    account_owner,
)
from goodwill.scoring import rollups
from goodwill.transfer import service
from goodwill.transfer.check import ReadRules
from goodwill.transfer.service import import_file
from tests.transfer.files import seed, write

ORDERS = (
    "account,external_id,ordered_on,amount,quantity\n"
    "A-1,SO-1,2026-01-02,1234.50,3\n"
    "A-1,SO-2,2026-01-09,-12.50,\n"
    "B-2,SO-1,2026-02-01,99,1\n"
)


def audit_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def orders(session: Session) -> list[tuple[str, int, date, int, int | None]]:
    query = select(
        Order.external_id, Order.account_id, Order.ordered_on, Order.amount_minor, Order.quantity
    ).order_by(Order.account_id, Order.external_id)
    return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def test_orders_import_and_reimport_changes_nothing(session: Session, tmp_path: Path) -> None:
    ids = seed(session)
    path = write(tmp_path, "orders.csv", ORDERS)
    first = import_file(session, "orders", path)
    assert (first.rows, first.inserted, first.updated, first.unchanged) == (3, 3, 0, 0)
    assert orders(session) == [
        ("SO-1", ids["A-1"], date(2026, 1, 2), 123450, 3),
        ("SO-2", ids["A-1"], date(2026, 1, 9), -1250, None),
        ("SO-1", ids["B-2"], date(2026, 2, 1), 9900, 1),
    ]
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "import")).all()
    assert len(events) == 1
    assert events[0].table_name == "sales_order"
    assert events[0].after is not None
    assert events[0].after["file"] == "orders.csv"
    assert (events[0].after["inserted"], events[0].after["unchanged"]) == (3, 0)
    before = audit_count(session)

    again = import_file(session, "orders", path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert audit_count(session) == before  # nothing changed, nothing recorded
    assert len(orders(session)) == 3


def test_changed_rows_are_updated_and_audited_with_before_and_after(
    session: Session, tmp_path: Path
) -> None:
    seed(session)
    import_file(session, "orders", write(tmp_path, "orders.csv", ORDERS))
    changed = ORDERS.replace("1234.50,3", "1234.51,3").replace("99,1", "99,2")
    result = import_file(session, "orders", write(tmp_path, "orders2.csv", changed))
    assert (result.inserted, result.updated, result.unchanged) == (0, 2, 1)
    updates = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "update").order_by(AuditEvent.row_id)
    ).all()
    assert [(e.before, e.after) for e in updates] == [
        ({"amount_minor": 123450}, {"amount_minor": 123451}),
        ({"quantity": 1}, {"quantity": 2}),
    ]
    assert all(e.row_id is not None and e.actor == "test" for e in updates)
    imports = session.scalars(select(AuditEvent).where(AuditEvent.action == "import")).all()
    assert imports[-1].after is not None
    assert imports[-1].after["updated"] == 2
    assert imports[-1].after["file"] == "orders2.csv"


def test_columns_missing_from_the_file_are_left_alone(session: Session, tmp_path: Path) -> None:
    seed(session)
    import_file(session, "orders", write(tmp_path, "orders.csv", ORDERS))
    fewer = "account,external_id,ordered_on,amount\nA-1,SO-1,2026-01-02,1234.50\n"
    result = import_file(session, "orders", write(tmp_path, "fewer.csv", fewer))
    assert result.unchanged == 1
    assert orders(session)[0][4] == 3  # quantity kept


def test_dry_run_reports_and_writes_nothing(session: Session, tmp_path: Path) -> None:
    seed(session)
    before = audit_count(session)
    result = import_file(session, "orders", write(tmp_path, "o.csv", ORDERS), dry_run=True)
    assert (result.inserted, result.dry_run) == (3, True)
    assert orders(session) == []
    assert audit_count(session) == before
    import_file(session, "orders", write(tmp_path, "o.csv", ORDERS))
    changed = ORDERS.replace("99,1", "100,1")
    preview = import_file(session, "orders", write(tmp_path, "o2.csv", changed), dry_run=True)
    assert (preview.inserted, preview.updated, preview.unchanged) == (0, 1, 2)
    assert orders(session)[2][3] == 9900


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_and_byte_order_mark_are_detected(
    session: Session, tmp_path: Path, delimiter: str
) -> None:
    seed(session)
    text = "\ufeff" + ORDERS.replace(",", delimiter).replace("\n", "\r\n")
    result = import_file(session, "orders", write(tmp_path, "o.csv", text))
    assert result.inserted == 3
    assert orders(session)[0][3] == 123450


def test_map_decimal_comma_date_format_and_encoding(session: Session, tmp_path: Path) -> None:
    ids = seed(session)
    text = (
        "Kunde;Beleg;Datum;Betrag;Menge\n"
        "A-1;R-1;31.01.2026;1.234,56;2\n"
        "A-1;R-2;01.02.2026;-0,5;\n"
        "A-1;R-3;02.02.2026;7;\n"
    )
    result = import_file(
        session,
        "orders",
        write(tmp_path, "erp.csv", text, encoding="cp1252"),
        mapping={
            "Kunde": "account",
            "Beleg": "external_id",
            "Datum": "ordered_on",
            "Betrag": "amount",
            "Menge": "quantity",
        },
        encoding="cp1252",
        rules=ReadRules(date_format="%d.%m.%Y", decimal_comma=True),
    )
    assert result.inserted == 3
    assert orders(session) == [
        ("R-1", ids["A-1"], date(2026, 1, 31), 123456, 2),
        ("R-2", ids["A-1"], date(2026, 2, 1), -50, None),
        ("R-3", ids["A-1"], date(2026, 2, 2), 700, None),
    ]


def test_blank_external_ids_get_stable_content_keys(session: Session, tmp_path: Path) -> None:
    seed(session)
    text = (
        "account,ordered_on,amount\n"
        "A-1,2026-01-02,10.00\n"
        "A-1,2026-01-02,10.00\n"  # the same order twice on one day is two orders
        "A-1,2026-01-03,10.00\n"
    )
    path = write(tmp_path, "o.csv", text)
    assert import_file(session, "orders", path).inserted == 3
    keys = [row[0] for row in orders(session)]
    assert len(set(keys)) == 3
    assert all(k.startswith("auto:") for k in keys)
    # Written differently (another date format, amount style), the same orders match.
    same = "account,ordered_on,amount\nA-1,02/01/2026,10\nA-1,02/01/2026,10\nA-1,03/01/2026,10\n"
    again = import_file(
        session,
        "orders",
        write(tmp_path, "o2.csv", same),
        rules=ReadRules(date_format="%d/%m/%Y"),
    )
    assert (again.inserted, again.unchanged) == (0, 3)


def test_every_kind_imports_and_reimports_unchanged(session: Session, tmp_path: Path) -> None:
    ids = seed(session)
    files = {
        "accounts": (
            "external_id;name;kind;tier;phone;owners;city;country\n"
            "A-1;Acme Tools;customer;A;+1 217 555 0100;ann@example.com, bob@example.com;"
            "Springfield;United States\n"
            "C-3;Initech;supplier;B;;;;de\n"
        ),
        "contacts": (
            "account\texternal_id\tname\temail\tbirthday\tpreferred_channel\n"
            "A-1\t\tJane Roe\tJane@Acme.com\t1980-04-12\tSit down\n"
            "C-3\tc-2\tJoe\t\t\tcall\n"
        ),
        "quotes": (
            "account,external_id,quoted_on,amount,status,decided_on,member,description\n"
            'A-1,Q1,2026-01-02,5000,won,2026-01-20,ann@example.com,"Two\nlines"\n'
        ),
        "touches": (
            "account,happened_at,channel,member,summary,value,sentiment\n"
            "A-1,2026-01-02T10:00:00+02:00,call,bob@example.com,hello,information,2\n"
            "A-1,2026-01-02 08:00,visit,,hi,,\n"
        ),
        "facts": (
            "account,kind,text,learned_on,learned_by,period\n"
            "A-1,goal,Open a second warehouse,2026-01-05,ann@example.com,2026-Q1\n"
            f"gw:{ids['loose']},interest,golf,2026-01-05,,\n"
        ),
    }
    for kind, text in files.items():
        path = write(tmp_path, f"{kind}.csv", text)
        first = import_file(session, kind, path)
        assert (
            first.inserted + first.updated
            == first.rows
            == text.count("\n") - 1 - (1 if kind == "quotes" else 0)
        ), kind
        again = import_file(session, kind, path)
        assert (again.inserted, again.updated, again.unchanged) == (0, 0, first.rows), kind

    acme = session.scalars(select(Account).where(Account.external_id == "A-1")).one()
    assert (acme.tier, acme.phone, acme.city, acme.country) == (
        "A",
        "+12175550100",
        "Springfield",
        "US",
    )
    owners = set(
        session.scalars(
            select(account_owner.c.member_id).where(account_owner.c.account_id == acme.id)
        )
    )
    assert owners == {ids["ann"], ids["bob"]}
    jane = session.scalars(select(Contact).where(Contact.name == "Jane Roe")).one()
    assert (jane.email, jane.birthday, jane.preferred_channel) == (
        "jane@acme.com",
        date(1980, 4, 12),
        "sit_down",
    )
    quote = session.scalars(select(Quote)).one()
    assert (quote.status, quote.amount_minor, quote.description) == (
        QuoteStatus.WON,
        500000,
        "Two\nlines",
    )
    moments = sorted(t.happened_at for t in session.scalars(select(Touch)))
    assert moments == [
        datetime(2026, 1, 2, 8, tzinfo=UTC),
        datetime(2026, 1, 2, 8, tzinfo=UTC),
    ]
    facts = {f.text: f.account_id for f in session.scalars(select(Fact))}
    assert facts == {"Open a second warehouse": ids["A-1"], "golf": ids["loose"]}


def _rollups(session: Session) -> dict[int, tuple[object, ...]]:
    session.expire_all()
    names = [c for c in rollups.ROLLUP_COLUMNS if c != "as_of"]
    query = sql(f"SELECT {', '.join(names)} FROM account_rollup ORDER BY account_id")
    return {row[0]: tuple(row) for row in session.execute(query)}


def _rebuilt(session: Session) -> dict[int, tuple[object, ...]]:
    """The rows a rebuild gives, for the accounts that have a row."""
    have = _rollups(session)
    with session.begin_nested() as savepoint:
        rollups.rebuild(session)
        figures = _rollups(session)
        savepoint.rollback()
    return {account: row for account, row in figures.items() if account in have}


def test_rollups_follow_the_orders_imported(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = seed(session)
    calls: list[tuple[str, list[int]]] = []
    real_refresh = service.refresh_accounts  # type: ignore[attr-defined]
    real_add = service.add_orders  # type: ignore[attr-defined]

    def refresh(s: Session, account_ids: list[int], **kw: Any) -> object:
        calls.append(("refresh", list(account_ids)))
        return real_refresh(s, account_ids, **kw)

    def add(s: Session, new: pl.DataFrame, **kw: Any) -> object:
        calls.append(("add", sorted(new["account_id"].to_list())))
        return real_add(s, new, **kw)

    monkeypatch.setattr(service, "refresh_accounts", refresh)
    monkeypatch.setattr(service, "add_orders", add)
    import_file(session, "orders", write(tmp_path, "o.csv", ORDERS))
    # New orders are added to the rows, not recomputed from history.
    assert calls == [("add", sorted([ids["A-1"], ids["A-1"], ids["B-2"]]))]
    assert _rollups(session) == _rebuilt(session)
    assert _rollups(session)[ids["A-1"]][4:6] == (2, 2)  # order_count, order_days

    calls.clear()
    import_file(session, "orders", write(tmp_path, "o.csv", ORDERS))
    assert calls == [("add", [])]  # nothing new: nothing added, nothing recomputed
    assert _rollups(session) == _rebuilt(session)

    # One changed order (recomputed), one new order on a day that has one, one before the
    # first: the new ones are added, the changed account is recomputed.
    more = (
        ORDERS.replace("99,1", "98,1")
        + "A-1,SO-3,2026-01-09,5.00,\n"
        + "A-1,SO-0,2025-12-01,7.00,1\n"
    )
    calls.clear()
    result = import_file(session, "orders", write(tmp_path, "o2.csv", more))
    assert (result.inserted, result.updated, result.unchanged) == (2, 1, 2)
    assert calls == [("add", [ids["A-1"], ids["A-1"]]), ("refresh", [ids["B-2"]])]
    figures = _rollups(session)
    assert figures == _rebuilt(session)
    assert figures[ids["A-1"]][4:6] == (4, 3)


def test_a_large_first_import_writes_every_row_once_and_rolls_back_whole(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past goodwill.columnar's staging threshold the rows take the staging-file path on
    SQLite (COPY on PostgreSQL): every value lands as the file says, and the transaction
    still owns them."""
    ids = seed(session)
    staged: list[int] = []
    ingest = columnar._ingest

    def counted(path: str, part: pl.DataFrame) -> None:  # to see that the fast path is taken
        staged.append(part.height)
        ingest(path, part)

    monkeypatch.setattr(columnar, "_ingest", counted)
    count = 30_000
    lines = ["account,external_id,ordered_on,amount,quantity"]
    for n in range(count):
        account = "A-1" if n % 3 else "B-2"
        quantity = "" if n % 7 == 0 else str(n % 5 + 1)
        lines.append(
            f"{account},SO-{n},2025-{n % 12 + 1:02d}-{n % 28 + 1:02d},{n}.{n % 100:02d},{quantity}"
        )
    path = write(tmp_path, "big.csv", "\n".join(lines) + "\n")
    result = import_file(session, "orders", path)
    assert (result.inserted, result.updated, result.unchanged) == (count, 0, 0)
    if session.get_bind().dialect.name == "sqlite":
        assert sum(staged) == count
    stored = {row[0]: row[1:] for row in orders(session)}
    assert len(stored) == count
    for n in (0, 1, 7, 12_345, count - 1):
        assert stored[f"SO-{n}"] == (
            ids["A-1"] if n % 3 else ids["B-2"],
            date(2025, n % 12 + 1, n % 28 + 1),
            n * 100 + n % 100,
            None if n % 7 == 0 else n % 5 + 1,
        )
    assert session.scalar(select(func.sum(Order.amount_minor))) == sum(
        n * 100 + n % 100 for n in range(count)
    )
    assert _rollups(session) == _rebuilt(session)
    session.rollback()  # the import's writes are the transaction's, not committed apart
    assert session.scalar(select(func.count()).select_from(Order)) == 0


def test_vcard_file_goes_through_the_vcard_import(session: Session, tmp_path: Path) -> None:
    seed(session)
    card = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jane Roe\r\nN:Roe;Jane;;;\r\nORG:Acme Tools\r\n"
        "EMAIL:jane@acme.com\r\nUID:c-1\r\nEND:VCARD\r\n"
    )
    path = write(tmp_path, "people.vcf", card)
    result = import_file(session, "contacts", path)
    assert (result.kind, result.inserted) == ("contacts", 1)
    assert import_file(session, "contacts", path).unchanged == 1
    assert session.scalars(select(Contact.external_id)).all() == ["c-1"]
