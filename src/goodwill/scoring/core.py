"""Relationship health, its direction and its flags: pure NumPy over whole columns of accounts.

Health (0-100) is the sum of seven named components. Each component is a number in [0, 1]
from the account's rollup; its weight turns it into points, and the points are what is
stored, so a score is always explained by the components that gave or withheld the most:

- **vitality**: the chance the customer buys in the coming window, from its own buying
  rhythm (BG/NBD, see :mod:`goodwill.scoring.rhythm`);
- **engagement**: touches in the last 90 days against the account's target cadence (by tier),
  and whether the last touch is within one cadence ("bringing them useful information ...
  often, not once or twice a year");
- **richness**: the mix of channels -- calls, visits, sit-downs and notes weigh 1, e-mail a
  quarter ("call your customers rather than emailing them");
- **value**: days since value was last delivered, full at 0 days, nothing at 90 ("What. Have
  you done. For them lately?");
- **promises**: promises kept on time over 12 months, (kept + 1) / (due + 2), so an account
  with no promise due sits at one half rather than at either end;
- **quotes**: the hit ratio over 12 months, smoothed the same way, and the share of open
  quotes that got a follow-up touch;
- **knowledge**: kinds of profile facts known, kinds learned in the last year, and whether
  this quarter's goals were asked.

The arrow is a vote of two pieces of evidence: the trend of health over the recent weeks
(least-squares slope, ignored within a noise threshold) and revenue in the last 90 days
against the 90 before (ignored within a relative change threshold). The complacency flag
marks top accounts (by 12-month revenue) whose arrow is up but that got nothing of value
lately: "it's the up arrows that are more at risk".

This module is pure: no database, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from goodwill.scoring import rhythm

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

COMPONENTS = ("vitality", "engagement", "richness", "value", "promises", "quotes", "knowledge")
DEFAULT_WEIGHTS = {
    "vitality": 25.0,
    "engagement": 20.0,
    "richness": 10.0,
    "value": 15.0,
    "promises": 10.0,
    "quotes": 10.0,
    "knowledge": 10.0,
}
CHANNEL_WEIGHTS = {
    "calls": 1.0,
    "visits": 1.0,
    "sit_downs": 1.0,
    "notes": 1.0,
    "emails": 0.25,
    "other": 0.5,
}
"""How much one touch of each channel says about the relationship (e-mail least)."""
ENGAGEMENT_WINDOW_DAYS = 90
VALUE_HORIZON_DAYS = 90
KNOWN_KINDS_FULL = 6
FRESH_KINDS_FULL = 3
HISTORY_WEEKS = 4
FIT_SAMPLE = 20_000
"""The population fits use at most this many buyers, drawn at random (with a fixed seed, so
a score is reproducible): four or three population parameters are pinned down long before
that, and the fit's cost then stays flat however many customers there are. Every customer
still gets its own prediction."""
UP, FLAT, DOWN = 1, 0, -1


@dataclass(frozen=True, slots=True)
class HealthRules:
    """The settings health is computed with."""

    weights: Mapping[str, float]
    buying_window_days: int = 90
    neglect_days: int = 180
    complacency_days: int = 30
    top_share: float = 0.2
    arrow_noise_points: float = 2.0
    arrow_revenue_change: float = 0.2

    def points(self) -> FloatArray:
        """Each component's maximum points, in COMPONENTS order, adding up to 100."""
        unknown = sorted(set(self.weights) - set(COMPONENTS))
        if unknown:
            raise ValueError(f"unknown health components {unknown}; known: {list(COMPONENTS)}")
        raw = np.array([float(self.weights.get(c, 0.0)) for c in COMPONENTS])
        if not np.all(np.isfinite(raw)) or not np.isfinite(raw.sum()):
            raise ValueError("health weights must be ordinary numbers (not inf, nan or 1e999)")
        if np.any(raw < 0) or not raw.sum() > 0:
            raise ValueError("health weights must be zero or more, and not all zero")
        points: FloatArray = 100.0 * raw / raw.sum()
        return points


@dataclass(frozen=True, slots=True, eq=False)
class AccountFigures:
    """Columns read from the rollups, one entry per account. Days are day numbers
    (days since 1970-01-01); NaN where there is none (no order, no touch, no score)."""

    cadence_days: FloatArray
    first_order: FloatArray
    last_order: FloatArray
    order_days: FloatArray
    spend_minor: FloatArray
    first_day_minor: FloatArray
    revenue_90_minor: FloatArray
    revenue_prior_90_minor: FloatArray
    revenue_365_minor: FloatArray
    last_touch: FloatArray
    last_value: FloatArray
    calls_90: FloatArray
    visits_90: FloatArray
    sit_downs_90: FloatArray
    notes_90: FloatArray
    emails_90: FloatArray
    other_90: FloatArray
    promises_due: FloatArray
    promises_kept: FloatArray
    quotes_decided: FloatArray
    quotes_won: FloatArray
    open_quotes: FloatArray
    open_quotes_followed: FloatArray
    fact_kinds: FloatArray
    fact_kinds_fresh: FloatArray
    goal_this_quarter: FloatArray
    history: FloatArray
    """Health 1, 2, ... HISTORY_WEEKS weeks before, one row per account (NaN: not scored)."""

    @classmethod
    def from_columns(cls, columns: FloatArray) -> AccountFigures:
        """From a 2-d array whose columns follow the field order (history last, 4 wide)."""
        names = [n for n in cls.__dataclass_fields__ if n != "history"]
        if columns.ndim != 2 or columns.shape[1] != len(names) + HISTORY_WEEKS:
            raise ValueError(f"expected {len(names) + HISTORY_WEEKS} columns")
        fields = {name: np.ascontiguousarray(columns[:, i]) for i, name in enumerate(names)}
        return cls(**fields, history=columns[:, len(names) :])


