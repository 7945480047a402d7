"""``goodwill demo``: a reproducible, consistent world with varied buying rhythms."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.db import make_engine
from goodwill.demo.world import account_names
from goodwill.models import Channel, FactKind, PromiseStatus, QuoteStatus, Value
from tests.accounts.commands import as_json, failure, ok

AS_OF = "2026-06-30"
TABLES = {
    "member": "id",
    "account": "id",
    "account_owner": "account_id, member_id",
    "contact": "id",
    "quote": "id",
    "promise": "id",
    "touch": "id",
    "touch_contact": "touch_id, contact_id",
    "fact": "id",
    "sales_order": "id",
}


@pytest.fixture
def reader(configured: str) -> Iterator[Engine]:
    """An engine of our own on the database the CLI fills, for checking what it wrote."""
    engine = make_engine(configured)
    yield engine
    engine.dispose()


def rows(engine: Engine, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """All rows of a query, as plain tuples."""
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql), params)]


def one(engine: Engine, sql: str, **params: Any) -> Any:
    """The single value a query returns."""
    return rows(engine, sql, **params)[0][0]


# The demo's password is fresh and random on every run, by design: it is never a default.
COLUMNS = {"member": "id, name, email, role, active, created_at"}


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table the demo writes, in key order, exactly as stored (but the password)."""
    return {
        t: rows(engine, f"SELECT {COLUMNS.get(t, '*')} FROM {t} ORDER BY {key}")
        for t, key in TABLES.items()
    }


def demo(*args: str) -> None:
    """Build the demo world on the configured database (the CLI's way)."""
    ok("demo", "--as-of", AS_OF, *args)


def test_same_seed_and_day_give_identical_data_and_reset_replaces_it(reader: Engine) -> None:
    demo("--accounts", "40", "--seed", "3")
    first = dump(reader)
    reader.dispose()  # PostgreSQL drops the schema on reset: hold no connection
    demo("--accounts", "40", "--seed", "3", "--reset")
    second = dump(reader)
    assert first == second
    assert len(first["account"]) == 40
    assert all(first[t] for t in TABLES)
    # One audit event says what was built; the rows themselves were not audited one by one.
    events = rows(reader, "SELECT action, table_name FROM audit_event")
    assert events == [("demo", "account")]

    reader.dispose()
    demo("--accounts", "40", "--seed", "4", "--reset")
    other = dump(reader)
    assert other["account"] != first["account"]
    assert other["sales_order"] != first["sales_order"]


def test_refuses_to_mix_into_a_database_that_holds_accounts(reader: Engine) -> None:
    demo("--accounts", "5")
    message = failure("demo", "--as-of", AS_OF, "--accounts", "5")
    assert "already holds 5 accounts" in message
    assert "--reset" in message
    assert one(reader, "SELECT COUNT(*) FROM account") == 5
    assert one(reader, "SELECT COUNT(*) FROM member") == 7


def test_a_bad_day_is_one_clear_line(configured: str) -> None:
    message = failure("demo", "--as-of", "30/06/2026")
    assert "--as-of" in message
    assert "YYYY-MM-DD" in message


