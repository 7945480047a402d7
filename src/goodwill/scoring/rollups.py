"""Per-account rollups kept current as orders, touches, quotes and promises arrive.

A rollup row folds an account's records into the figures scoring needs, exactly as of one
day (``as_of``): orders, revenue in the last 90 days, the 90 before and 12 months, the last
touch per channel, the last time value was delivered, promises kept, quotes won and followed
up, and how well we know them. Every figure is computed by one set-based INSERT ... SELECT
that reads only the accounts asked for (their ids go through a temporary table, never a long
IN list), so the cost of a refresh follows what changed, not the length of history.

Windows move with the calendar, so each row also stores ``stale_on``: the first day on which
one of its windows drops or gains a record (an order turning 91 days old, a promise coming
due, a new quarter for the "goal asked this quarter" question, a record dated in the future).
Until that day the row is still exact, so scoring on a later day recomputes only the rows
whose day has come (:func:`bring_current`).

Services and importers call :func:`refresh_accounts` with the accounts they changed, inside
their transaction; :func:`rebuild` recomputes every account from scratch.

New orders are folded in without reading history (:func:`add_orders`). Recomputing an
account reads all its orders, so a refresh after 100,000 new orders over 95,000 accounts
of a 20-million-order history cost 10 to 20 s, and the first import of a million orders
spent almost half its time re-reading the orders it had just written. Yet every order
figure is a sum, a count, a minimum or a maximum, so an exact row plus the new orders gives
the new row: the new orders are aggregated per account in Polars, written to a temporary
table, and one UPDATE adds them to the stored figures. Two figures need more than the row:
``order_days`` counts distinct days, so a new order on a day that already had one must not
add a day (only days between the row's first and last order can, and only those are looked
up, by index); and ``first_day_minor`` is replaced when a new order comes before the first
one. The row must be exact on the day of the update (``as_of`` on or before it,
``stale_on`` after it); then it stays exact until the earlier of its ``stale_on`` and the
first day a new order crosses a window, which is the same ``stale_on`` a recomputation
gives. Rows that are not exact (or missing) are recomputed instead; importers call
:func:`make_current` before writing the orders, so that a recomputation reads only the old
history, and the new orders are added after.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import polars as pl
from sqlalchemy import BigInteger, Date, Integer, bindparam, column, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import TextualSelect
from sqlalchemy.types import TypeEngine

from goodwill.bulk import dialect_name, insert_rows, large_cache
from goodwill.models.types import UtcDateTime
from goodwill.quotes import FOLLOW_UP_AFTER_DAYS

NEVER = date(9999, 12, 31)
"""``stale_on`` of a row that no passing day can change."""

TARGET = "rollup_target"
"""The temporary table that holds the ids of the accounts to recompute."""

INLINE_TARGETS = 100
"""Up to this many accounts, ``rollup_rows`` names them in its query (no temporary table)."""

ORDER_DAYS = "rollup_order_day"
"""The temporary table of (account, day) pairs of new orders that may share a day with old ones."""

ORDER_DELTA = "rollup_order_delta"
"""The temporary table of the new orders' figures per account, added to the stored rows."""

ROLLUP_COLUMNS = (
    "account_id",
    "as_of",
    "stale_on",
    "first_order_on",
    "last_order_on",
    "order_count",
    "order_days",
    "spend_minor",
    "first_day_minor",
    "revenue_90_minor",
    "revenue_prior_90_minor",
    "revenue_365_minor",
    "last_touch_at",
    "last_call_at",
    "last_visit_at",
    "last_sit_down_at",
    "last_note_at",
    "last_email_at",
    "last_value_at",
    "calls_90",
    "visits_90",
    "sit_downs_90",
    "notes_90",
    "emails_90",
    "other_touches_90",
    "promises_due_365",
    "promises_kept_365",
    "quotes_decided_365",
    "quotes_won_365",
    "open_quotes",
    "open_quotes_followed",
    "fact_kinds",
    "fact_kinds_fresh",
    "goal_this_quarter",
)


