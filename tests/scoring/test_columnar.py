"""The columnar readers and writers give exactly what the driver path gives, on both engines,
and never read past the session's own uncommitted writes."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from goodwill import columnar
from goodwill.agenda.features import _MAIN_SCHEMA, _main_sql, features_frame
from goodwill.bulk import dialect_name
from goodwill.models import AccountRollup, Contact, HealthWeek, Member, account_owner
from goodwill.scoring import core, service
from tests.scoring.test_score import DAY, customers

WEEK = service.week_of(DAY)


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
        lambda session, queries: columnar.read_frames(session, queries, columnar=False),
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
    monkeypatch.setattr(columnar, "STAGE_MIN_ROWS", 1)  # the SQLite staging file, even for 30
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
    monkeypatch.setattr(columnar, "STAGE_MIN_ROWS", 1)
    before = health_rows(scored)
    for _ in range(columnar.MAX_ATTACHED + 3):
        service.score(scored, DAY)
    assert health_rows(scored) == before
    scored.commit()
    service.score(scored, DAY)  # the staging files of the ended transaction were let go
    assert health_rows(scored) == before


def test_exact_values_both_ways(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columnar, "STAGE_MIN_ROWS", 1)
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


def test_reads_see_the_transactions_own_writes(scored: Session) -> None:
    """An uncommitted change is seen (SQLite: by falling back to the session's connection)."""
    ids, figures = service.read_figures(scored, WEEK)
    if dialect_name(scored) == "sqlite":
        assert not columnar.pending_writes(scored)
    first = int(ids[0])
    scored.execute(
        update(AccountRollup).where(AccountRollup.account_id == first).values(order_days=999)
    )
    if dialect_name(scored) == "sqlite":
        assert columnar.pending_writes(scored)
    again_ids, again = service.read_figures(scored, WEEK)
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
