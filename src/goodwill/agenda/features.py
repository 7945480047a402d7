"""The features the playbook's rules read: one row per account, as of a day.

Most come from the latest weekly scores (``health_week``) and the rollups; what moves by
the day (promises coming due, quotes ageing, birthdays) is read fresh from the small sets of
open promises, open quotes and people with a birthday this week. The big read is one query
over accounts, rollups and scores, fetched straight into Polars.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from goodwill.bulk import dialect_name
from goodwill.columnar import Query, concat, read_frames
from goodwill.models import (
    Account,
    FactKind,
    Promise,
    PromiseStatus,
    Quote,
    QuoteStatus,
    Touch,
)
from goodwill.scoring.service import week_of
from goodwill.teamsettings import effective_settings

BIRTHDAY_WINDOW = 8
"""Birthdays this many days ahead (today included) count as coming."""


def _main_sql(dialect: str) -> str:
    """Accounts, rollups and the week's scores; days as dates (UTC days for moments)."""

    def day(expr: str, moment: bool = False) -> str:
        if dialect == "sqlite":
            # ISO text (moments as UTC text) handed over as days since 1970 (exact before
            # 1970 too: the start of a day is a whole number of days). Numbers cross from the
            # reader and become dates for less than text does: 0.25 s less at a million rows.
            return f"unixepoch({expr}, 'start of day') / 86400"
        return f"CAST(({expr} AT TIME ZONE 'UTC') AS DATE)" if moment else expr

    return f"""
SELECT a.id AS account_id, a.kind AS kind, COALESCE(a.tier, '') AS tier,
       {day("r.first_order_on")}, {day("r.last_order_on")}, r.order_days, r.revenue_365_minor,
       {day("r.last_touch_at", True)}, {day("r.last_value_at", True)}, r.goal_this_quarter,
       h.health, h.arrow, CAST(h.top AS INTEGER), h.chance_of_buying, h.expected_purchases
FROM account a
LEFT JOIN account_rollup r ON r.account_id = a.id
LEFT JOIN health_week h ON h.account_id = a.id AND h.week_on = :week
WHERE a.id BETWEEN :lo AND :hi
ORDER BY a.id
"""


_MAIN_SCHEMA: dict[str, Any] = {
    "account_id": pl.Int64,
    "kind": pl.String,
    "tier": pl.String,
    "first_order_on": pl.Date,
    "last_order_on": pl.Date,
    "order_days": pl.Int64,
    "revenue_365_minor": pl.Int64,
    "last_touch_on": pl.Date,
    "last_value_on": pl.Date,
    "goal_this_quarter": pl.Int64,
    "health": pl.Float64,
    "arrow": pl.String,
    "top": pl.Boolean,
    "chance_of_buying": pl.Float64,
    "expected_purchases": pl.Float64,
}


def latest_scored_week(session: Session, day: date) -> date | None:
    """The Monday of the latest week scored on or before ``day``."""
    found = session.execute(
        text("SELECT MAX(week_on) FROM scoring_run WHERE week_on <= :w"), {"w": week_of(day)}
    ).scalar()
    if found is None or isinstance(found, date):
        return found
    return date.fromisoformat(str(found))


# The expression of migration 0008's index on each dialect: the query must write it as the
# index does, or SQLite and PostgreSQL read every contact.
_MONTH_DAY = {
    "sqlite": "(CAST(substr(birthday, 6, 2) AS INTEGER) * 100"
    " + CAST(substr(birthday, 9, 2) AS INTEGER))",
    "postgresql": "(EXTRACT(MONTH FROM birthday) * 100 + EXTRACT(DAY FROM birthday))",
}