_ROLLUP_TYPES: dict[str, TypeEngine[Any]] = {
    **{name: Date() for name in ROLLUP_COLUMNS if name.endswith(("_on", "as_of"))},
    **{name: UtcDateTime() for name in ROLLUP_COLUMNS if name.endswith("_at")},
    **{name: BigInteger() for name in ROLLUP_COLUMNS if name.endswith("_minor")},
}


def today_utc() -> date:
    """Today's date in UTC (rollups count touches by UTC day)."""
    return datetime.now(UTC).date()


def quarter_start(day: date) -> date:
    """The first day of the quarter ``day`` falls in."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def next_quarter_start(day: date) -> date:
    """The first day of the quarter after the one ``day`` falls in."""
    start = quarter_start(day)
    return date(start.year + 1, 1, 1) if start.month == 10 else date(start.year, start.month + 3, 1)


# --- SQL ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Dialect:
    """The few spellings in which SQLite and PostgreSQL differ."""

    name: str

    def plus_days(self, expr: str, days: int) -> str:
        if self.name == "sqlite":
            return f"date({expr}, '+{days} days')"
        return f"({expr} + {days})"

    def day_of(self, moment: str) -> str:
        if self.name == "sqlite":
            return f"date({moment})"
        return f"CAST(({moment} AT TIME ZONE 'UTC') AS DATE)"

    def never(self) -> str:
        return "'9999-12-31'" if self.name == "sqlite" else "DATE '9999-12-31'"

    def least(self, *exprs: str) -> str:
        # SQLite's many-argument MIN is NULL if any argument is; hence the COALESCEs.
        parts = ", ".join(f"COALESCE({e}, {self.never()})" for e in exprs)
        return f"MIN({parts})" if self.name == "sqlite" else f"LEAST({parts})"


def _source(table: str, alias: str, targeted: bool, dialect: str) -> str:
    """FROM (and WHERE) of one record table, limited to the target accounts if asked."""
    if not targeted:
        return f"FROM {table} {alias}"
    if dialect == "sqlite":
        # CROSS JOIN makes SQLite loop over the few target ids and seek each account's
        # records through the (account_id, ...) index, instead of scanning the table.
        return (
            f"FROM {TARGET} rt CROSS JOIN {table} {alias} WHERE {alias}.account_id = rt.account_id"
        )
    return f"FROM {table} {alias} JOIN {TARGET} rt ON rt.account_id = {alias}.account_id"


def rollup_select(dialect: str, targeted: bool) -> str:
    """The SELECT computing rollup rows as of ``:d`` (for the target accounts, or all)."""
    sql = _Dialect(dialect)
    plus = sql.plus_days
    touch_day = sql.day_of("t.happened_at")
    accounts = "account a"
    if targeted:
        accounts = f"account a JOIN {TARGET} rt ON rt.account_id = a.id"
        if dialect == "sqlite":
            accounts = f"{TARGET} rt CROSS JOIN account a ON a.id = rt.account_id"

    def last(condition: str) -> str:
        return f"MAX(CASE WHEN {condition} AND t.happened_at < :end THEN t.happened_at END)"

    def count_90(condition: str) -> str:
        window = "t.happened_at >= :start90 AND t.happened_at < :end"
        return f"SUM(CASE WHEN {condition} AND {window} THEN 1 ELSE 0 END)"

    decided = "(q.status <> 'open' AND COALESCE(q.decided_on, q.quoted_on) <= :d)"
    in_year = "q.quoted_on > :d365 AND q.quoted_on <= :d"
    followed = "EXISTS (SELECT 1 FROM touch ft WHERE ft.quote_id = q.id AND ft.happened_at < :end)"
    # An open quote counts among the open quotes once followed up or due a follow-up
    # (older than FOLLOW_UP_AFTER_DAYS): a quote made this morning is not yet neglected.
    due = plus("q.quoted_on", FOLLOW_UP_AFTER_DAYS + 1)  # the first day it is due
    stale = sql.least("o.stale_on", "tc.stale_on", "p.stale_on", "q.stale_on", "f.stale_on")
    return f"""