def test_the_world_is_consistent(reader: Engine) -> None:
    demo("--accounts", "200")
    as_of = date.fromisoformat(AS_OF)

    # Orders belong to customers, lie in the history and have positive whole-cent amounts.
    assert (
        one(
            reader,
            "SELECT COUNT(*) FROM sales_order o LEFT JOIN account a ON a.id = o.account_id "
            "WHERE a.id IS NULL OR a.kind <> 'customer' OR o.amount_minor <= 0",
        )
        == 0
    )
    first, last = rows(reader, "SELECT MIN(ordered_on), MAX(ordered_on) FROM sales_order")[0]
    assert date.fromisoformat(str(first)) >= date(2022, 6, 27)
    assert date.fromisoformat(str(last)) <= as_of

    # Quotes: every kind of outcome; decided ones have a decision day, open ones none.
    statuses = {s for (s,) in rows(reader, "SELECT DISTINCT status FROM quote")}
    assert statuses == {s.value for s in QuoteStatus}
    undecided = "(status = 'open') <> (decided_on IS NULL) OR decided_on < quoted_on"
    assert one(reader, f"SELECT COUNT(*) FROM quote WHERE {undecided}") == 0
    # ... and each won quote became an order of the same amount on the day it was won.
    assert (
        one(
            reader,
            "SELECT COUNT(*) FROM quote q WHERE q.status = 'won' AND NOT EXISTS ("
            "SELECT 1 FROM sales_order o WHERE o.account_id = q.account_id "
            "AND o.ordered_on = q.decided_on AND o.amount_minor = q.amount_minor)",
        )
        == 0
    )

    # Promises: every status; kept ones have a done day (late ones after the due day).
    statuses = {s for (s,) in rows(reader, "SELECT DISTINCT status FROM promise")}
    assert statuses == {s.value for s in PromiseStatus}
    bad = (
        "(status IN ('kept', 'kept_late')) <> (done_on IS NOT NULL) "
        "OR (status = 'kept' AND done_on > due_on) "
        "OR (status = 'kept_late' AND done_on <= due_on) OR due_on < made_on"
    )
    assert one(reader, f"SELECT COUNT(*) FROM promise WHERE {bad}") == 0
    overdue = one(
        reader, "SELECT COUNT(*) FROM promise WHERE status = 'open' AND due_on < :d", d=as_of
    )
    assert overdue > 0

    # Touches: sentiment in range, every channel and value, people from the touch's account.
    low, high = rows(reader, "SELECT MIN(sentiment), MAX(sentiment) FROM touch")[0]
    assert (low, high) == (-2, 2)
    channels = {c for (c,) in rows(reader, "SELECT DISTINCT channel FROM touch")}
    assert channels == {c.value for c in Channel}
    values = {c for (c,) in rows(reader, "SELECT DISTINCT value FROM touch")}
    assert values == {c.value for c in Value}
    foreign = (
        "SELECT COUNT(*) FROM touch_contact tc JOIN touch t ON t.id = tc.touch_id "
        "JOIN contact c ON c.id = tc.contact_id WHERE c.account_id <> t.account_id"
    )
    assert one(reader, foreign) == 0
    followed = "SELECT COUNT(*) FROM touch t JOIN quote q ON q.id = t.quote_id"
    assert one(reader, followed + " WHERE q.account_id <> t.account_id") == 0
    assert one(reader, followed) > 0

    # Profile facts of every kind; goals carry their quarter, nothing else does.
    kinds = {k for (k,) in rows(reader, "SELECT DISTINCT kind FROM fact")}
    assert kinds == {k.value for k in FactKind}
    periods = rows(
        reader, "SELECT kind, period FROM fact WHERE (kind = 'goal') <> (period IS NOT NULL)"
    )
    assert periods == []
    assert all(
        len(p) == 7 and p[4:6] == "-Q"
        for (p,) in rows(reader, "SELECT period FROM fact WHERE kind = 'goal'")
    )

    # Accounts: every one has an owner and 1 to 6 people; some suppliers and partners.
    assert one(reader, "SELECT COUNT(*) FROM account WHERE id NOT IN "
               "(SELECT account_id FROM account_owner)") == 0  # fmt: skip
    people = [n for (n,) in rows(reader, "SELECT COUNT(*) FROM contact GROUP BY account_id")]
    assert len(people) == 200
    assert min(people) >= 1
    assert max(people) <= 6
    kinds = {k for (k,) in rows(reader, "SELECT DISTINCT kind FROM account")}
    assert kinds == {"customer", "supplier", "partner"}