@dataclass(frozen=True, slots=True, eq=False)
class HealthScores:
    """Health and everything said about it, one entry per account."""

    health: FloatArray
    points: FloatArray
    """Points per component, shape (accounts, len(COMPONENTS)); rows add up to health."""
    chance_of_buying: FloatArray
    expected_purchases: FloatArray
    value_12_months_minor: FloatArray
    days_since_order: FloatArray
    days_since_value: FloatArray
    trend: FloatArray
    arrow: npt.NDArray[np.int8]
    top: BoolArray
    complacent: BoolArray
    neglected: BoolArray
    rhythm_fit: rhythm.RhythmFit
    spend_fit: rhythm.SpendFit


def _share(part: FloatArray, whole: FloatArray, empty: float) -> FloatArray:
    out: FloatArray = np.divide(part, whole, out=np.full_like(part, empty), where=whole > 0)
    return out


def fit_sample(n: int, limit: int = FIT_SAMPLE) -> npt.NDArray[np.int64]:
    """Which of n customers enter the population fits: all, or ``limit`` drawn at random."""
    if n <= limit:
        return np.arange(n, dtype=np.int64)
    chosen = np.random.default_rng(20051105).choice(n, size=limit, replace=False)
    return np.sort(chosen).astype(np.int64)


def buying_outlook(
    f: AccountFigures,
    as_of_day: int,
    window_days: int,
    fitted: tuple[rhythm.RhythmFit, rhythm.SpendFit] | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, rhythm.RhythmFit, rhythm.SpendFit]:
    """Chance of buying and expected purchases in the window, and 12-month value, per account.

    Fitted over every account that has bought (time in days); accounts that never bought get
    zeros. With too few buyers the fits fall back to the documented defaults (used_default).
    ``fitted`` gives the population fits instead (to rescore a few accounts with the fits of
    the week's full run: a handful of accounts says nothing about the population).
    """
    n = f.order_days.size
    buyer = f.order_days >= 1
    x = f.order_days[buyer] - 1.0
    t_x = f.last_order[buyer] - f.first_order[buyer]
    age = as_of_day - f.first_order[buyer]
    repeat_spend = f.spend_minor[buyer] - f.first_day_minor[buyer]
    monetary = np.divide(repeat_spend, x, out=np.zeros_like(x), where=x > 0)
    total_days = float(f.order_days[buyer].sum())
    typical = float(f.spend_minor[buyer].sum()) / total_days if total_days else 0.0
    if fitted is not None:
        fit, spend_fit = fitted
    else:
        sample = fit_sample(x.size)
        fit = rhythm.fit_rhythm(x[sample], t_x[sample], age[sample])
        spend_fit = rhythm.fit_spend(
            x[sample], monetary[sample], typical_order_value=typical if typical > 0 else 1.0
        )
    chance = np.zeros(n)
    expected = np.zeros(n)
    value = np.zeros(n)
    if x.size:
        chance[buyer] = rhythm.probability_purchase(fit.parameters, x, t_x, age, window_days)
        expected[buyer] = rhythm.expected_purchases(fit.parameters, x, t_x, age, window_days)
        value[buyer] = rhythm.twelve_month_value(
            fit.parameters, spend_fit.parameters, x, t_x, age, monetary
        )
    return chance, expected, value, fit, spend_fit


def component_scores(f: AccountFigures, as_of_day: int, chance: FloatArray) -> FloatArray:
    """Each component in [0, 1], shape (accounts, len(COMPONENTS))."""
    cadence = np.maximum(f.cadence_days, 1.0)
    touches = f.calls_90 + f.visits_90 + f.sit_downs_90 + f.notes_90 + f.emails_90 + f.other_90
    expected_touches = ENGAGEMENT_WINDOW_DAYS / cadence
    volume = np.minimum(1.0, touches / expected_touches)
    since_touch = as_of_day - f.last_touch
    late = np.nan_to_num((since_touch - cadence) / cadence, nan=1.0)
    recency = np.clip(1.0 - late, 0.0, 1.0)
    engagement = 0.5 * volume + 0.5 * recency

    weighted = sum(
        CHANNEL_WEIGHTS[c] * getattr(f, f"{c}_90")
        for c in ("calls", "visits", "sit_downs", "notes", "emails", "other")
    )
    richness = np.minimum(1.0, _share(np.asarray(weighted, dtype=np.float64), touches, 0.0))

    since_value = as_of_day - f.last_value
    value = np.nan_to_num(np.clip(1.0 - since_value / VALUE_HORIZON_DAYS, 0.0, 1.0), nan=0.0)

    promises = (f.promises_kept + 1.0) / (f.promises_due + 2.0)
    hit = (f.quotes_won + 1.0) / (f.quotes_decided + 2.0)
    followed = _share(f.open_quotes_followed, f.open_quotes, 1.0)
    quotes = 0.5 * hit + 0.5 * followed

    knowledge = (
        0.4 * np.minimum(1.0, f.fact_kinds / KNOWN_KINDS_FULL)
        + 0.3 * np.minimum(1.0, f.fact_kinds_fresh / FRESH_KINDS_FULL)
        + 0.3 * np.minimum(1.0, f.goal_this_quarter)
    )
    return np.column_stack([chance, engagement, richness, value, promises, quotes, knowledge])