SELECT a.id, :d, {stale},
  o.first_order_on, o.last_order_on, COALESCE(o.order_count, 0), COALESCE(o.order_days, 0),
  COALESCE(o.spend_minor, 0), COALESCE(o.first_day_minor, 0), COALESCE(o.revenue_90, 0),
  COALESCE(o.revenue_prior_90, 0), COALESCE(o.revenue_365, 0),
  tc.last_touch_at, tc.last_call_at, tc.last_visit_at, tc.last_sit_down_at, tc.last_note_at,
  tc.last_email_at, tc.last_value_at,
  COALESCE(tc.calls_90, 0), COALESCE(tc.visits_90, 0), COALESCE(tc.sit_downs_90, 0),
  COALESCE(tc.notes_90, 0), COALESCE(tc.emails_90, 0), COALESCE(tc.other_90, 0),
  COALESCE(p.due, 0), COALESCE(p.kept, 0),
  COALESCE(q.decided, 0), COALESCE(q.won, 0), COALESCE(q.open_quotes, 0),
  COALESCE(q.followed, 0),
  COALESCE(f.kinds, 0), COALESCE(f.fresh, 0), COALESCE(f.goal_q, 0)
FROM {accounts}
LEFT JOIN (
  SELECT account_id,
    MIN(CASE WHEN ordered_on <= :d THEN ordered_on END) AS first_order_on,
    MAX(CASE WHEN ordered_on <= :d THEN ordered_on END) AS last_order_on,
    SUM(CASE WHEN ordered_on <= :d THEN n ELSE 0 END) AS order_count,
    SUM(CASE WHEN ordered_on <= :d THEN 1 ELSE 0 END) AS order_days,
    SUM(CASE WHEN ordered_on <= :d THEN day_total ELSE 0 END) AS spend_minor,
    SUM(CASE WHEN ordered_on <= :d AND k = 1 THEN day_total ELSE 0 END) AS first_day_minor,
    SUM(CASE WHEN ordered_on > :d90 AND ordered_on <= :d THEN day_total ELSE 0 END)
      AS revenue_90,
    SUM(CASE WHEN ordered_on > :d180 AND ordered_on <= :d90 THEN day_total ELSE 0 END)
      AS revenue_prior_90,
    SUM(CASE WHEN ordered_on > :d365 AND ordered_on <= :d THEN day_total ELSE 0 END)
      AS revenue_365,
    MIN(CASE WHEN ordered_on > :d THEN ordered_on
             WHEN ordered_on > :d90 THEN {plus("ordered_on", 90)}
             WHEN ordered_on > :d180 THEN {plus("ordered_on", 180)}
             WHEN ordered_on > :d365 THEN {plus("ordered_on", 365)} END) AS stale_on
  FROM (
    SELECT so.account_id, so.ordered_on, SUM(so.amount_minor) AS day_total, COUNT(*) AS n,
      ROW_NUMBER() OVER (PARTITION BY so.account_id ORDER BY so.ordered_on) AS k
    {_source("sales_order", "so", targeted, dialect)}
    GROUP BY so.account_id, so.ordered_on
  ) day_orders
  GROUP BY account_id
) o ON o.account_id = a.id
LEFT JOIN (
  SELECT t.account_id,
    {last("1 = 1")} AS last_touch_at,
    {last("t.channel = 'call'")} AS last_call_at,
    {last("t.channel = 'visit'")} AS last_visit_at,
    {last("t.channel = 'sit_down'")} AS last_sit_down_at,
    {last("t.channel = 'note'")} AS last_note_at,
    {last("t.channel = 'email'")} AS last_email_at,
    {last("t.value <> 'none'")} AS last_value_at,
    {count_90("t.channel = 'call'")} AS calls_90,
    {count_90("t.channel = 'visit'")} AS visits_90,
    {count_90("t.channel = 'sit_down'")} AS sit_downs_90,
    {count_90("t.channel = 'note'")} AS notes_90,
    {count_90("t.channel = 'email'")} AS emails_90,
    {count_90("t.channel IN ('event', 'other')")} AS other_90,
    MIN(CASE WHEN t.happened_at >= :end THEN {touch_day}
             WHEN t.happened_at >= :start90 THEN {plus(touch_day, 90)} END) AS stale_on
  {_source("touch", "t", targeted, dialect)}
  GROUP BY t.account_id
) tc ON tc.account_id = a.id
LEFT JOIN (
  SELECT pr.account_id,
    SUM(CASE WHEN pr.due_on > :d365 AND pr.due_on <= :d AND pr.status <> 'cancelled'
             THEN 1 ELSE 0 END) AS due,
    SUM(CASE WHEN pr.due_on > :d365 AND pr.due_on <= :d AND pr.status = 'kept'
             THEN 1 ELSE 0 END) AS kept,
    MIN(CASE WHEN pr.status = 'cancelled' THEN NULL
             WHEN pr.due_on > :d THEN pr.due_on
             WHEN pr.due_on > :d365 THEN {plus("pr.due_on", 365)} END) AS stale_on
  {_source("promise", "pr", targeted, dialect)}
  GROUP BY pr.account_id
) p ON p.account_id = a.id
LEFT JOIN (
  SELECT q.account_id,
    SUM(CASE WHEN {in_year} AND {decided} THEN 1 ELSE 0 END) AS decided,
    SUM(CASE WHEN {in_year} AND {decided} AND q.status = 'won' THEN 1 ELSE 0 END) AS won,
    SUM(CASE WHEN q.quoted_on <= :d AND NOT {decided} AND (q.quoted_on <= :dfu OR {followed})
             THEN 1 ELSE 0 END) AS open_quotes,
    SUM(CASE WHEN q.quoted_on <= :d AND NOT {decided} AND {followed} THEN 1 ELSE 0 END)
      AS followed,
    MIN(CASE WHEN q.quoted_on > :d THEN q.quoted_on
             WHEN q.status <> 'open' AND q.decided_on > :d
               THEN {sql.least("q.decided_on", f"CASE WHEN q.quoted_on > :dfu THEN {due} END")}
             WHEN q.status = 'open' AND q.quoted_on > :dfu THEN {due}
             WHEN q.quoted_on > :d365 THEN {plus("q.quoted_on", 365)} END) AS stale_on
  {_source("quote", "q", targeted, dialect)}
  GROUP BY q.account_id
) q ON q.account_id = a.id
LEFT JOIN (
  SELECT fa.account_id,
    COUNT(DISTINCT CASE WHEN fa.learned_on <= :d THEN fa.kind END) AS kinds,
    COUNT(DISTINCT CASE WHEN fa.learned_on > :d365 AND fa.learned_on <= :d THEN fa.kind END)
      AS fresh,
    MAX(CASE WHEN fa.kind = 'goal' AND fa.learned_on >= :quarter AND fa.learned_on <= :d
             THEN 1 ELSE 0 END) AS goal_q,
    MIN(CASE WHEN fa.learned_on > :d THEN fa.learned_on
             WHEN fa.kind = 'goal' AND fa.learned_on >= :quarter THEN :next_quarter
             WHEN fa.learned_on > :d365 THEN {plus("fa.learned_on", 365)} END) AS stale_on
  {_source("fact", "fa", targeted, dialect)}
  GROUP BY fa.account_id
) f ON f.account_id = a.id
"""


def window_parameters(as_of: date) -> dict[str, Any]:
    """The bound values the rollup SELECT needs for a day."""
    start = datetime.combine(as_of, time(), tzinfo=UTC)
    return {
        "d": as_of,
        "d90": as_of - timedelta(days=90),
        "d180": as_of - timedelta(days=180),
        "d365": as_of - timedelta(days=365),
        "dfu": as_of - timedelta(days=FOLLOW_UP_AFTER_DAYS + 1),
        "quarter": quarter_start(as_of),
        "next_quarter": next_quarter_start(as_of),
        "end": start + timedelta(days=1),
        "start90": start - timedelta(days=89),
    }


def _statement(sql: str) -> TextClause:
    dates = ("d", "d90", "d180", "d365", "dfu", "quarter", "next_quarter")
    moments = ("end", "start90")
    return text(sql).bindparams(
        *(bindparam(name, type_=Date()) for name in dates if f":{name}" in sql),
        *(bindparam(name, type_=UtcDateTime()) for name in moments if f":{name}" in sql),
    )


def _fill_target(session: Session, account_ids: Iterable[int]) -> int:
    """Put these ids (deduplicated) in the temporary target table; returns how many."""
    if dialect_name(session) == "sqlite":
        create = f"CREATE TEMP TABLE IF NOT EXISTS {TARGET} (account_id INTEGER PRIMARY KEY)"
    else:
        create = (
            f"CREATE TEMP TABLE IF NOT EXISTS {TARGET} (account_id INTEGER PRIMARY KEY) "
            "ON COMMIT DELETE ROWS"
        )
    session.execute(text(create))
    session.execute(text(f"DELETE FROM {TARGET}"))
    ids = sorted({int(i) for i in account_ids})
    if ids:
        insert_rows(session, TARGET, ["account_id"], ((i,) for i in ids))
    if dialect_name(session) == "postgresql":
        session.execute(text(f"ANALYZE {TARGET}"))
    return len(ids)


def _write(session: Session, as_of: date, targeted: bool) -> None:
    columns = ", ".join(ROLLUP_COLUMNS)
    select = rollup_select(dialect_name(session), targeted)
    if targeted:
        session.execute(
            text(
                f"DELETE FROM account_rollup WHERE account_id IN (SELECT account_id FROM {TARGET})"
            )
        )
    else:
        session.execute(text("DELETE FROM account_rollup"))
    statement = _statement(f"INSERT INTO account_rollup ({columns}) {select}")
    session.execute(statement, window_parameters(as_of))


# --- the contract -------------------------------------------------------------------------


def refresh_accounts(
    session: Session, account_ids: Iterable[int], *, as_of: date | None = None
) -> int:
    """Bring the rollups of these accounts up to date (call after writing their records).

    ``as_of`` defaults to today (UTC). Returns how many accounts were recomputed.
    """
    session.flush()
    count = _fill_target(session, account_ids)
    if count:
        _write(session, as_of or today_utc(), targeted=True)
    return count


def make_current(session: Session, account_ids: Iterable[int], *, as_of: date | None = None) -> int:
    """Recompute those of these accounts' rollups that are not exact as of the day.

    Importers call it before writing new orders and :func:`add_orders` after, so that
    the recomputation (if any) reads only the history that was already there. Returns how
    many accounts were recomputed.
    """
    session.flush()
    day = as_of or today_utc()
    if not _fill_target(session, account_ids):
        return 0
    session.execute(
        _statement(
            f"DELETE FROM {TARGET} WHERE EXISTS (SELECT 1 FROM account_rollup r "
            f"WHERE r.account_id = {TARGET}.account_id AND r.as_of <= :d AND r.stale_on > :d)"
        ),
        {"d": day},
    )
    count = int(session.execute(text(f"SELECT COUNT(*) FROM {TARGET}")).scalar_one())
    if count:
        _write(session, day, targeted=True)
    return count


def add_orders(session: Session, orders: pl.DataFrame, *, as_of: date | None = None) -> int:
    """Fold orders just written into their accounts' rollups (call once, after writing them).

    ``orders`` holds the new rows only (``account_id``, ``ordered_on``, ``amount_minor``);
    changed orders need :func:`refresh_accounts`. An account whose row is exact on the day
    gets the new orders added to it; the others are recomputed. Returns how many accounts
    were updated.
    """
    session.flush()
    if orders.height == 0:
        return 0
    day = as_of or today_utc()
    dialect = dialect_name(session)
    on, amount = pl.col("ordered_on"), pl.col("amount_minor")
    orders = orders.select(pl.col("account_id").cast(pl.Int64), on.cast(pl.Date), amount)
    accounts = orders["account_id"].unique().sort().to_list()
    exact = _exact_rows(session, accounts, day)
    if exact.height < len(accounts):
        orders = orders.filter(pl.col("account_id").is_in(exact["account_id"].implode()))
    # Only a day between a row's first and last order can already have one.
    within = exact.filter(pl.col("first_order_on").is_not_null())
    maybe = (
        orders.join(within, on="account_id", how="inner")
        .filter((on >= pl.col("first_order_on")) & (on <= pl.col("last_order_on")))
        .group_by("account_id", "ordered_on")
        .agg(pl.len().cast(pl.Int64).alias("n"))
    )
    seen = (
        _days_with_old_orders(session, maybe)
        .group_by("account_id")
        .agg(pl.len().cast(pl.Int64).alias("seen"))
    )
    d90, d180, d365 = (day - timedelta(days=n) for n in (90, 180, 365))
    counted = on <= day
    first = on.filter(counted).min()
    # The first day a new order crosses a window, as the full recomputation has it.
    crossing = (
        pl.when(on > day)
        .then(on)
        .when(on > d90)
        .then(on + timedelta(days=90))
        .when(on > d180)
        .then(on + timedelta(days=180))
        .when(on > d365)
        .then(on + timedelta(days=365))
    )
    delta = (
        orders.group_by("account_id")
        .agg(
            counted.sum().cast(pl.Int64).alias("n"),
            on.filter(counted).n_unique().cast(pl.Int64).alias("days"),
            amount.filter(counted).sum().alias("spend"),
            amount.filter((on > d90) & counted).sum().alias("r90"),
            amount.filter((on > d180) & (on <= d90)).sum().alias("rp90"),
            amount.filter((on > d365) & counted).sum().alias("r365"),
            first.alias("first_on"),
            amount.filter(on == first).sum().alias("first_total"),
            on.filter(counted).max().alias("last_on"),
            crossing.min().alias("stale_on"),
        )
        .join(seen, on="account_id", how="left")
        .with_columns(
            pl.col("days") - pl.col("seen").fill_null(0),
            pl.col("stale_on", "first_on", "last_on").dt.to_string("%Y-%m-%d"),
        )
        .select(DELTA_COLUMNS)
        .sort("account_id")  # appended to the temporary table's key in order, not scattered
    )
    recompute = sorted(set(accounts) - set(exact["account_id"].to_list()))
    if delta.height:
        _temp_table(session, ORDER_DELTA, _DELTA_DEFINITION, dialect)
        values = zip(*(delta[c].to_list() for c in DELTA_COLUMNS), strict=True)
        insert_rows(session, ORDER_DELTA, DELTA_COLUMNS, values)
        if dialect == "postgresql":
            session.execute(text(f"ANALYZE {ORDER_DELTA}"))
        with large_cache(session):
            if dialect == "postgresql":
                added: Any = session.execute(_statement(_ADD_ORDERS_PG), {"d": day})
            else:
                added = session.execute(_statement(_ADD_ORDERS), {"d": day})
                session.execute(text(_EARLIER_STALE_ON))
        if int(added.rowcount) != delta.height:
            # A row stopped being exact after it was read (another writer on PostgreSQL):
            # recomputing every one of them is right whatever was added.
            recompute = accounts
    if recompute:
        refresh_accounts(session, recompute, as_of=day)
    return len(accounts)


DELTA_COLUMNS = [
    "account_id",
    "n",
    "days",
    "spend",
    "r90",
    "rp90",
    "r365",
    "first_on",
    "first_total",
    "last_on",
    "stale_on",
]

_DELTA_DEFINITION = {
    "account_id": "INTEGER PRIMARY KEY",
    **{name: "BIGINT" for name in DELTA_COLUMNS if name not in ("account_id", "first_on")},
    "first_on": "DATE",
    "last_on": "DATE",
    "stale_on": "DATE",
}


def _add_orders_sql(move_stale_on: bool) -> str:
    """The UPDATE that folds the new figures into the exact rows; with ``move_stale_on`` it
    also moves ``stale_on`` where a new order moves it earlier."""
    stale_on = (
        ",\n  stale_on = CASE WHEN d.stale_on < r.stale_on THEN d.stale_on ELSE r.stale_on END"
        if move_stale_on
        else ""
    )
    return f"""
