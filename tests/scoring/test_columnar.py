"""The columnar readers and writers give exactly what the driver path gives, on both engines,
and never read past the session's own uncommitted writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
import polars as pl
import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill import columnar
from goodwill.agenda.features import _MAIN_SCHEMA, _main_sql, features_frame
from goodwill.bulk import dialect_name
from goodwill.db import session_scope
from goodwill.models import AccountRollup, Contact, HealthWeek, Member, account_owner
from goodwill.scoring import core, service
from tests.scoring.test_score import DAY, customers

WEEK = service.week_of(DAY)


@pytest.fixture(autouse=True)
def columnar_even_for_a_few(monkeypatch: pytest.MonkeyPatch) -> None:
    """The columnar paths for these small worlds too (normally only for many rows)."""
    monkeypatch.setattr(columnar, "READER_MIN_ROWS", 0)
    monkeypatch.setattr(columnar, "STAGE_MIN_ROWS", 1)


def count_helper_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Calls to the columnar readers on connections of their own (SQLite: in the helper
    process; PostgreSQL: ADBC), as a list of query counts that grows."""
    calls: list[int] = []
    for name in ("_adbc_sqlite", "_adbc_postgresql"):
        real = getattr(columnar, name)

        def spy(first: Any, queries: Sequence[columnar.Query], real: Any = real) -> Any:
            calls.append(len(queries))
            return real(first, queries)

        monkeypatch.setattr(columnar, name, spy)
    return calls


@pytest.fixture
def scored(session: Session) -> Session:
    """30 customers with orders, scored for three weeks in a row and committed."""
    customers(session, 30)
    for weeks in (2, 1, 0):
        service.score(session, DAY - timedelta(weeks=weeks))
    session.commit()
    return session


def figures_equal(a: core.AccountFigures, b: core.AccountFigures) -> None:
    for name in core.AccountFigures.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_figures_by_columns_equal_the_driver_rows(scored: Session) -> None:
    ids, figures = service.read_figures(scored, WEEK)
    driver_ids, driver_figures = service.read_figures(scored, WEEK, columnar=False)
    np.testing.assert_array_equal(ids, driver_ids)
    figures_equal(figures, driver_figures)
    assert ids.size == 30
    assert not np.isnan(figures.history[:, :2]).any()  # the two weeks before were scored
    some = [int(i) for i in ids[:5]]
    only, only_figures = service.read_figures(scored, WEEK, only=some)
    assert only.tolist() == some
    np.testing.assert_array_equal(only_figures.history, figures.history[:5])