def _birthday_query(dialect: str, day: date, window: int) -> tuple[Query, dict[int, int]]:
    """People whose birthday (month and day, as month * 100 + day) falls within ``window``
    days, and the day each month-day comes (leap-day birthdays are kept on the 28th)."""
    days = [day + timedelta(days=n) for n in range(window)]
    wanted = {d.month * 100 + d.day: n for n, d in enumerate(days)}
    if 228 in wanted:
        wanted.setdefault(229, wanted[228])
    month_day = _MONTH_DAY[dialect]
    names = ", ".join(f":d{i}" for i in range(len(wanted)))
    sql = (
        f"SELECT account_id, CAST({month_day} AS INTEGER) FROM contact "
        f"WHERE birthday IS NOT NULL AND {month_day} IN ({names})"
    )
    params = {f"d{i}": md for i, md in enumerate(wanted)}
    return (sql, params, {"account_id": pl.Int64, "month_day": pl.Int64}), wanted


def _birthdays(frame: pl.DataFrame, wanted: dict[int, int], window: int) -> pl.DataFrame:
    """Days to the nearest birthday within the window, per account, for people who have one."""
    return (
        frame.select(
            "account_id",
            pl.col("month_day")
            .replace_strict(wanted, return_dtype=pl.Int64)
            .alias("birthday_in_days"),
        )
        .group_by("account_id")
        .agg(pl.col("birthday_in_days").min().clip(upper_bound=window))
    )


def _open_quotes(session: Session, day: date) -> pl.DataFrame:
    followed = select(Touch.quote_id).where(Touch.quote_id.is_not(None))
    rows = session.execute(
        select(Quote.account_id, func.min(Quote.quoted_on))
        .where(Quote.status == QuoteStatus.OPEN, Quote.id.not_in(followed))
        .group_by(Quote.account_id)
    ).all()
    return pl.DataFrame(
        {
            "account_id": [r[0] for r in rows],
            "open_quote_days": [(day - r[1]).days for r in rows],
        },
        schema={"account_id": pl.Int64, "open_quote_days": pl.Int64},
    )


def _open_promises(session: Session, day: date) -> pl.DataFrame:
    rows = session.execute(
        select(Promise.account_id, func.min(Promise.due_on))
        .where(Promise.status == PromiseStatus.OPEN)
        .group_by(Promise.account_id)
    ).all()
    return pl.DataFrame(
        {
            "account_id": [r[0] for r in rows],
            "promise_due_days": [(r[1] - day).days for r in rows],
        },
        schema={"account_id": pl.Int64, "promise_due_days": pl.Int64},
    )


_OWNERS: Query = (
    "SELECT account_id, member_id FROM account_owner ORDER BY account_id, member_id",
    {},
    {"account_id": pl.Int64, "member_id": pl.Int64},
)


def _owners(frame: pl.DataFrame) -> pl.DataFrame:
    """Each owned account's owners (member ids, ascending) from the sorted ownership rows."""
    return (
        frame.with_columns(pl.col("account_id").set_sorted())
        .group_by("account_id", maintain_order=True)
        .agg(pl.col("member_id").alias("owners"))
        .with_columns(pl.col("account_id").set_sorted())
    )


_TOURED: Query = (
    "SELECT DISTINCT account_id FROM fact WHERE kind = :kind AND account_id IS NOT NULL",
    {"kind": FactKind.FACILITY_TOUR.value},
    {"account_id": pl.Int64},
)
"""The accounts with a facility tour on record."""


def _days_to_anniversary(day: date) -> dict[int, int]:
    """Days from ``day`` to the next anniversary of each month-day (``month * 100 + day``).

    A first order on the 29th to 31st has its anniversary on the 28th (every month has one).
    Computed once per month-day instead of building a date per account.
    """
    days: dict[int, int] = {}
    for month in range(1, 13):
        for month_day in range(1, 32):
            this_year = date(day.year, month, min(month_day, 28))
            if this_year < day:
                this_year = date(day.year + 1, month, min(month_day, 28))
            days[month * 100 + month_day] = (this_year - day).days
    return days