UPDATE account_rollup AS r SET
  as_of = :d,
  first_day_minor = CASE
    WHEN r.first_order_on IS NULL OR d.first_on < r.first_order_on THEN d.first_total
    WHEN d.first_on = r.first_order_on THEN r.first_day_minor + d.first_total
    ELSE r.first_day_minor END,
  first_order_on = CASE
    WHEN r.first_order_on IS NULL OR d.first_on < r.first_order_on THEN d.first_on
    ELSE r.first_order_on END,
  last_order_on = CASE
    WHEN r.last_order_on IS NULL OR d.last_on > r.last_order_on THEN d.last_on
    ELSE r.last_order_on END,
  order_count = r.order_count + d.n,
  order_days = r.order_days + d.days,
  spend_minor = r.spend_minor + d.spend,
  revenue_90_minor = r.revenue_90_minor + d.r90,
  revenue_prior_90_minor = r.revenue_prior_90_minor + d.rp90,
  revenue_365_minor = r.revenue_365_minor + d.r365{stale_on}
FROM {ORDER_DELTA} d
WHERE r.account_id IN (SELECT account_id FROM {ORDER_DELTA}) AND r.account_id = d.account_id
  AND r.as_of <= :d AND r.stale_on > :d
"""


_ADD_ORDERS = _add_orders_sql(move_stale_on=False)
# The IN is for SQLite's planner: without it, it walks every row of account_rollup (by its
# stale_on index) and looks each up among the new figures, instead of the other way round.

_EARLIER_STALE_ON = f"""
UPDATE account_rollup AS r SET stale_on = d.stale_on
FROM {ORDER_DELTA} d
WHERE r.account_id IN (SELECT account_id FROM {ORDER_DELTA} WHERE stale_on IS NOT NULL)
  AND r.account_id = d.account_id AND d.stale_on < r.stale_on
