"""The purchase outlook: a probability with named parts that ranks who buys next.

Pure functions, no database. The AUC check replays the CDNOW sample (tests/data) the way
benchmarks/rank_cdnow.py replays the master file: weights fitted inside the calibration
period (as of 1997-05-31, on who bought by 1997-09-30), scored on the 39-week holdout.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from goodwill.scoring.outlook import (
    DEFAULT_WEIGHTS,
    MIN_OUTCOMES,
    PARTS,
    OutlookSignals,
    OutlookWeights,
    fit_outlook_weights,
    outlook_signals,
    purchase_outlook,
    rank_auc,
    score_outlook,
    typical_order_value,
)
from goodwill.scoring.rhythm import (
    PurchaseSummary,
    RhythmParameters,
    default_rhythm_parameters,
    expected_purchases,
    fit_rhythm,
    summarize_purchases,
)

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "CDNOW_sample.txt"
SPLIT = np.datetime64("1997-05-31")
CALIBRATION_END = np.datetime64("1997-09-30")
HOLDOUT_END = np.datetime64("1998-06-30")
WEEK = 7.0
DAYS = default_rhythm_parameters(1.0)  # CDNOW's population, time in days


def one(values: np.ndarray) -> float:
    return float(np.asarray(values)[0])


# --- properties ----------------------------------------------------------------------------


@st.composite
def customers(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    n = draw(st.integers(1, 40))

    def floats(low: float, high: float) -> np.ndarray:
        return np.array(draw(st.lists(st.floats(low, high), min_size=n, max_size=n)))

    x = np.array(draw(st.lists(st.integers(0, 200), min_size=n, max_size=n)), dtype=float)
    age = floats(0.0, 3000.0)
    t_x = np.where(x > 0, age * floats(0.0, 1.0), 0.0)
    spend = floats(0.0, 1e7)
    since_touch = np.where(floats(0.0, 1.0) < 0.2, np.nan, floats(0.0, 5000.0))
    return x, t_x, age, spend, since_touch


@settings(max_examples=150, deadline=None)
@given(customers(), st.floats(1.0, 730.0), st.floats(1.0, 180.0))
def test_the_outlook_is_a_probability_and_its_parts_add_up_to_its_log_odds(
    history: tuple[np.ndarray, ...], window: float, cadence: float
) -> None:
    x, t_x, age, spend, since_touch = history
    outlook = purchase_outlook(
        DAYS, x, t_x, age, window, spend, since_touch=since_touch, touch_cadence=cadence
    )
    assert np.all(np.isfinite(outlook.score))
    assert np.all((outlook.score >= 0) & (outlook.score <= 1))
    parts = sum(getattr(outlook, part) for part in PARTS)
    # Where the score is not saturated, the named parts explain it exactly.
    inside = (outlook.score > 1e-9) & (outlook.score < 1 - 1e-9)
    assert np.allclose(
        special.logit(outlook.score[inside]), outlook.intercept + parts[inside], atol=1e-6
    )
    # Lateness can only lower the outlook; nothing recorded counts as no sign either way.
    assert np.all(outlook.overdue <= 0)
    assert np.all(outlook.engagement <= 0)
    assert np.all(outlook.engagement[np.isnan(since_touch)] == 0)
    assert np.all(outlook.overdue[x == 0] == 0)


def test_a_more_recent_last_purchase_never_lowers_the_outlook() -> None:
    t_x = np.linspace(10.0, 300.0, 59)
    outlook = purchase_outlook(DAYS, np.full(59, 5.0), t_x, np.full(59, 300.0), 90.0, 500.0)
    assert np.all(np.diff(outlook.score) > 0)


def test_a_bigger_spender_ranks_higher_all_else_equal() -> None:
    spend = np.array([0.0, 50.0, 100.0, 400.0, 2000.0])
    outlook = purchase_outlook(
        DAYS, np.full(5, 2.0), np.full(5, 100.0), np.full(5, 200.0), 90.0, spend
    )
    assert np.all(np.diff(outlook.score) > 0)
    assert np.all(np.diff(outlook.spend) > 0)
    assert outlook.spend[0] == 0.0


def test_a_longer_window_raises_the_outlook() -> None:
    x, t_x, age = np.array([0.0, 3.0, 10.0]), np.array([0.0, 50.0, 200.0]), np.full(3, 250.0)
    scores = [purchase_outlook(DAYS, x, t_x, age, w, 300.0).score for w in (30, 90, 365)]
    assert np.all(scores[0] < scores[1])
    assert np.all(scores[1] < scores[2])


def test_an_account_left_untouched_past_its_cadence_drops_and_one_on_cadence_does_not() -> None:
    since = np.array([np.nan, 10.0, 30.0, 60.0, 180.0, 720.0])
    outlook = purchase_outlook(
        DAYS,
        np.full(6, 4.0),
        np.full(6, 150.0),
        np.full(6, 180.0),
        90.0,
        1000.0,
        since_touch=since,
        touch_cadence=30.0,
    )
    # Within the cadence (or with no touch data) engagement is silent.
    assert outlook.engagement[:3].tolist() == [0.0, 0.0, 0.0]
    assert np.all(np.diff(outlook.score[2:]) < 0)
    # 0.5 log-odds per e-fold of lateness: 6x the cadence costs 0.5 * log 6.
    assert outlook.engagement[4] == pytest.approx(-0.5 * np.log(6.0))


def test_a_customer_overdue_by_their_own_rhythm_ranks_below_one_on_rhythm() -> None:
    """Both last bought 60 days ago, so the recency rule ties them; their rhythms do not.

    A bought every 5 days (7 repeat purchases in 35 days), so 60 quiet days are 12 of their
    gaps; B buys every 60 days (7 in 420), so B is exactly on rhythm.
    """
    x = np.array([7.0, 7.0])
    t_x = np.array([35.0, 420.0])
    age = t_x + 60.0
    outlook = purchase_outlook(DAYS, x, t_x, age, 90.0, 800.0)
    assert outlook.score[0] < outlook.score[1]
    # Lateness is measured against the customer's own gap: 12 gaps late, and on time.
    signals = outlook_signals(DAYS, x, t_x, age, 90.0, 800.0)
    assert signals.part("overdue").tolist() == pytest.approx([-np.log(12.0), 0.0])
    # Given weight, the overdue part keeps lowering the outlook with every extra gap late.
    strict = OutlookWeights(**{**_as_dict(DEFAULT_WEIGHTS), "overdue": 0.5})
    later = np.array([70.0, 100.0, 200.0, 400.0])
    late = purchase_outlook(
        DAYS, np.full(4, 7.0), np.full(4, 35.0), 35.0 + later, 90.0, 800.0, weights=strict
    )
    assert np.all(np.diff(late.overdue) < 0)
    assert np.all(np.diff(late.score) < 0)


def _as_dict(w: OutlookWeights) -> dict[str, float]:
    return {name: getattr(w, name) for name in ("intercept", *PARTS)}


def test_customers_without_a_repeat_purchase_are_scored_by_age_and_first_order() -> None:
    age = np.array([30.0, 30.0, 200.0])
    spend = np.array([15.0, 90.0, 90.0])
    outlook = purchase_outlook(DAYS, np.zeros(3), np.zeros(3), age, 90.0, spend, typical_order=30.0)
    assert np.all(np.isfinite(outlook.score))
    assert np.all(outlook.frequency == 0)
    assert np.all(outlook.overdue == 0)
    # BG/NBD calls all three alive; the outlook still tells them apart.
    assert outlook.score[1] > outlook.score[0]  # a bigger first order
    assert outlook.score[1] > outlook.score[2]  # a newer customer
    assert outlook.spend[1] == pytest.approx(DEFAULT_WEIGHTS.spend * np.log1p(3.0))


def test_the_typical_order_is_the_median_average_order_of_paying_customers() -> None:
    x = np.array([0.0, 1.0, 3.0, 0.0])
    spend = np.array([10.0, 60.0, 400.0, 0.0])
    # Averages 10, 30, 100 (the customer who paid nothing is left out): median 30.
    assert typical_order_value(x, spend) == 30.0


def test_signals_refuse_inconsistent_input() -> None:
    with pytest.raises(ValueError, match="go together"):
        outlook_signals(DAYS, [1.0], [5.0], [10.0], 90.0, [10.0], since_touch=[3.0])
    with pytest.raises(ValueError, match="window must be positive"):
        outlook_signals(DAYS, [1.0], [5.0], [10.0], 0.0, [10.0])
    with pytest.raises(ValueError, match="t_x <= T"):
        outlook_signals(DAYS, [1.0], [15.0], [10.0], 90.0, [10.0])
    with pytest.raises(ValueError, match="cadence must be positive"):
        outlook_signals(
            DAYS, [1.0], [5.0], [10.0], 90.0, [10.0], since_touch=[3.0], touch_cadence=0.0
        )


# --- fitting the weights -------------------------------------------------------------------


def test_the_fit_recovers_known_weights_from_simulated_outcomes() -> None:
    rng = np.random.default_rng(3)
    n = 40_000
    values = np.column_stack(
        [
            rng.normal(-1.0, 1.5, n),
            np.log1p(rng.poisson(2.0, n)),
            np.log1p(rng.gamma(2.0, 0.5, n)),
            -np.maximum(0.0, rng.normal(0.0, 1.0, n)),
            -np.maximum(0.0, rng.normal(0.0, 1.0, n)),
        ]
    )
    truth = OutlookWeights(-0.5, 0.8, 0.4, 0.6, 0.3, 0.7)
    signals = OutlookSignals(np.ones(n), values)
    bought = rng.random(n) < score_outlook(signals, truth).score
    fit = fit_outlook_weights(signals, bought)
    assert not fit.used_default
    assert (fit.n_customers, fit.n_buyers) == (n, int(bought.sum()))
    for name in ("intercept", *PARTS):
        assert getattr(fit.weights, name) == pytest.approx(getattr(truth, name), abs=0.08), name


def test_the_fit_keeps_the_a_priori_signs_and_fixes_engagement_without_touch_data() -> None:
    rng = np.random.default_rng(5)
    n = 5_000
    values = np.column_stack([rng.normal(0, 1, (n, 4)), np.zeros(n)])
    # Outcomes that favour *late* buyers: the fit may not learn that lateness helps.
    bought = rng.random(n) < special.expit(-1.5 * values[:, 3])
    fit = fit_outlook_weights(OutlookSignals(np.ones(n), values), bought)
    assert not fit.used_default
    assert fit.weights.overdue == 0.0
    assert fit.weights.engagement == DEFAULT_WEIGHTS.engagement
    assert fit.weights.rhythm >= 0.0
    assert fit.weights.frequency >= 0.0


def test_too_few_buyers_fall_back_to_the_default_weights() -> None:
    values = np.zeros((500, 5))
    bought = np.zeros(500, dtype=bool)
    bought[: MIN_OUTCOMES - 1] = True
    fit = fit_outlook_weights(OutlookSignals(np.ones(500), values), bought)
    assert fit.used_default
    assert fit.weights == DEFAULT_WEIGHTS
    assert np.isfinite(fit.log_likelihood)


def test_rank_auc_is_the_chance_a_buyer_outranks_a_non_buyer_with_ties_counting_half() -> None:
    assert rank_auc([0.9, 0.8, 0.3, 0.1], [True, True, False, False]) == 1.0
    assert rank_auc([0.1, 0.2, 0.3], [True, False, True]) == 0.5
    assert rank_auc([1.0, 1.0], [True, False]) == 0.5
    with pytest.raises(ValueError, match="buyer and one non-buyer"):
        rank_auc([1.0, 2.0], [True, True])


# --- CDNOW sample --------------------------------------------------------------------------


def read_sample() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cols = np.array(SAMPLE.read_text(encoding="ascii").split()).reshape(-1, 5)
    ymd = cols[:, 2].astype(np.int64)
    months = (ymd // 10000 - 1970) * 12 + (ymd // 100 % 100 - 1)
    dates = months.astype("datetime64[M]").astype("datetime64[D]") + (ymd % 100 - 1)
    return cols[:, 1].astype(np.int64), dates, cols[:, 4].astype(np.float64)


@cache
def as_of(end: np.datetime64) -> tuple[PurchaseSummary, np.ndarray]:
    ids, dates, amounts = read_sample()
    s = summarize_purchases(ids, dates, amounts, calibration_end=end, time_unit_days=WEEK)
    keep = dates <= end
    spend = np.bincount(
        np.searchsorted(s.customer_id, ids[keep]), weights=amounts[keep], minlength=s.x.size
    )
    return s, spend


def scored(
    end: np.datetime64, horizon: np.datetime64
) -> tuple[RhythmParameters, OutlookSignals, np.ndarray]:
    s, spend = as_of(end)
    window = float((horizon - end).astype(np.int64)) / WEEK
    p = fit_rhythm(s.x, s.t_x, s.T, time_unit_days=WEEK).parameters
    bought = as_of(horizon)[0].x > s.x
    return p, outlook_signals(p, s.x, s.t_x, s.T, window, spend), bought


def test_on_the_cdnow_sample_the_outlook_outranks_recency_and_bgnbd() -> None:
    """Measured: outlook 0.780, BG/NBD expected purchases 0.773, recency 0.771 (2,357
    customers, 684 of whom buy in the holdout; the outlook expects 681); the weights come
    from the calibration period only.
    """
    inner = fit_outlook_weights(*scored(SPLIT, CALIBRATION_END)[1:])
    assert not inner.used_default
    p, signals, bought = scored(CALIBRATION_END, HOLDOUT_END)
    s = as_of(CALIBRATION_END)[0]
    outlook = score_outlook(signals, inner.weights)
    outlook_auc = rank_auc(outlook.score, bought)
    bgnbd_auc = rank_auc(expected_purchases(p, s.x, s.t_x, s.T, 39.0), bought)
    recency_auc = rank_auc(s.t_x - s.T, bought)
    assert outlook_auc > bgnbd_auc
    assert outlook_auc > recency_auc
    assert outlook_auc > 0.775
    # The outlook is also a usable forecast of how many customers buy.
    assert outlook.score.sum() == pytest.approx(bought.sum(), rel=0.1)
