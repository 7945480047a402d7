"""Purchase outlook: each customer's chance of buying in a coming window, from named parts.

The outlook is a small logistic scorecard. Its log-odds are a sum of named parts, each a
weight times a signal, so every score can be explained ("their rhythm says 1.8 purchases
are due, they buy often, their orders are large, but nobody has called them for 3 months"):

- rhythm: log of the BG/NBD expected purchases in the window given the customer's own
  history (`goodwill.scoring.rhythm.expected_purchases`). It already carries recency against
  the customer's own pace: P(alive) falls as ((alpha + T) / (alpha + t_x))^(r + x).
- frequency: log(1 + x), x the repeat purchases. BG/NBD shrinks heavy buyers towards the
  population more than they deserve; on CDNOW this part is the largest correction.
- spend: log(1 + average order / typical order), where the average includes the first
  order. BG/NBD and Gamma-Gamma ignore the first order, so for one-time buyers (most
  customers) it is the only sign of how much they cared.
- overdue: -max(0, log(time since last purchase / own mean gap)), zero while a repeat buyer
  is on rhythm, more negative with each multiple of their own gap they are late; zero for
  customers without a repeat purchase (they have no rhythm of their own yet).
- engagement: -max(0, log(time since last touch / target touch cadence)), the same shape for
  the contact rhythm; zero when no touch data is given or a customer has no touch on record.

The weights are fitted (`fit_outlook_weights`) by logistic regression on a split inside the
caller's calibration period -- never on the period being forecast -- with each weight's sign
fixed a priori (more rhythm, frequency and spend can only raise the outlook, lateness can
only lower it: the lateness signals enter negated and every weight is >= 0). The rhythm
part's window enters only through expected purchases, so weights fitted on one window
length transfer to another. `DEFAULT_WEIGHTS` is such a fit on the CDNOW master data
(Fader, Hardie & Lee 2005), used when a population is too small to fit.

This module is pure: NumPy and SciPy only, no database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize, special, stats

from goodwill.scoring.rhythm import RhythmParameters, expected_purchases

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
ArrayLike = npt.ArrayLike

PARTS = ("rhythm", "frequency", "spend", "overdue", "engagement")
"""The named parts of the outlook's log-odds, in the order of the signal columns."""

MIN_OUTCOMES = 30
"""A weight fit needs at least this many buyers and this many non-buyers; else defaults."""

_FLOOR = 1e-12
"""Expected purchases below this (a customer almost surely gone) count as this."""


@dataclass(frozen=True, slots=True)
class OutlookWeights:
    """Intercept and one weight per named part, in log-odds per unit of the part's signal."""

    intercept: float
    rhythm: float
    frequency: float
    spend: float
    overdue: float
    engagement: float


DEFAULT_WEIGHTS = OutlookWeights(
    intercept=-0.810,
    rhythm=0.774,
    frequency=0.552,
    spend=0.382,
    overdue=0.001,
    engagement=0.5,
)
"""Weights fitted on CDNOW master (23,570 customers), inside its calibration period only.

Fitted by `fit_outlook_weights` as of 1997-05-31 on who bought from 1997-06-01 to 1997-09-30
(benchmarks/rank_cdnow.py reproduces them as `inner_fit`; the rhythm fit there is in weeks).
The overdue weight came out at 0.0007, next to its a priori bound 0: on CDNOW the rhythm
part already prices lateness against a customer's own pace. CDNOW has no touches, so the
engagement weight is set a priori, not fitted: 0.5 per e-fold of lateness, so an account
untouched for 2.7 times its cadence loses 0.5 log-odds (an even chance becomes 38%) and one
untouched for 7.4 times loses 1.0. That is of the order of one standard deviation of the
rhythm part across CDNOW's customers (0.70 log-odds): enough to move a neglected account down
a list, not enough to bury a strong buying history. It is unmeasured; fit it on the caller's
own touches (`fit_outlook_weights`) as soon as there are enough.
"""


@dataclass(frozen=True, slots=True, eq=False)
class OutlookSignals:
    """The signal of each named part per customer (columns in `PARTS` order)."""

    expected_purchases: FloatArray
    values: npt.NDArray[np.float64]

    def part(self, name: str) -> FloatArray:
        """One part's signal column by name."""
        return np.asarray(self.values[:, PARTS.index(name)], dtype=np.float64)


@dataclass(frozen=True, slots=True, eq=False)
class Outlook:
    """Each customer's outlook score in [0, 1] and every part's contribution in log-odds."""

    score: FloatArray
    intercept: float
    rhythm: FloatArray
    frequency: FloatArray
    spend: FloatArray
    overdue: FloatArray
    engagement: FloatArray
    expected_purchases: FloatArray