"""
# Apart from the figures: stale_on is indexed, and most new orders do not move it, so
# setting it only where it moves spares the index a delete and insert per row (at a million
# accounts, scattered index pages were most of the cost).

_ADD_ORDERS_PG = _add_orders_sql(move_stale_on=True)
# On PostgreSQL in the same statement: every UPDATE writes a new version of the whole row,
# so a second one for stale_on wrote 0.5 s of versions again; an unchanged stale_on costs
# its index nothing there (a heap-only update where the page has room).


def _temp_table(session: Session, name: str, columns: dict[str, str], dialect: str) -> None:
    """An empty temporary table (created once per connection, emptied on every use)."""
    types = (
        {"DATE": "TEXT"} if dialect == "sqlite" else {"INTEGER PRIMARY KEY": "BIGINT PRIMARY KEY"}
    )
    body = ", ".join(f"{c} {types.get(t, t)}" for c, t in columns.items())
    rows = " ON COMMIT DELETE ROWS" if dialect == "postgresql" else ""
    session.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({body}){rows}"))
    session.execute(text(f"DELETE FROM {name}"))


def _day_text(expr: str, dialect: str) -> str:
    return expr if dialect == "sqlite" else f"to_char({expr}, 'YYYY-MM-DD')"


def _exact_rows(session: Session, account_ids: list[int], day: date) -> pl.DataFrame:
    """Account, first and last order day of the rows among these that are exact on the day."""
    dialect = dialect_name(session)
    _fill_target(session, account_ids)
    join = "CROSS JOIN" if dialect == "sqlite" else "JOIN"
    query = (
        f"SELECT r.account_id, {_epoch_days('r.first_order_on', dialect)}, "
        f"{_epoch_days('r.last_order_on', dialect)} "
        f"FROM {TARGET} rt {join} account_rollup r ON r.account_id = rt.account_id "
        "WHERE r.as_of <= :d AND r.stale_on > :d"
    )
    rows = session.execute(_statement(query), {"d": day}).all()
    frame = pl.DataFrame(
        [tuple(row) for row in rows],
        schema={"account_id": pl.Int64, "first_order_on": pl.Int64, "last_order_on": pl.Int64},
        orient="row",
    )
    return frame.with_columns(
        pl.col("first_order_on", "last_order_on").cast(pl.Int32).cast(pl.Date)
    )


def _epoch_days(expr: str, dialect: str) -> str:
    """A stored day as days since 1970: integers cross the driver and become dates cheaper
    than ISO text (95,000 rows per refresh of 100,000 new orders)."""
    if dialect == "sqlite":
        return f"unixepoch({expr}) / 86400"
    return f"({expr} - DATE '1970-01-01')"


def _days_with_old_orders(session: Session, pairs: pl.DataFrame) -> pl.DataFrame:
    """Which of these (account, day, new orders) pairs also have orders written before."""
    empty = pl.DataFrame(schema={"account_id": pl.Int64, "ordered_on": pl.Date})
    if pairs.height == 0:
        return empty
    dialect = dialect_name(session)
    _temp_table(
        session,
        ORDER_DAYS,
        {"account_id": "BIGINT", "ordered_on": "DATE", "n": "BIGINT"},
        dialect,
    )
    insert_rows(
        session,
        ORDER_DAYS,
        ["account_id", "ordered_on", "n"],
        pairs.with_columns(pl.col("ordered_on").dt.to_string("%Y-%m-%d")).iter_rows(),
    )
    if dialect == "postgresql":
        session.execute(text(f"ANALYZE {ORDER_DAYS}"))
    query = (
        f"SELECT c.account_id, {_day_text('c.ordered_on', dialect)} FROM {ORDER_DAYS} c "
        "WHERE (SELECT COUNT(*) FROM sales_order so WHERE so.account_id = c.account_id "
        "AND so.ordered_on = c.ordered_on) > c.n"
    )
    rows = session.execute(text(query)).all()
    if not rows:
        return empty
    frame = pl.DataFrame(
        [tuple(row) for row in rows],
        schema={"account_id": pl.Int64, "ordered_on": pl.String},
        orient="row",
    )
    return frame.with_columns(pl.col("ordered_on").str.to_date("%Y-%m-%d"))


def rebuild(session: Session, *, as_of: date | None = None) -> None:
    """Recompute the rollups of every account from scratch."""
    session.flush()
    _write(session, as_of or today_utc(), targeted=False)


def bring_current(session: Session, as_of: date, *, rebuild_share: float = 0.3) -> int:
    """Make every account's rollup exact as of ``as_of``, recomputing only what moved.

    A row is still exact when it was computed on or before ``as_of`` and its ``stale_on``
    is later. The others (and accounts without a row) are recomputed; when they are more
    than ``rebuild_share`` of all accounts, one full rebuild is cheaper. Returns how many
    accounts were recomputed.
    """
    session.flush()
    moved = (
        "SELECT a.id FROM account a LEFT JOIN account_rollup r ON r.account_id = a.id "
        "WHERE r.account_id IS NULL OR r.as_of > :d OR r.stale_on <= :d"
    )
    ids = [int(i) for i in session.execute(_statement(moved), {"d": as_of}).scalars()]
    if not ids:
        return 0
    total = int(session.execute(text("SELECT COUNT(*) FROM account")).scalar_one())
    if len(ids) > rebuild_share * total:
        _write(session, as_of, targeted=False)
        return total
    return refresh_accounts(session, ids, as_of=as_of)


@functools.lru_cache(maxsize=2 * INLINE_TARGETS)
def _rows_statement(dialect: str, named: int) -> TextualSelect:
    """The rollup SELECT for ``named`` accounts bound as ``:rt0``... (0: the target table).

    Bound, not inlined, and built once: the same text for the same count reuses its
    compiled form and its prepared statement.
    """
    select_sql = rollup_select(dialect, targeted=True)
    if named:
        values = ", ".join(f"(:rt{n})" for n in range(named))
        select_sql = f"WITH {TARGET}(account_id) AS (VALUES {values}) {select_sql}"
    return _statement(select_sql).columns(
        *(column(name, _ROLLUP_TYPES.get(name, Integer())) for name in ROLLUP_COLUMNS)
    )


def rollup_rows(session: Session, account_ids: Iterable[int], as_of: date) -> dict[int, Any]:
    """Rollup figures of a few accounts as of a day, computed on the fly (nothing stored).

    Up to ``INLINE_TARGETS`` accounts are named in the query itself (a ``WITH`` list that
    stands in for the target table: an account page asks for one), more go through the
    temporary target table.
    """
    ids = sorted({int(i) for i in account_ids})
    if not ids:
        return {}
    parameters = window_parameters(as_of)
    if len(ids) <= INLINE_TARGETS:
        parameters.update({f"rt{n}": i for n, i in enumerate(ids)})
        statement = _rows_statement(dialect_name(session), len(ids))
    else:
        _fill_target(session, ids)
        statement = _rows_statement(dialect_name(session), 0)
    rows = session.execute(statement, parameters).all()
    return {int(row[0]): dict(zip(ROLLUP_COLUMNS, row, strict=True)) for row in rows}
