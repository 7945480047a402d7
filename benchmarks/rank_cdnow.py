"""Who buys next? Ranking quality on CDNOW master: recency rule, plain BG/NBD, Goodwill's outlook.

Run: .venv/bin/python -m benchmarks.rank_cdnow
Writes benchmarks/results/rank_cdnow.json and prints the same figures.

CDNOW master (benchmarks/data): 23,570 customers whose first purchase was in 1997-01..03.
Everything is replayed as of the calibration end 1997-09-30 and scored on who buys at least
once in the next 39 weeks (to 1998-06-30, the holdout). Time is in weeks, as in the paper.

- recency rule: rank by days since the last purchase (fewer is better); also the plain
  "no purchase in 180 days" flag.
- BG/NBD: fitted on the calibration period; rank by P(at least one purchase in 39 weeks) and
  by expected purchases in 39 weeks (the issue's 0.763 is the latter).
- Goodwill: `goodwill.scoring.outlook.purchase_outlook` with weights fitted by
  `fit_outlook_weights` on a split INSIDE the calibration period: customers as of
  1997-05-31, outcome "bought between 1997-06-01 and 1997-09-30". The holdout is never seen
  by any fit. The split date is chosen a priori (every customer has two months of history and
  the inner window is as long as that leaves); other split dates are reported as a check.

AUC is the Mann-Whitney statistic (ties count half). Totals compare forecasts with actuals:
BG/NBD expected purchases against repeat purchases in the holdout, and the sum of each
probability score against the number of customers who bought.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.rhythm_cdnow import read_cdnow
from goodwill.scoring.outlook import (
    DEFAULT_WEIGHTS,
    PARTS,
    OutlookFit,
    OutlookSignals,
    fit_outlook_weights,
    outlook_signals,
    rank_auc,
    score_outlook,
)
from goodwill.scoring.rhythm import (
    PurchaseSummary,
    expected_purchases,
    fit_rhythm,
    probability_purchase,
    summarize_purchases,
)

ROOT = Path(__file__).resolve().parents[1]
MASTER = ROOT / "benchmarks" / "data" / "CDNOW_master.txt"
RESULTS = ROOT / "benchmarks" / "results" / "rank_cdnow.json"
WEEK = 7.0
SPLIT = np.datetime64("1997-05-31")
CHECK_SPLITS = (np.datetime64("1997-04-30"), np.datetime64("1997-06-30"))
CALIBRATION_END = np.datetime64("1997-09-30")
HOLDOUT_END = np.datetime64("1998-06-30")
NEGLECT_DAYS = 180

Transactions = tuple[npt.NDArray[np.int64], npt.NDArray[Any], npt.NDArray[np.float64]]


def weeks_between(start: np.datetime64, end: np.datetime64) -> float:
    """Length of (start, end] in weeks."""
    return float((end - start).astype("timedelta64[D]").astype(np.int64)) / WEEK


def summary_as_of(transactions: Transactions, end: np.datetime64) -> PurchaseSummary:
    """(x, t_x, T, monetary value) per customer as of `end`, time in weeks."""
    ids, dates, amounts = transactions
    return summarize_purchases(ids, dates, amounts, calibration_end=end, time_unit_days=WEEK)


def total_spend_as_of(
    transactions: Transactions, end: np.datetime64, customers: npt.NDArray[Any]
) -> npt.NDArray[np.float64]:
    """Everything each customer spent up to `end`, first order included."""
    ids, dates, amounts = transactions
    keep = dates <= end
    at = np.searchsorted(customers, ids[keep])
    spent = np.bincount(at, weights=amounts[keep], minlength=customers.size)
    return spent.astype(np.float64)


def bought_between(before: PurchaseSummary, after: PurchaseSummary) -> npt.NDArray[np.bool_]:
    """Whether each customer of `before` made a purchase day between the two summaries."""
    at = np.searchsorted(after.customer_id, before.customer_id)
    return np.asarray(after.x[at] > before.x, dtype=bool)


def signals_as_of(
    transactions: Transactions, end: np.datetime64, horizon_end: np.datetime64
) -> tuple[PurchaseSummary, OutlookSignals, Any]:
    """Fit BG/NBD as of `end` and compute the outlook signals for the window to `horizon_end`."""
    s = summary_as_of(transactions, end)
    fit = fit_rhythm(s.x, s.t_x, s.T, time_unit_days=WEEK)
    spend = total_spend_as_of(transactions, end, s.customer_id)
    window = weeks_between(end, horizon_end)
    signals = outlook_signals(fit.parameters, s.x, s.t_x, s.T, window, spend)
    return s, signals, fit


def inner_fit(transactions: Transactions, split: np.datetime64) -> OutlookFit:
    """Outlook weights fitted inside the calibration period: as of `split`, to its end."""
    s, signals, _ = signals_as_of(transactions, split, CALIBRATION_END)
    bought = bought_between(s, summary_as_of(transactions, CALIBRATION_END))
    return fit_outlook_weights(signals, bought)


def without(signals: OutlookSignals, part: str) -> OutlookSignals:
    """The same signals with one part's column zeroed (the part left out)."""
    values = signals.values.copy()
    values[:, PARTS.index(part)] = 0.0
    return replace(signals, values=values)


