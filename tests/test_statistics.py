"""The planner gets statistics after bulk changes: on SQLite per-account lists use the
account; on PostgreSQL the rows written in the transaction are counted at once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from goodwill.agenda import queries
from goodwill.bulk import refresh_statistics
from goodwill.models import Account, Quote, QuoteStatus


def _plan(session: Session, account_ids: list[int]) -> str:
    compiled = (
        queries.open_quotes_bound()
        .params(account_ids=account_ids)
        .compile(
            dialect=session.get_bind().dialect,
            compile_kwargs={"literal_binds": True, "render_postcompile": True},
        )
    )
    rows = session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    return " | ".join(str(r[-1]) for r in rows)


def test_open_quotes_of_a_few_accounts_are_found_by_account_not_by_status(
    session: Session, db_url: str
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's planner; PostgreSQL's is below")
    accounts = [Account(name=f"Customer {i}") for i in range(400)]
    session.add_all(accounts)
    session.flush()
    start = date(2026, 1, 1)
    session.add_all(
        Quote(
            account_id=a.id,
            external_id=f"Q-{a.id}-{k}",
            quoted_on=start + timedelta(days=k),
            amount_minor=10_000,
            status=QuoteStatus.OPEN if k % 2 else QuoteStatus.WON,
        )
        for a in accounts
        for k in range(6)
    )
    session.flush()
    few = [accounts[3].id, accounts[200].id]
    # Without statistics SQLite walks every open quote through the (status, quoted_on) index.
    assert "ix_quote_status_quoted_on" in _plan(session, few)
    refresh_statistics(session)
    plan = _plan(session, few)
    assert "ix_quote_status_quoted_on" not in plan
    assert "account_id" in plan
    assert session.execute(text("SELECT count(*) FROM sqlite_stat1")).scalar_one() > 0


def test_postgresql_counts_the_rows_just_written_in_the_named_tables(
    session: Session, db_url: str
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's statistics; SQLite's are above")
    session.add_all(Account(name=f"Customer {i}", tier="ABC"[i % 3]) for i in range(300))
    session.flush()

    def known(table: str, column: str) -> int:
        query = text("SELECT count(*) FROM pg_stats WHERE tablename = :t AND attname = :c")
        return int(session.execute(query, {"t": table, "c": column}).scalar_one())

    assert known("account", "tier") == 0  # autovacuum has not come by yet
    refresh_statistics(session, ("account",))
    assert known("account", "tier") == 1
    assert known("quote", "status") == 0  # only the tables named
    tuples = session.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'account'"))
    assert tuples.scalar_one() == 300