def test_features_by_columns_equal_the_driver_rows(
    scored: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    sql = _main_sql(dialect_name(scored))
    params = {"week": WEEK, "lo": 0, "hi": 10**9}
    fast = columnar.read_frame(scored, sql, params, _MAIN_SCHEMA)
    slow = columnar.read_frame(scored, sql, params, _MAIN_SCHEMA, columnar=False)
    assert fast.height == 30
    assert fast["health"].null_count() == 0
    assert fast.equals(slow, null_equal=True)
    member = Member(name="Ann Smith", email="ann@goodwill-demo.com")
    scored.add(member)
    scored.flush()
    ids = [int(i) for i in fast["account_id"]]
    scored.execute(
        account_owner.insert(), [{"account_id": i, "member_id": member.id} for i in ids[::3]]
    )
    scored.add_all(
        Contact(account_id=i, name=f"P{i}", birthday=date(1980, 3, 9) + timedelta(days=i % 9))
        for i in ids
    )
    scored.commit()
    features = features_frame(scored, DAY).sort("account_id")
    assert features["birthday_in_days"].drop_nulls().len() > 0
    assert features["owners"].list.len().sum() == len(ids[::3])
    monkeypatch.setattr(
        "goodwill.agenda.features.read_frames",
        lambda session, queries, rows: columnar.read_frames(session, queries, columnar=False),
    )
    assert features_frame(scored, DAY).sort("account_id").equals(features, null_equal=True)


def health_rows(session: Session) -> list[tuple[object, ...]]:
    session.expire_all()
    rows = session.scalars(
        select(HealthWeek).where(HealthWeek.week_on == WEEK).order_by(HealthWeek.account_id)
    )
    return [
        tuple(getattr(r, c) for c in service.HEALTH_COLUMNS if c not in ("week_on", "as_of"))
        for r in rows
    ]


def test_health_written_by_columns_equals_the_driver_rows(
    scored: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    by_columns = health_rows(scored)
    ids, figures = service.read_figures(scored, WEEK)
    scores = core.score_health(figures, (DAY - service.EPOCH).days, service.health_rules())
    scored.execute(delete(HealthWeek).where(HealthWeek.week_on == WEEK))
    service._store_health(scored, ids, figures, scores, WEEK, DAY, columnar=False)
    assert health_rows(scored) == by_columns
    scored.execute(delete(HealthWeek).where(HealthWeek.week_on == WEEK))
    service._store_health(scored, ids, figures, scores, WEEK, DAY)
    assert health_rows(scored) == by_columns
    scored.commit()
    assert health_rows(scored) == by_columns


def test_many_columnar_writes_in_one_transaction(
    scored: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More staging files than SQLite can attach: the rest go through the driver."""
    before = health_rows(scored)
    for _ in range(columnar.MAX_ATTACHED + 3):
        service.score(scored, DAY)
    assert health_rows(scored) == before
    scored.commit()
    service.score(scored, DAY)  # the staging files of the ended transaction were let go
    assert health_rows(scored) == before


def test_exact_values_both_ways(session: Session) -> None:
    customers(session, 3)
    service.score(session, DAY)
    session.commit()
    ids = session.scalars(select(HealthWeek.account_id).order_by(HealthWeek.account_id)).all()
    session.execute(delete(HealthWeek))
    tricky = [0.1, 1 / 3, 5e-324, 1.7976931348623157e308, -0.0, 2.0**53 + 1]
    n = len(ids)
    frame = pl.DataFrame(
        {
            name: (
                [tricky[i % len(tricky)] for i in range(n)]
                if name not in ("account_id", "week_on", "as_of", "arrow")
                else None
            )
            for name in service.HEALTH_COLUMNS
        }
    ).with_columns(
        pl.Series("account_id", ids, dtype=pl.Int64),
        pl.lit(WEEK, pl.Date).alias("week_on"),
        pl.lit(date(2026, 3, 11), pl.Date).alias("as_of"),
        pl.lit('a",\n').alias("arrow"),  # a quote, a comma, a new line
        *(
            pl.lit(i % 2 == 0, pl.Boolean).alias(c)
            for i, c in enumerate(("top", "complacent", "neglected"))
        ),
        *(
            pl.Series(c, [2**40, -7, 0][:n], dtype=pl.Int64)
            for c in (
                "value_12_months_minor",
                "revenue_90_minor",
                "revenue_prior_90_minor",
                "revenue_365_minor",
            )
        ),
        *(
            pl.Series(c, [None, 5, -7][:n], dtype=pl.Int64)
            for c in ("days_since_order", "days_since_value")
        ),
    )
    assert columnar.write_frame(session, "health_week", frame) == n
    schema = {c: frame.schema[c] for c in service.HEALTH_COLUMNS}
    sql = f"SELECT {', '.join(service.HEALTH_COLUMNS)} FROM health_week ORDER BY account_id"
    sql = sql.replace(", top,", ", CAST(top AS INTEGER),").replace(
        "complacent, neglected", "CAST(complacent AS INTEGER), CAST(neglected AS INTEGER)"
    )
    seen_in_transaction = columnar.read_frame(session, sql, {}, schema)
    assert seen_in_transaction.equals(frame, null_equal=True)
    assert columnar.read_frame(session, sql, {}, schema, columnar=False).equals(
        frame, null_equal=True
    )
    session.commit()
    assert columnar.read_frame(session, sql, {}, schema).equals(frame, null_equal=True)


def test_reads_see_the_transactions_own_writes(
    scored: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An uncommitted change is seen: by falling back to the session's own connection."""
    helper = count_helper_reads(monkeypatch)
    ids, figures = service.read_figures(scored, WEEK)
    sqlite = dialect_name(scored) == "sqlite"
    assert helper == [2 if sqlite else 1, 1]  # the rollups (SQLite: in halves), the history
    first = int(ids[0])
    scored.execute(
        update(AccountRollup).where(AccountRollup.account_id == first).values(order_days=999)
    )
    again_ids, again = service.read_figures(scored, WEEK)
    assert len(helper) == 2  # not asked again: it cannot see the change
    np.testing.assert_array_equal(again_ids, ids)
    assert again.order_days[0] == 999
    assert (again.order_days[1:] == figures.order_days[1:]).all()
    scored.rollback()
    _, after = service.read_figures(scored, WEEK)
    assert after.order_days[0] == figures.order_days[0]


def test_unflushed_changes_are_seen_too(scored: Session) -> None:
    rollup = scored.get(AccountRollup, int(service.read_figures(scored, WEEK)[0][0]))
    assert rollup is not None
    rollup.order_days = 555  # not flushed yet
    _, figures = service.read_figures(scored, WEEK)
    assert figures.order_days[0] == 555


def test_the_reader_sees_each_commit(scored: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """Committed by this process, read by the helper: never a stale or broken read."""
    helper = count_helper_reads(monkeypatch)
    first = int(service.read_figures(scored, WEEK)[0][0])
    for n in (7, 8, 9):
        scored.execute(
            update(AccountRollup).where(AccountRollup.account_id == first).values(order_days=n)
        )
        scored.commit()
        _, figures = service.read_figures(scored, WEEK)
        assert figures.order_days[0] == n
    assert len(helper) == 8


def test_the_kept_reader_serves_read_after_read_and_is_replaced_when_it_dies(
    scored: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    if dialect_name(scored) != "sqlite":
        pytest.skip("the kept helper process reads SQLite only")
    _, by_driver = service.read_figures(scored, WEEK, columnar=False)
    answered: list[str] = []  # the helper's own outcome (a failure would fall back quietly)
    real_run = columnar._READER.run

    def run(job: Any) -> None:
        try:
            real_run(job)
        except Exception:
            answered.append("failed")
            raise
        answered.append("ok")

    monkeypatch.setattr(columnar._READER, "run", run)
    helper_pids = set()
    for _ in range(3):
        _, figures = service.read_figures(scored, WEEK)
        figures_equal(figures, by_driver)
        process = columnar._READER._process
        assert process is not None
        assert process.poll() is None  # kept running between reads
        helper_pids.add(process.pid)
    assert len(helper_pids) == 1  # one helper for all three reads
    process.kill()
    process.wait()
    _, figures = service.read_figures(scored, WEEK)  # the dead one is replaced
    figures_equal(figures, by_driver)
    replaced = columnar._READER._process
    assert replaced is not None
    assert replaced.pid != process.pid
    assert len(answered) >= 4
    assert set(answered) == {"ok"}


def test_a_failing_staging_file_falls_back_to_the_driver(
    scored: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = health_rows(scored)

    def broken(path: str, part: pl.DataFrame) -> None:
        raise OSError("no room for the staging file")

    monkeypatch.setattr(columnar, "_ingest", broken)
    service.score(scored, DAY)
    assert health_rows(scored) == before


def test_a_read_only_transaction_reads_on_its_own_connection(
    scored: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's deferred transactions hold no lock: others may commit after their snapshot."""
    expected = service.read_figures(scored, WEEK)[1].order_days
    helper = count_helper_reads(monkeypatch)
    with session_scope(engine=engine, read_only=True) as reading:
        _, figures = service.read_figures(reading, WEEK)
    np.testing.assert_array_equal(figures.order_days, expected)
    assert helper == ([] if engine.dialect.name == "sqlite" else [1, 1])
