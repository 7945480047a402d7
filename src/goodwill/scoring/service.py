"""Scoring: bring rollups current, read them as columns, score, store the week, explain.

One query reads every customer's rollup (and its health in the previous weeks) as numbers
into NumPy; :mod:`goodwill.scoring.core` scores them; one bulk insert writes the week's rows
(re-scoring a week replaces it). Reasons in words are made only for the accounts shown.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date, timedelta
from functools import cache
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Row, Select, bindparam, delete, func, select
from sqlalchemy.orm import Session

from goodwill.bulk import day_text, dialect_name, refresh_statistics
from goodwill.columnar import read_frame, write_frame
from goodwill.config import Settings, get_settings
from goodwill.errors import Invalid, NotFound
from goodwill.members.service import find_member
from goodwill.models import (
    Account,
    AccountKind,
    HealthWeek,
    Member,
    ScoringRun,
    account_owner,
)
from goodwill.scoring import core, rhythm, rollups
from goodwill.scoring.rhythm import MIN_CUSTOMERS
from goodwill.scoring.schemas import (
    ComponentOut,
    FitOut,
    HealthOut,
    OutlookOut,
    ScoreReport,
    TopReport,
)
from goodwill.teamsettings import effective_settings

_HEALTH = HealthWeek.__table__.c
_ACCOUNT = Account.__table__.c

EPOCH = date(1970, 1, 1)
ARROW_WORDS = {core.UP: "up", core.FLAT: "flat", core.DOWN: "down"}
HEALTH_COLUMNS = (
    "account_id",
    "week_on",
    "as_of",
    "health",
    *core.COMPONENTS,
    "chance_of_buying",
    "expected_purchases",
    "value_12_months_minor",
    "revenue_90_minor",
    "revenue_prior_90_minor",
    "revenue_365_minor",
    "days_since_order",
    "days_since_value",
    "trend",
    "arrow",
    "top",
    "complacent",
    "neglected",
)


def week_of(day: date) -> date:
    """The Monday of the ISO week ``day`` falls in."""
    return day - timedelta(days=day.weekday())


def health_rules(settings: Settings | None = None) -> core.HealthRules:
    """The health rules in force (from the settings)."""
    s = settings or get_settings()
    rules = core.HealthRules(
        weights=dict(s.health_weights),
        buying_window_days=s.buying_window_days,
        neglect_days=s.neglect_days,
        complacency_days=s.complacency_days,
        top_share=s.top_account_share,
        arrow_noise_points=s.arrow_noise_points,
        arrow_revenue_change=s.arrow_revenue_change,
    )
    try:
        rules.points()
    except ValueError as exc:
        raise Invalid(f"GOODWILL_HEALTH_WEIGHTS: {exc}") from None
    return rules


def cadence_of(tier: str, settings: Settings | None = None) -> int:
    """Target days between touches for an account tier (GOODWILL_CADENCE_DAYS, else default)."""
    s = settings or get_settings()
    return int(s.cadence_days.get(tier, s.cadence_default_days))


# --- reading the rollups as columns -------------------------------------------------------


def _figures_sql(dialect: str, tiers: Sequence[str], only: Sequence[int] = ()) -> str:
    def p(name: str) -> str:
        return f":{name}"  # goodwill.columnar binds or quotes them for each engine

    def day(expr: str, moment: bool = False) -> str:
        if dialect == "sqlite":
            return f"CAST(julianday({expr}) - 2440587.5 AS INTEGER)"
        if moment:
            return f"(CAST(({expr} AT TIME ZONE 'UTC') AS DATE) - DATE '1970-01-01')"
        return f"({expr} - DATE '1970-01-01')"

    cases = " ".join(f"WHEN {p(f't{i}')} THEN {p(f'c{i}')}" for i in range(len(tiers)))
    cadence = f"CASE a.tier {cases} ELSE {p('c_other')} END" if tiers else p("c_other")
    # Ids are integers from our own rows, never typed text: safe to inline.
    only_ids = f" AND a.id IN ({', '.join(str(int(i)) for i in only)})" if only else ""
    return f"""
SELECT a.id, {cadence}, {day("r.first_order_on")}, {day("r.last_order_on")}, r.order_days,
  r.spend_minor, r.first_day_minor, r.revenue_90_minor, r.revenue_prior_90_minor,
  r.revenue_365_minor, {day("r.last_touch_at", True)}, {day("r.last_value_at", True)},
  r.calls_90, r.visits_90, r.sit_downs_90, r.notes_90, r.emails_90, r.other_touches_90,
  r.promises_due_365, r.promises_kept_365, r.quotes_decided_365, r.quotes_won_365,
  r.open_quotes, r.open_quotes_followed, r.fact_kinds, r.fact_kinds_fresh,
  r.goal_this_quarter
