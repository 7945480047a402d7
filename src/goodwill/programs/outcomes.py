"""A program's effect, from the orders: assigned against holdout, with a 95% interval.

Pure: arrays in, figures out; ``programs.service`` reads the orders.

The comparison is by *intention to treat*: every assigned account counts as assigned,
whether or not its note was written, and the window opens on the same day for both sides
(the program's start). Comparing only the accounts that got a note with the holdout would
let the writers' choice of whom to write to (the friendly ones first) pass for an effect.

The interval for the difference of the two shares is Newcombe's hybrid score interval
(Newcombe 1998, method 10), built from the Wilson interval of each share. We chose it over
the textbook Wald interval because the holdout is small by design (10% of the targets) and
the shares can sit near 0 (few neglected customers order at all): there the Wald interval
is too narrow and can even pass below 0% or above 100%, while Newcombe's keeps close to its
nominal 95% coverage down to groups of a few dozen (the simulation test checks this). The
revenue per target is compared with Welch's t interval for a difference of means, which
does not assume both sides vary alike.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from statistics import NormalDist
from typing import Any

import numpy as np

from goodwill.models import Arm
from goodwill.programs.schemas import ArmFigures, CurvePoint, Interval, OutcomeOut

MIN_GROUP = 10
"""Below this many targets on either side the figures are shown but called too few to tell."""

CONFIDENCE = 0.95

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]


def _z(confidence: float) -> float:
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson's score interval for a share ``successes / n`` (n > 0)."""
    z = _z(confidence)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def difference_of_shares(
    x1: int, n1: int, x0: int, n0: int, confidence: float = CONFIDENCE
) -> Interval:
    """``x1/n1 - x0/n0`` with Newcombe's hybrid score interval (see the module's note)."""
    if n1 <= 0 or n0 <= 0:
        raise ValueError("both groups need at least one target")
    p1, p0 = x1 / n1, x0 / n0
    l1, u1 = wilson(x1, n1, confidence)
    l0, u0 = wilson(x0, n0, confidence)
    d = p1 - p0
    low = d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return Interval(estimate=d, low=low, high=high)


def difference_of_means(
    a: FloatArray, b: FloatArray, confidence: float = CONFIDENCE
) -> Interval | None:
    """``mean(a) - mean(b)`` with Welch's t interval; None with fewer than 2 on a side."""
    if len(a) < 2 or len(b) < 2:
        return None
    from scipy import stats  # SciPy loads only when a report is made

    va, vb = float(np.var(a, ddof=1)) / len(a), float(np.var(b, ddof=1)) / len(b)
    d = float(np.mean(a) - np.mean(b))
    se = math.sqrt(va + vb)
    if se == 0:
        return Interval(estimate=d, low=d, high=d)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
    return Interval(estimate=d, low=d - half, high=d + half)


def _arm(arm: Arm, first_day: FloatArray, revenue: IntArray) -> ArmFigures:
    n = len(first_day)
    ordered = int(np.count_nonzero(~np.isnan(first_day)))
    total = int(revenue.sum()) if n else 0
    return ArmFigures(
        arm=arm,
        targets=n,
        ordered=ordered,
        share_ordered=ordered / n if n else None,
        revenue_minor=total,
        revenue_per_target_minor=round(total / n) if n else None,
    )


def _share_by(first_day: FloatArray, day: int) -> float | None:
    if len(first_day) == 0:
        return None
    return float(np.count_nonzero(first_day <= day)) / len(first_day)


def _points(value: float) -> str:
    return f"{value * 100:+.0f}"


def measure(
    *,
    assigned_first_day: FloatArray,
    assigned_revenue: IntArray,
    holdout_first_day: FloatArray,
    holdout_revenue: IntArray,
    window_days: int,
    opens_on: date,
    as_of: date,
    who: str = "customers",
    treated: str = "sent a note",
) -> OutcomeOut:
    """The outcome of a program as of ``as_of``.

    Each side gives, per target, the day (1 = the day after the window opens) of its first
    order within the window and up to ``as_of`` (NaN: none) and its revenue over the same
    days, in minor units. ``who`` and ``treated`` word the sentence: "customers sent a note
    ordered within 60 days 41% of the time, against 18% of those held out: +23 points, 95%
    CI +15 to +31".
    """
    closes_on = opens_on + timedelta(days=window_days)
    complete = as_of >= closes_on
    observed = max(0, min(window_days, (as_of - opens_on).days))
    assigned = _arm(Arm.ASSIGNED, assigned_first_day, assigned_revenue)
    holdout = _arm(Arm.HOLDOUT, holdout_first_day, holdout_revenue)
    too_small = min(assigned.targets, holdout.targets) < MIN_GROUP
    uplift = None
    revenue_uplift = None
    if assigned.targets and holdout.targets:
        uplift = difference_of_shares(
            assigned.ordered, assigned.targets, holdout.ordered, holdout.targets
        )
        money = difference_of_means(
            assigned_revenue.astype(np.float64), holdout_revenue.astype(np.float64)
        )
        if money is not None:
            revenue_uplift = Interval(
                estimate=round(money.estimate), low=round(money.low), high=round(money.high)
            )
    significant = uplift is not None and not too_small and (uplift.low > 0 or uplift.high < 0)
    days = sorted({*range(0, window_days + 1, 7), window_days})
    curve = [
        CurvePoint(
            day=d,
            assigned=_share_by(assigned_first_day, d),
            holdout=_share_by(holdout_first_day, d),
        )
        for d in days
        if d <= observed or d == 0
    ]
    caveats: list[str] = []
    if not complete:
        caveats.append(
            f"the {window_days}-day window closes on {closes_on}: "
            f"these figures cover {observed} of its {window_days} days"
        )
    if too_small:
        caveats.append(
            f"too few accounts to tell: {assigned.targets} assigned and {holdout.targets} held "
            f"out (at least {MIN_GROUP} on each side are needed)"
        )
    if uplift is None or assigned.share_ordered is None or holdout.share_ordered is None:
        sentence = "Nothing to compare yet: one side has no accounts."
    elif observed == 0:
        sentence = (
            f"Too early to tell: the {window_days}-day window opened on {opens_on} and no day "
            f"of it has passed yet (it runs until {closes_on})."
        )
    else:
        within = f"within {window_days} days" if complete else f"in the first {observed} days"
        sentence = (
            f"{who.capitalize()} {treated} ordered {within} {assigned.share_ordered:.0%} of the "
            f"time, against {holdout.share_ordered:.0%} of those held out: "
            f"{_points(uplift.estimate)} points, 95% CI {_points(uplift.low)} to "
            f"{_points(uplift.high)}"
        )
        if too_small:
            sentence += " (too few accounts to tell)"
        elif not significant:
            sentence += " (the interval includes zero: no clear effect)"
        if not complete:
            sentence += f"; the window is still open until {closes_on}"
        sentence += "."
    return OutcomeOut(
        window_days=window_days,
        window_opens_on=opens_on,
        window_closes_on=closes_on,
        as_of=as_of,
        complete=complete,
        too_small=too_small,
        significant=significant,
        assigned=assigned,
        holdout=holdout,
        uplift=uplift,
        revenue_uplift_minor=revenue_uplift,
        curve=curve,
        sentence=sentence,
        caveats=caveats,
    )