@dataclass(frozen=True, slots=True)
class OutlookFit:
    """Weights fitted on a calibration split, with how many customers and whether defaults."""

    weights: OutlookWeights
    n_customers: int
    n_buyers: int
    log_likelihood: float
    used_default: bool


def _column(values: ArrayLike, n: int, name: str) -> FloatArray:
    array = np.broadcast_to(np.asarray(values, dtype=np.float64), (n,))
    if array.ndim != 1:
        raise ValueError(f"{name} must be a number or a 1-d array of {n} customers")
    return np.asarray(array, dtype=np.float64)


def _lateness(elapsed: FloatArray, pace: FloatArray, known: BoolArray) -> FloatArray:
    """max(0, log(elapsed / pace)) where known, else 0: how many e-folds past one's pace."""
    # In logs, so a tiny pace cannot overflow the ratio.
    counted = known & (elapsed > 0)
    log_elapsed = np.log(np.where(counted, elapsed, 1.0))
    log_pace = np.log(np.where(counted, np.maximum(pace, np.finfo(np.float64).tiny), 1.0))
    return np.where(counted, np.maximum(log_elapsed - log_pace, 0.0), 0.0)


def typical_order_value(x: ArrayLike, total_spend: ArrayLike) -> float:
    """The median average order value (first order included) of customers who spent anything."""
    xs = np.asarray(x, dtype=np.float64)
    spend = np.asarray(total_spend, dtype=np.float64)
    average = spend / (xs + 1.0)
    positive = average[average > 0]
    return float(np.median(positive)) if positive.size else 1.0


def outlook_signals(
    parameters: RhythmParameters,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    window: float,
    total_spend: ArrayLike,
    *,
    typical_order: float | None = None,
    since_touch: ArrayLike | None = None,
    touch_cadence: ArrayLike | None = None,
) -> OutlookSignals:
    """Each named part's signal per customer, before weighting.

    x, t_x, T and the window are in the rhythm's time unit (as in `goodwill.scoring.rhythm`);
    so are `since_touch` (time since the last touch; NaN for no touch on record) and
    `touch_cadence` (the account's target time between touches), which go together or not at
    all. `total_spend` is everything the customer spent, first order included, in any money
    unit; `typical_order` (same unit) defaults to the population's `typical_order_value`.
    """
    xs = np.asarray(x, dtype=np.float64)
    if xs.ndim != 1:
        raise ValueError("x must be a 1-d array, one entry per customer")
    n = xs.size
    txs, Ts = _column(t_x, n, "t_x"), _column(T, n, "T")
    spend = _column(total_spend, n, "total_spend")
    if not window > 0:
        raise ValueError(f"the outlook window must be positive, got {window}")
    if np.any(xs < 0) or np.any(txs < 0) or np.any(txs > Ts):
        raise ValueError("the outlook needs x >= 0 and 0 <= t_x <= T for every customer")
    if (since_touch is None) != (touch_cadence is None):
        raise ValueError("time since last touch and touch cadence go together")

    expected = expected_purchases(parameters, xs, txs, Ts, window)
    rhythm = np.log(np.maximum(expected, _FLOOR))
    frequency = np.log1p(xs)
    typical = typical_order if typical_order is not None else typical_order_value(xs, spend)
    if not typical > 0:
        raise ValueError(f"the typical order value must be positive, got {typical}")
    spend_signal = np.log1p(np.maximum(spend, 0.0) / (xs + 1.0) / typical)
    repeat = (xs > 0) & (txs > 0)
    own_gap = np.divide(txs, xs, out=np.ones_like(txs), where=repeat)
    overdue = -_lateness(Ts - txs, own_gap, repeat)
    if since_touch is None or touch_cadence is None:
        engagement = np.zeros(n)
    else:
        since = _column(since_touch, n, "time since last touch")
        cadence = _column(touch_cadence, n, "touch cadence")
        if np.any(~(cadence > 0)):
            raise ValueError("every touch cadence must be positive")
        engagement = -_lateness(since, cadence, ~np.isnan(since))
    values = np.column_stack([rhythm, frequency, spend_signal, overdue, engagement])
    return OutlookSignals(expected, np.asarray(values, dtype=np.float64))


def score_outlook(signals: OutlookSignals, weights: OutlookWeights = DEFAULT_WEIGHTS) -> Outlook:
    """Weigh the signals into each part's log-odds contribution and the score in [0, 1]."""
    w = weights
    parts = signals.values * np.array([getattr(w, name) for name in PARTS])
    log_odds = w.intercept + parts.sum(axis=1)
    return Outlook(
        score=np.asarray(special.expit(log_odds), dtype=np.float64),
        intercept=w.intercept,
        rhythm=parts[:, 0],
        frequency=parts[:, 1],
        spend=parts[:, 2],
        overdue=parts[:, 3],
        engagement=parts[:, 4],
        expected_purchases=signals.expected_purchases,
    )