FROM account a
JOIN account_rollup r ON r.account_id = a.id
WHERE a.kind = {p("customer")}{only_ids} AND a.id BETWEEN {p("lo")} AND {p("hi")}
ORDER BY a.id
"""


def _history_sql(only: Sequence[int] = ()) -> str:
    """Health in the previous weeks (week 1 = the week before), only the rows that exist.

    Read apart from the rollups and joined in Polars: four joins in SQL cost four index
    searches per account even when there is no history yet.
    """
    weeks = range(1, core.HISTORY_WEEKS + 1)
    which = " ".join(f"WHEN :w{i} THEN {i}" for i in weeks)
    only_ids = f" AND h.account_id IN ({', '.join(str(int(i)) for i in only)})" if only else ""
    return f"""
SELECT h.account_id, CASE h.week_on {which} END, h.health
FROM health_week h
WHERE h.week_on IN ({", ".join(f":w{i}" for i in weeks)}){only_ids}
"""


def read_figures(
    session: Session,
    week_on: date,
    settings: Settings | None = None,
    only: Sequence[int] = (),
    *,
    columnar: bool = True,
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], core.AccountFigures]:
    """Every customer's rollup as columns (one query), with its health in previous weeks.

    ``only`` limits it to those accounts. The rows come as columns (``goodwill.columnar``:
    exact, and safe inside a transaction that wrote); ``columnar=False`` reads them through
    the driver row by row instead (to compare).
    """
    s = settings or effective_settings(session)
    dialect = dialect_name(session)
    tiers = sorted(s.cadence_days)
    params: dict[str, Any] = {"customer": AccountKind.CUSTOMER.value}
    params["c_other"] = int(s.cadence_default_days)
    for i, tier in enumerate(tiers):
        params[f"t{i}"] = tier
        params[f"c{i}"] = int(s.cadence_days[tier])
    for i in range(1, core.HISTORY_WEEKS + 1):
        week = week_on - timedelta(weeks=i)
        params[f"w{i}"] = day_text(week) if dialect == "sqlite" else week
    rollup_width = len(core.AccountFigures.__dataclass_fields__) - 1  # history is 1 field
    width = rollup_width + core.HISTORY_WEEKS
    schema: dict[str, Any] = {"id": pl.Int64, **{f"c{i}": pl.Float64 for i in range(rollup_width)}}
    low, high = session.execute(select(func.min(Account.id), func.max(Account.id))).one()
    low, high = int(low or 0), int(high or 0)
    middle = (low + high) // 2
    # In halves read at once on SQLite; one query on PostgreSQL (at 200,000 accounts the
    # halves took 1.4-1.7 s against 1.1 s for one query).
    halves = [{"lo": low, "hi": middle}, {"lo": middle + 1, "hi": high}]
    parts = halves if dialect == "sqlite" and not only else []
    frame = read_frame(
        session,
        _figures_sql(dialect, tiers, only),
        {**params, "lo": low, "hi": high},
        schema,
        columnar=columnar,
        parts=parts,
        rows=0 if only else high - low + 1,
    )
    if frame.height == 0:
        return np.zeros(0, dtype=np.int64), core.AccountFigures.from_columns(np.zeros((0, width)))
    history = read_frame(
        session,
        _history_sql(only),
        {f"w{i}": params[f"w{i}"] for i in range(1, core.HISTORY_WEEKS + 1)},
        {"id": pl.Int64, "week": pl.Int64, "health": pl.Float64},
        columnar=columnar,
        rows=0 if only else high - low + 1,
    )
    for i in range(1, core.HISTORY_WEEKS + 1):
        prior = history.filter(pl.col("week") == i).select("id", pl.col("health").alias(f"w{i}"))
        frame = frame.join(prior, on="id", how="left", maintain_order="left")
    ids = frame["id"].to_numpy().astype(np.int64)
    table = frame.drop("id").to_numpy().astype(np.float64, copy=False)  # nulls become NaN
    return ids, core.AccountFigures.from_columns(table)


# --- scoring ------------------------------------------------------------------------------


def _health_frame(
    ids: np.ndarray[Any, np.dtype[np.int64]],
    figures: core.AccountFigures,
    scores: core.HealthScores,
    week_on: date,
    as_of: date,
) -> pl.DataFrame:
    n = ids.size
    words = np.array(["down", "flat", "up"], dtype=object)[scores.arrow.astype(np.int64) + 1]

    def days(values: np.ndarray[Any, np.dtype[np.float64]]) -> pl.Series:
        return pl.Series(values, nan_to_null=True).cast(pl.Int64)

    columns: dict[str, Any] = {
        "account_id": pl.Series(ids, dtype=pl.Int64),
        "week_on": pl.repeat(week_on, n, eager=True, dtype=pl.Date),
        "as_of": pl.repeat(as_of, n, eager=True, dtype=pl.Date),
        "health": np.round(scores.health, 4),
        **{name: np.round(scores.points[:, i], 4) for i, name in enumerate(core.COMPONENTS)},
        "chance_of_buying": scores.chance_of_buying,
        "expected_purchases": scores.expected_purchases,
        "value_12_months_minor": np.rint(scores.value_12_months_minor).astype(np.int64),
        "revenue_90_minor": figures.revenue_90_minor.astype(np.int64),
        "revenue_prior_90_minor": figures.revenue_prior_90_minor.astype(np.int64),
        "revenue_365_minor": figures.revenue_365_minor.astype(np.int64),
        "days_since_order": days(scores.days_since_order),
        "days_since_value": days(scores.days_since_value),
        "trend": np.round(scores.trend, 4),
        "arrow": pl.Series(words.tolist(), dtype=pl.String),
        "top": pl.Series(scores.top, dtype=pl.Boolean),
        "complacent": pl.Series(scores.complacent, dtype=pl.Boolean),
        "neglected": pl.Series(scores.neglected, dtype=pl.Boolean),
    }
    return pl.DataFrame({name: columns[name] for name in HEALTH_COLUMNS})


def _store_health(
    session: Session,
    ids: np.ndarray[Any, np.dtype[np.int64]],
    figures: core.AccountFigures,
    scores: core.HealthScores,
    week_on: date,
    as_of: date,
    *,
    columnar: bool = True,
) -> None:
    frame = _health_frame(ids, figures, scores, week_on, as_of)
    write_frame(session, "health_week", frame, columnar=columnar)


def rescore_accounts(session: Session, account_ids: Sequence[int], as_of: date) -> int:
    """Bring a few accounts' health up to date after a change (a touch, a promise, an order).

    The cost follows what changed: only these accounts' rollups are read and scored, with
    the population's buying-rhythm fits and top-account threshold of the newest full run
    (a handful of accounts says nothing about the population). Their row of that run's week
    is replaced; the next ``goodwill score`` recomputes everyone. Their rollups are brought
    up to date first, scored or not. Returns how many accounts were rescored (0 before the
    first full run, and for accounts that are not customers).
    """
    ids = sorted({int(i) for i in account_ids})
    if not ids:
        return 0
    rollups.refresh_accounts(session, ids, as_of=as_of)
    run = latest_run(session)
    if run is None:
        return 0
    settings = effective_settings(session)
    rules = health_rules(settings)
    found, figures = read_figures(session, run.week_on, settings, only=ids)
    if found.size == 0:
        return 0
    threshold = session.scalar(
        select(func.min(HealthWeek.revenue_365_minor)).where(
            HealthWeek.week_on == run.week_on, HealthWeek.top.is_(True)
        )
    )
    fitted = (
        rhythm.RhythmFit(
            rhythm.RhythmParameters(run.rhythm_r, run.rhythm_alpha, run.rhythm_a, run.rhythm_b),
            0.0,
            run.customers_fitted,
            converged=not run.rhythm_default,
            used_default=run.rhythm_default,
        ),
        rhythm.SpendFit(
            rhythm.SpendParameters(run.spend_p, run.spend_q, run.spend_gamma),
            0.0,
            run.customers_fitted,
            converged=not run.spend_default,
            used_default=run.spend_default,
        ),
    )
    scores = core.score_health(
        figures,
        (as_of - EPOCH).days,
        rules,
        fitted=fitted,
        top_threshold=float(threshold) if threshold is not None else float("inf"),
    )
    session.execute(
        delete(HealthWeek).where(
            HealthWeek.week_on == run.week_on, HealthWeek.account_id.in_(found.tolist())
        )
    )
    _store_health(session, found, figures, scores, run.week_on, as_of)
    session.expire_all()
    return int(found.size)


def account_changed(session: Session, account_ids: Sequence[int]) -> None:
    """After a record changed: the accounts' rollups, then their health, brought up to date."""
    rescore_accounts(session, account_ids, rollups.today_utc())