def test_buying_rhythms_vary_widely(reader: Engine) -> None:
    demo("--accounts", "300")
    as_of = date.fromisoformat(AS_OF)
    history = rows(
        reader,
        "SELECT a.id, COUNT(o.id), MIN(o.ordered_on), MAX(o.ordered_on), "
        "SUM(CASE WHEN o.ordered_on > :year_ago THEN 1 ELSE 0 END) "
        "FROM account a LEFT JOIN sales_order o ON o.account_id = a.id "
        "WHERE a.kind = 'customer' GROUP BY a.id",
        year_ago=as_of - timedelta(days=365),
    )
    counts = np.array([h[1] for h in history])
    buyers = [h for h in history if h[1] > 0]
    days_quiet = np.array([(as_of - date.fromisoformat(str(h[3]))).days for h in buyers])
    days_known = np.array([(as_of - date.fromisoformat(str(h[2]))).days for h in buyers])
    last_year = np.array([h[4] for h in buyers])

    assert np.percentile(counts, 90) >= 5 * max(np.percentile(counts, 10), 1)
    assert (last_year >= 45).sum() >= 3  # weekly buyers
    assert ((last_year >= 3) & (last_year <= 6)).sum() >= 10  # quarterly-ish buyers
    assert (days_quiet > 240).mean() >= 0.1  # went quiet 8+ months ago
    assert (days_known < 180).sum() >= 5  # new customers
    assert (days_quiet < 30).mean() >= 0.3  # most of the book is buying


def test_json_holds_the_summary_the_team_and_the_largest_accounts(reader: Engine) -> None:
    report = as_json("demo", "--as-of", AS_OF, "--accounts", "120")
    assert report["seed"] == 7
    assert report["as_of"] == AS_OF
    assert report["counts"]["accounts"] == 120
    assert report["counts"]["orders"] == one(reader, "SELECT COUNT(*) FROM sales_order")
    assert report["last_order_on"] <= AS_OF
    roles = [m["role"] for m in report["team"]]
    assert roles[:2] == ["admin", "manager"]
    assert 4 <= roles.count("member") <= 6
    assert all(m["email"].endswith("@goodwill-demo.com") for m in report["team"])

    largest = report["largest_accounts"]
    assert len(largest) == 15
    revenues = [a["revenue_12m_minor"] for a in largest]
    assert revenues == sorted(revenues, reverse=True)
    top = largest[0]
    year_ago = date.fromisoformat(AS_OF) - timedelta(days=365)
    amounts = rows(
        reader,
        "SELECT amount_minor FROM sales_order WHERE account_id = :a AND ordered_on > :d",
        a=top["id"],
        d=year_ago,
    )
    assert top["revenue_12m_minor"] == sum(a for (a,) in amounts)
    assert top["orders_12m"] == len(amounts)
    assert top["owners"]
    assert set(top) >= {"tier", "last_order_on", "days_since_last_touch", "open_promises"}
    assert len(report["try_next"]) == 3
    assert top["name"] in report["try_next"][0]
    assert "promise list" in report["try_next"][2]


def test_the_terminal_report_names_the_team_and_what_to_try(configured: str) -> None:
    out = ok("demo", "--as-of", AS_OF, "--accounts", "30").stdout
    assert "margaret.holloway@goodwill-demo.com" in out
    assert "largest accounts" in out
    assert "goodwill --as priya.raman@goodwill-demo.com account" in out


def test_company_names_never_repeat_even_past_the_plain_name_space() -> None:
    indices = np.arange(0, 200_000, dtype=np.int64)
    names, domains = account_names(indices, np.zeros(indices.size, dtype=np.int64))
    assert len(set(names)) == indices.size
    assert any("(" in name for name in names)  # branches, once the plain names run out
    assert all(d.endswith(".com") and d.isascii() for d in domains)


def test_the_demo_gives_its_team_a_fresh_random_password_and_says_it(
    reader: Engine, tmp_path: Path
) -> None:
    from goodwill.auth.service import sign_in
    from goodwill.demo.service import demo_password

    demo("--accounts", "20")
    data = Path(os.environ["GOODWILL_DATA_DIR"])
    first = demo_password(data)
    assert first is not None
    assert len(first) >= 12
    reader.dispose()
    demo("--accounts", "20", "--reset")
    second = demo_password(data)
    assert second is not None
    assert second != first
    with Session(reader) as session:
        assert sign_in(session, "priya.raman@goodwill-demo.com", first, "test") is None
        signed = sign_in(session, "priya.raman@goodwill-demo.com", second, "test")
        assert signed is not None
        assert signed.member.email == "priya.raman@goodwill-demo.com"
