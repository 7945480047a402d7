"""The features the playbook's rules read: one row per account, as of a day.

Most come from the latest weekly scores (``health_week``) and the rollups; what moves by
the day (promises coming due, quotes ageing, birthdays) is read fresh from the small sets of
open promises, open quotes and people with a birthday this week. The big read is one query
over accounts, rollups and scores, fetched straight into Polars.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from goodwill.bulk import dialect_name, driver_connection
from goodwill.config import get_settings
from goodwill.models import Fact, FactKind, Promise, PromiseStatus, Quote, QuoteStatus, Touch
from goodwill.models.contact import Contact
from goodwill.scoring.service import week_of

_MAIN = """
SELECT a.id AS account_id, a.kind AS kind, COALESCE(a.tier, '') AS tier,
       r.first_order_on, r.last_order_on, r.order_days, r.revenue_365_minor,
       r.last_touch_at, r.last_value_at, r.goal_this_quarter,
       h.health, h.arrow, h.top, h.chance_of_buying, h.expected_purchases
FROM account a
LEFT JOIN account_rollup r ON r.account_id = a.id
LEFT JOIN health_week h ON h.account_id = a.id AND h.week_on = :week
ORDER BY a.id
"""


def latest_scored_week(session: Session, day: date) -> date | None:
    """The Monday of the latest week scored on or before ``day``."""
    found = session.execute(
        text("SELECT MAX(week_on) FROM scoring_run WHERE week_on <= :w"), {"w": week_of(day)}
    ).scalar()
    if found is None or isinstance(found, date):
        return found
    return date.fromisoformat(str(found))


def _frame(session: Session, sql: str, params: dict[str, Any]) -> pl.DataFrame:
    """Run a query on the session's own connection (so it sees this transaction's writes) and
    hand its rows to Polars straight from the driver's cursor, skipping SQLAlchemy's rows."""
    raw = driver_connection(session)
    cursor = raw.cursor()
    try:
        if dialect_name(session) == "sqlite":  # sqlite3 takes :name parameters as written
            cursor.execute(sql, {k: _plain(v) for k, v in params.items()})
        else:  # psycopg spells them %(name)s
            cursor.execute(re.sub(r":(\w+)", r"%(\1)s", sql), params)
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)


def _plain(value: Any) -> Any:
    """A parameter as SQLite stores it (dates as ISO text)."""
    return value.isoformat() if isinstance(value, date) else value


def _as_date(frame: pl.DataFrame, name: str) -> pl.Expr:
    dtype = frame.schema[name]
    col = pl.col(name)
    if dtype == pl.String:
        return col.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    if dtype == pl.Null:
        return col.cast(pl.Date)
    return col.cast(pl.Date)


def _birthdays(session: Session, day: date, window: int = 8) -> pl.DataFrame:
    """Days to the nearest birthday within ``window`` days, per account, for people who have one."""
    month_day = (
        func.strftime("%m-%d", Contact.birthday)
        if dialect_name(session) == "sqlite"
        else func.to_char(Contact.birthday, "MM-DD")
    )
    days = [day + timedelta(days=n) for n in range(window)]
    wanted = {f"{d:%m-%d}": n for n, d in enumerate(days)}
    if any(d.month == 2 and d.day == 28 for d in days):
        wanted.setdefault("02-29", wanted["02-28"])  # leap-day birthdays are kept on the 28th
    rows = session.execute(
        select(Contact.account_id, month_day).where(
            Contact.birthday.is_not(None), month_day.in_(list(wanted))
        )
    ).all()
    best: dict[int, int] = {}
    for account_id, md in rows:
        best[account_id] = min(best.get(account_id, window), wanted[md])
    return pl.DataFrame(
        {"account_id": list(best), "birthday_in_days": list(best.values())},
        schema={"account_id": pl.Int64, "birthday_in_days": pl.Int64},
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


def _owners(session: Session) -> pl.DataFrame:
    frame = _frame(session, "SELECT account_id, member_id FROM account_owner", {})
    if frame.height == 0:
        return pl.DataFrame(schema={"account_id": pl.Int64, "owners": pl.List(pl.Int64)})
    return (
        frame.cast({"account_id": pl.Int64, "member_id": pl.Int64})
        .group_by("account_id")
        .agg(pl.col("member_id").sort().alias("owners"))
    )


def _toured(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(Fact.account_id).where(Fact.kind == FactKind.FACILITY_TOUR).distinct()
        )
    )


def features_frame(session: Session, day: date) -> pl.DataFrame:
    """Every account's features as of ``day`` (see ``playbook.FEATURES``), plus its owners."""
    settings = get_settings()
    week = latest_scored_week(session, day)
    main = _frame(session, _MAIN, {"week": week})
    if main.height == 0:
        main = pl.DataFrame(
            schema={
                "account_id": pl.Int64,
                "kind": pl.String,
                "tier": pl.String,
                "first_order_on": pl.Date,
                "last_order_on": pl.Date,
                "order_days": pl.Int64,
                "revenue_365_minor": pl.Int64,
                "last_touch_at": pl.Date,
                "last_value_at": pl.Date,
                "goal_this_quarter": pl.Int64,
                "health": pl.Float64,
                "arrow": pl.String,
                "top": pl.Boolean,
                "chance_of_buying": pl.Float64,
                "expected_purchases": pl.Float64,
            }
        )
    today = pl.lit(day, pl.Date)
    main = main.with_columns(
        _as_date(main, "first_order_on").alias("first_order_on"),
        _as_date(main, "last_order_on").alias("last_order_on"),
        _as_date(main, "last_touch_at").alias("last_touch_on"),
        _as_date(main, "last_value_at").alias("last_value_on"),
    )
    cadence = settings.cadence_days
    first = pl.col("first_order_on")
    anniversary = pl.date(pl.lit(day.year), first.dt.month(), first.dt.day().clip(upper_bound=28))
    frame = main.select(
        pl.col("account_id").cast(pl.Int64),
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
        pl.col("account_id").cast(pl.Int64).is_in(_toured(session)).alias("has_facility_tour"),
        pl.when(first.is_not_null())
        .then(
            pl.when(anniversary >= today)
            .then((anniversary - today).dt.total_days())
            .otherwise((anniversary.dt.offset_by("1y") - today).dt.total_days())
        )
        .alias("anniversary_in_days"),
    )
    for extra in (
        _open_quotes(session, day),
        _open_promises(session, day),
        _birthdays(session, day),
    ):
        frame = frame.join(extra, on="account_id", how="left")
    frame = frame.join(_owners(session), on="account_id", how="left").with_columns(
        pl.col("owners").fill_null(pl.lit([], pl.List(pl.Int64))),
        pl.when(pl.col("promise_due_days") < 0)
        .then(-pl.col("promise_due_days"))
        .alias("promise_overdue_days"),
    )
    return frame