def fit_out(run: ScoringRun) -> FitOut:
    """A run's population fits, with a note when a default had to be used."""
    default = "used the population default (CDNOW, Fader, Hardie & Lee 2005)"
    if run.rhythm_default and run.customers_fitted < MIN_CUSTOMERS:
        note = (
            f"too few customers to fit the buying rhythm ({run.customers_fitted} with orders; "
            f"a fit needs {MIN_CUSTOMERS}, some of them repeat buyers): {default}"
        )
    elif run.rhythm_default:
        note = (
            f"the buying rhythm could not be fitted to these {run.customers_fitted} customers "
            f"(too few repeat buyers, or no usable optimum): {default}"
        )
    else:
        note = f"buying rhythm fitted over {run.customers_fitted} customers"
    if run.spend_default:
        note += "; spend per order: population default scaled to the average order"
    return FitOut(
        customers=run.customers_fitted,
        rhythm_default=run.rhythm_default,
        r=run.rhythm_r,
        alpha_days=run.rhythm_alpha,
        a=run.rhythm_a,
        b=run.rhythm_b,
        spend_default=run.spend_default,
        p=run.spend_p,
        q=run.spend_q,
        gamma_minor=run.spend_gamma,
        note=note,
    )


def bring_rollups_current(session: Session, as_of: date, *, rebuild: bool = False) -> int:
    """Make every rollup exact as of a day (all from scratch with ``rebuild``); returns how many
    were recomputed.

    Rollups are a cache derived from the records, so a command may commit this on its own
    before scoring: the score then reads them as columns from committed data (see
    :mod:`goodwill.columnar`), several times faster than through the driver.
    """
    if rebuild:
        rollups.rebuild(session, as_of=as_of)
        return int(session.scalar(select(func.count()).select_from(Account)) or 0)
    return rollups.bring_current(session, as_of)