def features_frame(session: Session, day: date) -> pl.DataFrame:
    """Every account's features as of ``day`` (see ``playbook.FEATURES``), plus its owners."""
    settings = effective_settings(session)
    week = latest_scored_week(session, day)
    dialect = dialect_name(session)
    low, high = session.execute(select(func.min(Account.id), func.max(Account.id))).one()
    low, high = int(low or 0), int(high or 0)
    middle = (low + high) // 2
    main_sql = _main_sql(dialect)
    birthdays, wanted = _birthday_query(dialect, day, BIRTHDAY_WINDOW)
    # The big reads at once, one connection each (see goodwill.columnar); the accounts in
    # halves on both engines. On PostgreSQL halves paid only once the planner had statistics
    # (goodwill.bulk.refresh_statistics): merged, 1.85 s whole against 1.3 s in halves.
    ranges = [(low, middle), (middle + 1, high)]
    *mains, owners, born, toured = read_frames(
        session,
        [
            *((main_sql, {"week": week, "lo": lo, "hi": hi}, _MAIN_SCHEMA) for lo, hi in ranges),
            _OWNERS,
            birthdays,
            _TOURED,
        ],
        rows=high - low + 1,
    )
    main = concat(mains, _MAIN_SCHEMA)
    today = pl.lit(day, pl.Date)
    cadence = settings.cadence_days
    first = pl.col("first_order_on")
    frame = main.select(
        # Sorted (the query orders by id): joins on a sorted key merge, 116 -> 51 ms for the
        # owners' lists at a million accounts.
        pl.col("account_id").cast(pl.Int64).set_sorted(),
        pl.col("kind").cast(pl.String),
        pl.col("tier").cast(pl.String),
        (pl.col("top").cast(pl.Boolean).fill_null(value=False) | (pl.col("tier") == "A")).alias(
            "is_top"
        ),
        pl.col("health").cast(pl.Float64),
        pl.col("arrow").cast(pl.String),
        (pl.col("revenue_365_minor").cast(pl.Float64).fill_null(0.0) / 100.0).alias("value_12m"),
        (today - pl.col("last_order_on")).dt.total_days().alias("days_since_order"),
        pl.when(pl.col("order_days").cast(pl.Int64) >= 2)
        .then(
            (pl.col("last_order_on") - first).dt.total_days().cast(pl.Float64)
            / (pl.col("order_days").cast(pl.Float64) - 1.0)
        )
        .alias("typical_gap_days"),
        pl.col("chance_of_buying").cast(pl.Float64).alias("p_buy_90"),
        pl.col("expected_purchases").cast(pl.Float64).alias("expected_orders_90"),
        (today - pl.col("last_touch_on")).dt.total_days().alias("days_since_touch"),
        (today - pl.col("last_value_on")).dt.total_days().alias("days_since_value"),
        pl.col("tier")
        .cast(pl.String)
        .replace_strict(cadence, default=settings.cadence_default_days, return_dtype=pl.Int64)
        .alias("cadence_days"),
        (pl.col("goal_this_quarter").cast(pl.Int64).fill_null(0) > 0).alias(
            "goals_asked_this_quarter"
        ),
        pl.col("account_id")
        .cast(pl.Int64)
        .is_in(toured["account_id"].implode())
        .alias("has_facility_tour"),
        (first.dt.month().cast(pl.Int64) * 100 + first.dt.day().cast(pl.Int64))
        .replace_strict(_days_to_anniversary(day), return_dtype=pl.Int64)
        .alias("anniversary_in_days"),
    )
    # One lazy query for the joins: the small frames are joined in parallel, and the million
    # rows are copied once rather than once per join.
    joined = frame.lazy()
    for extra in (
        _open_quotes(session, day),
        _open_promises(session, day),
        _birthdays(born, wanted, BIRTHDAY_WINDOW),
        _owners(owners),
    ):
        joined = joined.join(extra.lazy(), on="account_id", how="left", maintain_order="left")
    return joined.with_columns(
        pl.col("owners").fill_null(pl.lit([], pl.List(pl.Int64))),
        pl.when(pl.col("promise_due_days") < 0)
        .then(-pl.col("promise_due_days"))
        .alias("promise_overdue_days"),
    ).collect()
