"""SQLite's planner gets statistics after bulk changes, so per-account lists use the account."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from goodwill.agenda import queries
from goodwill.bulk import refresh_statistics
from goodwill.models import Account, Quote, QuoteStatus


def _plan(session: Session, account_ids: list[int]) -> str:
    compiled = queries.open_quotes_of(account_ids).compile(
        dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
    )
    rows = session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    return " | ".join(str(r[-1]) for r in rows)


def test_open_quotes_of_a_few_accounts_are_found_by_account_not_by_status(
    session: Session, db_url: str
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("statistics are SQLite's concern here: PostgreSQL's autovacuum analyzes")
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