def score(session: Session, as_of: date, *, rebuild: bool = False) -> ScoreReport:
    """Score every customer's health as of a day and store it as that ISO week's row."""
    started = time.perf_counter()
    settings = effective_settings(session)
    rules = health_rules(settings)
    recomputed = bring_rollups_current(session, as_of, rebuild=rebuild)
    week_on = week_of(as_of)
    ids, figures = read_figures(session, week_on, settings)
    as_of_day = (as_of - EPOCH).days
    scores = core.score_health(figures, as_of_day, rules)
    session.execute(delete(HealthWeek).where(HealthWeek.week_on == week_on))
    _store_health(session, ids, figures, scores, week_on, as_of)

    fit, spend = scores.rhythm_fit, scores.spend_fit
    run = session.get(ScoringRun, week_on) or ScoringRun(week_on=week_on)
    run.as_of = as_of
    run.accounts = int(ids.size)
    run.customers_fitted = fit.n_customers
    run.rhythm_r, run.rhythm_alpha = fit.parameters.r, fit.parameters.alpha
    run.rhythm_a, run.rhythm_b = fit.parameters.a, fit.parameters.b
    run.rhythm_default = fit.used_default
    run.spend_p, run.spend_q = spend.parameters.p, spend.parameters.q
    run.spend_gamma = spend.parameters.gamma
    run.spend_default = spend.used_default
    session.add(run)
    session.flush()
    # The scoring run is the book's regular upkeep; the plans read the new week next.
    refresh_statistics(session, ("account_rollup", "health_week", "scoring_run"))
    return ScoreReport(
        as_of=as_of,
        week_on=week_on,
        accounts=int(ids.size),
        rollups_recomputed=recomputed,
        up=int((scores.arrow == core.UP).sum()),
        flat=int((scores.arrow == core.FLAT).sum()),
        down=int((scores.arrow == core.DOWN).sum()),
        complacent=int(scores.complacent.sum()),
        neglected=int(scores.neglected.sum()),
        fit=fit_out(run),
        seconds=round(time.perf_counter() - started, 3),
    )


# --- explaining -------------------------------------------------------------------------