def health_trend(health: FloatArray, history: FloatArray) -> FloatArray:
    """Least-squares slope of health over this week and the recent ones, points per week.

    Weeks without a score are left out; with fewer than two scores the slope is 0.
    """
    y = np.column_stack([health, history])
    weeks = -np.arange(y.shape[1], dtype=np.float64)
    known = ~np.isnan(y)
    count = known.sum(axis=1)
    x = np.where(known, weeks, 0.0)
    yk = np.where(known, y, 0.0)
    safe = np.maximum(count, 1)
    x_mean = x.sum(axis=1) / safe
    y_mean = yk.sum(axis=1) / safe
    dx = np.where(known, weeks - x_mean[:, None], 0.0)
    dy = np.where(known, yk - y_mean[:, None], 0.0)
    sxx = (dx * dx).sum(axis=1)
    slope: FloatArray = np.divide(
        (dx * dy).sum(axis=1), sxx, out=np.zeros_like(health), where=count >= 2
    )
    return slope


def arrows(
    trend: FloatArray,
    revenue_90: FloatArray,
    revenue_prior_90: FloatArray,
    noise_points: float,
    revenue_change: float,
) -> npt.NDArray[np.int8]:
    """Up (1), flat (0) or down (-1): trend and revenue each vote when beyond their threshold."""
    trend_vote = np.where(trend > noise_points, 1, np.where(trend < -noise_points, -1, 0))
    larger = np.maximum(revenue_90, revenue_prior_90)
    change = _share(revenue_90 - revenue_prior_90, larger, 0.0)
    revenue_vote = np.where(change > revenue_change, 1, np.where(change < -revenue_change, -1, 0))
    arrow: npt.NDArray[np.int8] = np.sign(trend_vote + revenue_vote).astype(np.int8)
    return arrow


def top_accounts(revenue_365: FloatArray, share: float) -> BoolArray:
    """The accounts in the top ``share`` of those with 12-month revenue, by that revenue."""
    buying = revenue_365 > 0
    count = int(buying.sum())
    if count == 0 or share <= 0:
        return np.zeros(revenue_365.size, dtype=np.bool_)
    k = max(1, min(count, math.ceil(share * count)))
    threshold = np.partition(revenue_365[buying], count - k)[count - k]
    top: BoolArray = buying & (revenue_365 >= threshold)
    return top


def score_health(
    f: AccountFigures,
    as_of_day: int,
    rules: HealthRules,
    *,
    fitted: tuple[rhythm.RhythmFit, rhythm.SpendFit] | None = None,
    top_threshold: float | None = None,
) -> HealthScores:
    """Health, its components, the buying outlook, the arrow and the flags of every account.

    Rescoring a few accounts passes the population's ``fitted`` rhythm and the 12-month
    revenue a top account needs (``top_threshold``) from the week's full run.
    """
    max_points = rules.points()
    chance, expected, value_12, fit, spend_fit = buying_outlook(
        f, as_of_day, rules.buying_window_days, fitted
    )
    points = component_scores(f, as_of_day, chance) * max_points
    health = points.sum(axis=1)
    trend = health_trend(health, f.history)
    arrow = arrows(
        trend,
        f.revenue_90_minor,
        f.revenue_prior_90_minor,
        rules.arrow_noise_points,
        rules.arrow_revenue_change,
    )
    if top_threshold is None:
        top = top_accounts(f.revenue_365_minor, rules.top_share)
    else:
        top = (f.revenue_365_minor > 0) & (f.revenue_365_minor >= top_threshold)
    since_order = as_of_day - f.last_order
    since_value = as_of_day - f.last_value
    nothing_of_value = np.nan_to_num(since_value, nan=np.inf) > rules.complacency_days
    return HealthScores(
        health=health,
        points=points,
        chance_of_buying=chance,
        expected_purchases=expected,
        value_12_months_minor=value_12,
        days_since_order=since_order,
        days_since_value=since_value,
        trend=trend,
        arrow=arrow,
        top=top,
        complacent=top & (arrow == UP) & nothing_of_value,
        neglected=np.nan_to_num(since_order, nan=-1.0) > rules.neglect_days,
        rhythm_fit=fit,
        spend_fit=spend_fit,
    )