def purchase_outlook(
    parameters: RhythmParameters,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    window: float,
    total_spend: ArrayLike,
    *,
    weights: OutlookWeights = DEFAULT_WEIGHTS,
    typical_order: float | None = None,
    since_touch: ArrayLike | None = None,
    touch_cadence: ArrayLike | None = None,
) -> Outlook:
    """Each customer's chance of buying in the coming window, with its named parts.

    Arguments as in `outlook_signals`; `weights` from `fit_outlook_weights` on the caller's
    own calibration split, or the CDNOW-fitted `DEFAULT_WEIGHTS`.
    """
    signals = outlook_signals(
        parameters,
        x,
        t_x,
        T,
        window,
        total_spend,
        typical_order=typical_order,
        since_touch=since_touch,
        touch_cadence=touch_cadence,
    )
    return score_outlook(signals, weights)


def fit_outlook_weights(
    signals: OutlookSignals,
    bought: ArrayLike,
    *,
    engagement: float | None = None,
    fallback: OutlookWeights = DEFAULT_WEIGHTS,
) -> OutlookFit:
    """Fit the outlook's weights by logistic regression on who bought in a calibration split.

    `signals` describe customers as of a split date inside the calibration period and
    `bought` whether each bought between the split and the calibration end. Weights keep
    their a priori sign (L-BFGS-B bounds): every signal is oriented so that more means
    likelier to buy (lateness enters negated), so every weight is >= 0. `engagement`, when
    given, fixes that weight instead of fitting it; when the split has no touch data (an
    all-zero column leaves the weight undetermined) it is fixed at the fallback's. With fewer
    than MIN_OUTCOMES buyers or non-buyers, or a failed fit, it returns `fallback` with
    `used_default=True`.
    """
    y = np.asarray(bought, dtype=bool)
    X = signals.values
    if y.shape != (X.shape[0],):
        raise ValueError("bought must say, for every customer in the signals, yes or no")
    n, buyers = int(y.size), int(y.sum())
    fixed_engagement = engagement
    if fixed_engagement is None and not np.any(X[:, 4] != 0):
        fixed_engagement = fallback.engagement

    def nothing_learned() -> OutlookFit:
        ll = _log_likelihood(score_outlook(signals, fallback).score, y) if n else 0.0
        return OutlookFit(fallback, n, buyers, ll, used_default=True)

    if min(buyers, n - buyers) < MIN_OUTCOMES:
        return nothing_learned()
    design = np.column_stack([np.ones(n), X])
    target = y.astype(np.float64)
    # Every signal is oriented so that more means likelier to buy, so no weight is negative.
    bounds: list[tuple[float | None, float | None]] = [(None, None)] + [(0.0, None)] * len(PARTS)
    if fixed_engagement is not None:
        bounds[5] = (fixed_engagement, fixed_engagement)

    def objective(beta: FloatArray) -> tuple[float, FloatArray]:
        z = design @ beta
        value = float(np.sum(np.logaddexp(0.0, z) - target * z)) / n
        gradient = design.T @ (special.expit(z) - target) / n
        return value, np.asarray(gradient, dtype=np.float64)

    start = np.zeros(design.shape[1])
    if fixed_engagement is not None:
        start[5] = fixed_engagement
    result = optimize.minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 1000, "ftol": 1e-13, "gtol": 1e-9},
    )
    if not result.success or not math.isfinite(float(result.fun)):
        return nothing_learned()
    beta = [float(v) for v in result.x]
    weights = OutlookWeights(*beta)
    return OutlookFit(weights, n, buyers, -float(result.fun) * n, used_default=False)


def _log_likelihood(score: FloatArray, bought: BoolArray) -> float:
    p = np.clip(score, 1e-15, 1.0 - 1e-15)
    return float(np.sum(np.where(bought, np.log(p), np.log1p(-p))))


def rank_auc(score: ArrayLike, bought: ArrayLike) -> float:
    """Area under the ROC curve: the chance a buyer outranks a non-buyer (ties count half).

    The Mann-Whitney U statistic over average ranks, so tied scores (the recency rule has
    many) are fair to both sides.
    """
    s = np.asarray(score, dtype=np.float64)
    y = np.asarray(bought, dtype=bool)
    buyers = int(y.sum())
    others = int(y.size) - buyers
    if buyers == 0 or others == 0:
        raise ValueError("the AUC needs at least one buyer and one non-buyer")
    ranks = stats.rankdata(s)
    return float((ranks[y].sum() - buyers * (buyers + 1) / 2.0) / (buyers * others))