def rounded(value: float, digits: int = 4) -> float:
    """A figure rounded for the report."""
    return round(float(value), digits)


def main() -> int:
    """Replay CDNOW master, rank customers three ways, print and write the figures."""
    transactions = read_cdnow(MASTER)
    window = weeks_between(CALIBRATION_END, HOLDOUT_END)
    s, signals, rhythm_fit = signals_as_of(transactions, CALIBRATION_END, HOLDOUT_END)
    after = summary_as_of(transactions, HOLDOUT_END)
    bought = bought_between(s, after)
    at = np.searchsorted(after.customer_id, s.customer_id)
    holdout_purchases = float((after.x[at] - s.x).sum())
    p = rhythm_fit.parameters

    since_purchase_days = (s.T - s.t_x) * WEEK
    chance = probability_purchase(p, s.x, s.t_x, s.T, window)
    expected = expected_purchases(p, s.x, s.t_x, s.T, window)

    fit = inner_fit(transactions, SPLIT)
    start = time.perf_counter()
    outlook = score_outlook(signals, fit.weights)
    score_seconds = time.perf_counter() - start
    default_outlook = score_outlook(signals, DEFAULT_WEIGHTS)

    buyers = int(bought.sum())
    recency_auc = rank_auc(-since_purchase_days, bought)
    bgnbd_expected_auc = rank_auc(expected, bought)
    outlook_auc = rank_auc(outlook.score, bought)
    results: dict[str, Any] = {
        "command": ".venv/bin/python -m benchmarks.rank_cdnow",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "customers": int(s.x.size),
        "calibration_end": str(CALIBRATION_END),
        "holdout_end": str(HOLDOUT_END),
        "holdout_weeks": rounded(window),
        "holdout_buyers": buyers,
        "holdout_repeat_purchases": int(holdout_purchases),
        "bgnbd_parameters_weeks": {k: rounded(v, 6) for k, v in asdict(p).items()},
        "recency_rule": {
            "auc_days_since_last_purchase": rounded(recency_auc),
            f"auc_no_purchase_in_{NEGLECT_DAYS}_days": rounded(
                rank_auc(since_purchase_days < NEGLECT_DAYS, bought)
            ),
            "forecast": None,
        },
        "bgnbd": {
            "auc_expected_purchases": rounded(bgnbd_expected_auc),
            "auc_probability_purchase": rounded(rank_auc(chance, bought)),
            "expected_purchases_total": rounded(expected.sum(), 1),
            "expected_purchases_vs_actual": rounded(expected.sum() / holdout_purchases - 1.0),
            "expected_buyers_total": rounded(chance.sum(), 1),
            "expected_buyers_vs_actual": rounded(chance.sum() / buyers - 1.0),
        },
        "goodwill_outlook": {
            "auc": rounded(outlook_auc),
            "expected_buyers_total": rounded(outlook.score.sum(), 1),
            "expected_buyers_vs_actual": rounded(outlook.score.sum() / buyers - 1.0),
            "auc_with_default_weights": rounded(rank_auc(default_outlook.score, bought)),
            "score_seconds": rounded(score_seconds, 5),
            "beats_recency_and_bgnbd": bool(outlook_auc > max(recency_auc, bgnbd_expected_auc)),
        },
    }
    results["inner_fit"] = {
        "split": str(SPLIT),
        "inner_window_weeks": rounded(weeks_between(SPLIT, CALIBRATION_END)),
        "customers": fit.n_customers,
        "buyers": fit.n_buyers,
        "used_default": fit.used_default,
        "weights": {k: rounded(v) for k, v in asdict(fit.weights).items()},
        "note": "engagement is fixed, not fitted: CDNOW has no touches",
    }
    results["part_contributions_log_odds_sd"] = {
        part: rounded(np.std(getattr(outlook, part))) for part in PARTS
    }
    left_out = {}
    for part in PARTS[:3]:
        reduced_fit = fit_outlook_weights(
            without(signals_as_of(transactions, SPLIT, CALIBRATION_END)[1], part),
            bought_between(
                summary_as_of(transactions, SPLIT), summary_as_of(transactions, CALIBRATION_END)
            ),
        )
        left_out[part] = rounded(
            rank_auc(score_outlook(without(signals, part), reduced_fit.weights).score, bought)
        )
    results["auc_leaving_one_part_out"] = left_out
    other_splits = {}
    for split in CHECK_SPLITS:
        other = inner_fit(transactions, split)
        other_splits[str(split)] = rounded(
            rank_auc(score_outlook(signals, other.weights).score, bought)
        )
    results["auc_with_other_inner_splits"] = other_splits

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