def _kinds(n: int) -> str:
    return "1 kind of fact" if n == 1 else f"{n} kinds of facts"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def component_words(
    name: str, row: Any, figures: dict[str, Any], cadence: int, settings: Settings
) -> str:
    """Why a component gave the points it did, in words."""
    if name == "vitality":
        if row.days_since_order is None:
            return "has never bought"
        return (
            f"{row.chance_of_buying:.0%} chance of buying in the next "
            f"{settings.buying_window_days} days; last order {_days(row.days_since_order)} ago"
        )
    touches = sum(
        int(figures[c]) for c in ("calls_90", "visits_90", "sit_downs_90", "notes_90", "emails_90")
    ) + int(figures["other_touches_90"])
    if name == "engagement":
        last = figures["last_touch_at"]
        since = (
            f"last touch {_days((row.as_of - last.date()).days)} ago" if last else "never touched"
        )
        counted = "1 touch" if touches == 1 else f"{touches} touches"
        return f"{counted} in 90 days against one every {_days(cadence)}; {since}"
    if name == "richness":
        if not touches:
            return "no touches in 90 days"
        rich = sum(int(figures[c]) for c in ("calls_90", "visits_90", "sit_downs_90", "notes_90"))
        return f"{rich} of {touches} touches in 90 days by call, visit, sit-down or note"
    if name == "value":
        if row.days_since_value is None:
            return "no value delivered on record"
        return f"last value delivered {_days(row.days_since_value)} ago"
    if name == "promises":
        due, kept = int(figures["promises_due_365"]), int(figures["promises_kept_365"])
        return (
            f"{kept} of {due} promises kept on time in 12 months"
            if due
            else ("no promise came due in 12 months")
        )
    if name == "quotes":
        decided, won = int(figures["quotes_decided_365"]), int(figures["quotes_won_365"])
        open_, followed = int(figures["open_quotes"]), int(figures["open_quotes_followed"])
        parts = [f"{won} of {decided} quotes won in 12 months" if decided else "no quote decided"]
        if open_:
            parts.append(
                f"{open_ - followed} of {open_} open quotes past a week without a follow-up"
            )
        return "; ".join(parts)
    goal = "asked" if figures["goal_this_quarter"] else "not asked"
    return (
        f"{_kinds(int(figures['fact_kinds']))} known, {figures['fact_kinds_fresh']} learned "
        f"in 12 months; goals {goal} this quarter"
    )


def health_out(
    row: Any,
    owners: list[str],
    figures: dict[str, Any],
    settings: Settings,
) -> HealthOut:
    """One stored week's health (a row of :func:`health_rows`) with its components and main
    reason in words."""
    max_points = health_rules(settings).points()
    cadence = cadence_of(row.account_tier, settings)
    components = [
        ComponentOut(
            name=name,
            points=round(float(getattr(row, name)), 1),
            max_points=round(float(max_points[i]), 1),
            words=component_words(name, row, figures, cadence, settings),
        )
        for i, name in enumerate(core.COMPONENTS)
    ]
    if row.complacent:
        value = (
            f"nothing of value in {_days(row.days_since_value)}"
            if row.days_since_value is not None
            else "no value delivered on record"
        )
        reason = f"rising, but {value}: what have you done for them lately?"
    elif row.neglected and row.days_since_order is not None:
        reason = (
            f"no purchase in {_days(row.days_since_order)}; {row.chance_of_buying:.0%} chance "
            f"of buying in the next {settings.buying_window_days} days"
        )
    else:
        weakest = max(components, key=lambda c: c.max_points - c.points)
        reason = weakest.words
    return HealthOut(
        account_id=row.account_id,
        name=row.account_name,
        tier=row.account_tier,
        owners=owners,
        week_on=row.week_on,
        as_of=row.as_of,
        health=round(row.health, 1),
        arrow=row.arrow,
        trend=round(row.trend, 2),
        top=row.top,
        complacent=row.complacent,
        neglected=row.neglected,
        reason=reason,
        components=components,
        outlook=OutlookOut(
            chance_of_buying=round(row.chance_of_buying, 4),
            window_days=settings.buying_window_days,
            expected_purchases=round(row.expected_purchases, 3),
            value_12_months_minor=row.value_12_months_minor,
            days_since_order=row.days_since_order,
            neglected=row.neglected,
            neglect_days=settings.neglect_days,
        ),
        revenue_90_minor=row.revenue_90_minor,
        revenue_prior_90_minor=row.revenue_prior_90_minor,
        revenue_365_minor=row.revenue_365_minor,
    )


