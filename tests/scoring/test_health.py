"""The pure health math: components, trend, arrow, top accounts, complacency and neglect."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from goodwill.scoring import core

TODAY = 20_000  # a day number


def figures(n: int = 1, **columns: Any) -> core.AccountFigures:
    """Accounts with nothing on record, except the columns given (one value or n values)."""
    base: dict[str, Any] = {
        name: np.zeros(n) for name in core.AccountFigures.__dataclass_fields__ if name != "history"
    }
    for name in ("first_order", "last_order", "last_touch", "last_value"):
        base[name] = np.full(n, np.nan)
    base["cadence_days"] = np.full(n, 30.0)
    for name, value in columns.items():
        base[name] = np.broadcast_to(np.asarray(value, dtype=np.float64), (n,)).copy()
    history = columns.get("history", np.full((n, core.HISTORY_WEEKS), np.nan))
    base["history"] = np.asarray(history, dtype=np.float64)
    return core.AccountFigures(**base)


RULES = core.HealthRules(weights=core.DEFAULT_WEIGHTS)


def test_weights_become_points_that_add_up_to_100() -> None:
    points = core.HealthRules(weights={"vitality": 1, "value": 3}).points()
    assert points.sum() == pytest.approx(100.0)
    assert points[core.COMPONENTS.index("value")] == pytest.approx(75.0)
    with pytest.raises(ValueError, match="unknown health components"):
        core.HealthRules(weights={"charm": 1}).points()
    with pytest.raises(ValueError, match="not all zero"):
        core.HealthRules(weights={"vitality": 0}).points()


def test_components_of_a_well_served_account() -> None:
    f = figures(
        cadence_days=30,
        last_touch=TODAY - 10,
        calls_90=2,
        visits_90=1,
        emails_90=1,
        last_value=TODAY - 45,
        promises_due=2,
        promises_kept=2,
        quotes_decided=2,
        quotes_won=1,
        open_quotes=2,
        open_quotes_followed=1,
        fact_kinds=6,
        fact_kinds_fresh=3,
        goal_this_quarter=1,
    )
    scores = dict(
        zip(core.COMPONENTS, core.component_scores(f, TODAY, np.zeros(1))[0], strict=True)
    )
    assert scores["vitality"] == 0.0
    assert scores["engagement"] == pytest.approx(0.5 * 4 / 3 * 0.75 + 0.5)  # 4 of 3 wanted: 1
    assert scores["engagement"] == pytest.approx(1.0)
    assert scores["richness"] == pytest.approx((3 + 0.25) / 4)
    assert scores["value"] == pytest.approx(0.5)
    assert scores["promises"] == pytest.approx(3 / 4)
    assert scores["quotes"] == pytest.approx(0.5 * 2 / 4 + 0.5 * 0.5)
    assert scores["knowledge"] == pytest.approx(1.0)


def test_an_untouched_account_scores_low_but_neutral_where_there_is_no_evidence() -> None:
    scores = dict(
        zip(core.COMPONENTS, core.component_scores(figures(), TODAY, np.zeros(1))[0], strict=True)
    )
    assert scores["engagement"] == 0.0
    assert scores["richness"] == 0.0
    assert scores["value"] == 0.0
    assert scores["promises"] == 0.5  # nothing promised: neither kept nor broken
    assert scores["quotes"] == pytest.approx(0.5 * 0.5 + 0.5)  # no open quote to neglect


def test_trend_is_the_slope_over_the_scored_weeks() -> None:
    health = np.array([60.0, 60.0, 50.0])
    history = np.array(
        [
            [57.0, 54.0, 51.0, 48.0],  # +3 a week
            [np.nan, 56.0, np.nan, 52.0],  # missing weeks are left out: +2 a week
            [np.nan, np.nan, np.nan, np.nan],  # first score: no trend
        ]
    )
    assert core.health_trend(health, history) == pytest.approx([3.0, 2.0, 0.0])


def test_arrow_votes_trend_and_revenue_with_noise_thresholds() -> None:
    trend = np.array([3.0, 1.0, 1.0, 3.0, -3.0, 0.0])
    revenue = np.array([100.0, 100.0, 50.0, 50.0, 100.0, 0.0])
    prior = np.array([100.0, 110.0, 100.0, 100.0, 100.0, 0.0])
    arrow = core.arrows(trend, revenue, prior, noise_points=2.0, revenue_change=0.2)
    # up by trend; flat (both within noise); down by revenue; trend and revenue disagree;
    # down by trend; nothing at all
    assert arrow.tolist() == [1, 0, -1, 0, -1, 0]


def test_top_accounts_are_the_top_share_by_revenue() -> None:
    revenue = np.array([0.0, 10.0, 50.0, 40.0, 30.0, 20.0])
    assert core.top_accounts(revenue, 0.4).tolist() == [False, False, True, True, False, False]
    assert core.top_accounts(np.zeros(3), 0.5).tolist() == [False, False, False]


def buyers(n: int, rng: np.random.Generator) -> dict[str, Any]:
    """Customers who buy as BG/NBD says: Poisson purchases until a quiet drop-out."""
    first = TODAY - rng.integers(200, 700, n).astype(np.float64)
    rate = rng.gamma(0.8, 1 / 40.0, n)  # about one purchase in 50 days
    drop = rng.beta(1.0, 6.0, n)
    last = first.copy()
    days = np.ones(n)
    for i in range(n):
        t = first[i]
        while rng.random() >= drop[i]:
            t += rng.exponential(1 / rate[i])
            if t > TODAY:
                break
            last[i] = math.floor(t)
            days[i] += 1
    spend = days * rng.integers(1_000, 50_000, n)
    return {
        "first_order": first,
        "last_order": last,
        "order_days": days,
        "spend_minor": spend,
        "first_day_minor": spend / days,
        "revenue_365_minor": spend / 2,
    }


def test_score_health_explains_health_and_flags_complacency_and_neglect() -> None:
    rng = np.random.default_rng(7)
    n = 200
    columns = buyers(n, rng)
    columns["revenue_90_minor"] = np.where(np.arange(n) < 10, 1_000_000.0, 0.0)
    columns["revenue_365_minor"] = np.where(np.arange(n) < 10, 9e9, columns["revenue_365_minor"])
    columns["last_value"] = np.where(np.arange(n) < 5, TODAY - 3.0, np.nan)
    f = figures(n, **columns)
    s = core.score_health(f, TODAY, RULES)
    assert s.points.sum(axis=1) == pytest.approx(s.health)
    assert np.all((s.health >= 0) & (s.health <= 100))
    assert not s.rhythm_fit.used_default
    assert np.all((s.chance_of_buying > 0) & (s.chance_of_buying < 1))
    # The ten biggest grew (revenue now, none before): up; five got value lately.
    assert s.top[:10].all()
    assert (s.arrow[:10] == core.UP).all()
    assert s.complacent.tolist()[:10] == [False] * 5 + [True] * 5
    assert not s.complacent[10:].any()
    since = TODAY - columns["last_order"]
    assert s.neglected.tolist() == (since > 180).tolist()


def test_too_few_customers_use_the_default_rhythm_and_never_buyers_get_zero() -> None:
    rng = np.random.default_rng(1)
    columns = buyers(5, rng)
    columns["order_days"] = np.array([3, 2, 1, 0, 4], dtype=np.float64)
    columns["first_order"][3] = math.nan
    columns["last_order"][3] = math.nan
    s = core.score_health(figures(5, **columns), TODAY, RULES)
    assert s.rhythm_fit.used_default
    assert s.chance_of_buying[3] == 0.0
    assert s.points[3, core.COMPONENTS.index("vitality")] == 0.0
    assert np.isnan(s.days_since_order[3])
    assert not s.neglected[3]