def health_rows() -> Select[Any]:
    """Stored weeks of health as plain rows (no ORM objects), with the account's name and
    tier (``account_name``, ``account_tier``)."""
    return select(
        *HealthWeek.__table__.c,
        _ACCOUNT.name.label("account_name"),
        _ACCOUNT.tier.label("account_tier"),
    ).join(Account.__table__, _ACCOUNT.id == _HEALTH.account_id)


@cache
def _owner_names() -> Select[int, str]:
    member = Member.__table__.c
    return (
        select(account_owner.c.account_id, member.name)
        .join(Member.__table__, member.id == account_owner.c.member_id)
        .where(account_owner.c.account_id.in_(bindparam("account_ids", expanding=True)))
    )


def _explained(session: Session, rows: Sequence[Row[Any]]) -> list[HealthOut]:
    if not rows:
        return []
    settings = effective_settings(session)
    ids = [row.account_id for row in rows]
    owners: dict[int, list[str]] = {account_id: [] for account_id in ids}
    for account_id, name in session.execute(_owner_names(), {"account_ids": ids}):
        owners[account_id].append(name)
    as_of = rows[0].as_of
    figures = rollups.rollup_rows(session, ids, as_of)
    return [
        health_out(row, sorted(owners[row.account_id]), figures[row.account_id], settings)
        for row in rows
    ]


def latest_run(session: Session, as_of: date | None = None) -> ScoringRun | None:
    """The scoring run of the week of ``as_of`` (or the newest run when none is given)."""
    if as_of is not None:
        return session.get(ScoringRun, week_of(as_of))
    return session.scalar(select(ScoringRun).order_by(ScoringRun.week_on.desc()).limit(1))


def top_accounts(
    session: Session,
    *,
    as_of: date | None,
    today: date,
    n: int = 10,
    member: str | None = None,
) -> TopReport:
    """The top accounts by 12-month revenue with health, arrow, flags and the main reason.

    Reads the week of ``as_of`` (default: the newest scored week), scoring it first if it
    has not been scored.
    """
    run = latest_run(session, as_of)
    if run is None:
        score(session, as_of or today)
        run = latest_run(session, as_of or today)
        assert run is not None
    query = (
        health_rows()
        .where(_HEALTH.week_on == run.week_on)
        .order_by(_HEALTH.revenue_365_minor.desc(), _HEALTH.health.desc(), _HEALTH.account_id)
        .limit(n)
    )
    member_email = None
    if member:
        found = find_member(session, member)
        member_email = found.email
        owned = select(account_owner.c.account_id).where(account_owner.c.member_id == found.id)
        query = query.where(_HEALTH.account_id.in_(owned))
    rows = session.execute(query).all()
    return TopReport(
        as_of=run.as_of,
        week_on=run.week_on,
        member=member_email,
        fit=fit_out(run),
        accounts=_explained(session, rows),
    )


@cache
def _latest_health() -> Select[Any]:
    return (
        health_rows()
        .where(_HEALTH.account_id == bindparam("account_id"))
        .order_by(_HEALTH.week_on.desc())
        .limit(1)
    )


@cache
def _health_of_week() -> Select[Any]:
    return health_rows().where(
        _HEALTH.account_id == bindparam("account_id"), _HEALTH.week_on == bindparam("week_on")
    )


def account_health(session: Session, account_id: int, as_of: date | None = None) -> HealthOut:
    """An account's health in the week of ``as_of`` (default: its newest scored week)."""
    if as_of is None:
        found = session.execute(_latest_health(), {"account_id": account_id}).first()
    else:
        bound = {"account_id": account_id, "week_on": week_of(as_of)}
        found = session.execute(_health_of_week(), bound).first()
    if found is None:
        when = f" for the week of {as_of}" if as_of else ""
        raise NotFound(f"account {account_id} has no health score{when} (run: goodwill score)")
    return _explained(session, [found])[0]


@cache
def _health_history() -> Select[date, float]:
    return (
        select(_HEALTH.week_on, _HEALTH.health)
        .where(_HEALTH.account_id == bindparam("account_id"))
        .order_by(_HEALTH.week_on.desc())
        .limit(bindparam("weeks"))
    )


def health_history(session: Session, account_id: int, weeks: int = 12) -> list[tuple[date, float]]:
    """The account's health in its latest scored weeks, oldest first."""
    rows = session.execute(_health_history(), {"account_id": account_id, "weeks": weeks})
    return sorted((w, round(h, 1)) for w, h in rows)
