"""Benchmark the purchase-rhythm fit on CDNOW (sample and master) and a large daily population.

Run: .venv/bin/python -m benchmarks.rhythm_cdnow
Writes benchmarks/results/rhythm_cdnow.json and prints the same figures.

- CDNOW sample (2,357 customers) from tests/data, CDNOW master (23,570) from benchmarks/data
  when present: 39-week calibration from 1997-01-01 (to 1997-09-30), time in weeks, as in
  Fader, Hardie & Lee (2005).
- A synthetic population of 1,000,000 customers drawn from the BG/NBD model itself with the
  CDNOW parameters, time in whole days over up to three years (the product's unit): there
  many customers share a triple, which is where grouping pays.
Each fit is timed grouped and ungrouped (best of `REPEATS` runs).
"""

from __future__ import annotations

import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from goodwill.scoring.rhythm import (
    PurchaseSummary,
    RhythmFit,
    default_rhythm_parameters,
    fit_rhythm,
    fit_spend,
    group_customers,
    summarize_purchases,
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "CDNOW_sample.txt"
MASTER = ROOT / "benchmarks" / "data" / "CDNOW_master.txt"
RESULTS = ROOT / "benchmarks" / "results" / "rhythm_cdnow.json"
CALIBRATION_END = np.datetime64("1997-09-30")
REPEATS = 5
SYNTHETIC_CUSTOMERS = 1_000_000


def read_cdnow(
    path: Path,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any], npt.NDArray[np.float64]]:
    """Customer ids, dates and amounts of a CDNOW file.

    The master file has a header and 4 columns (id, date, CDs, dollars); the sample has no
    header and 5 (master id, sample id, date, CDs, dollars).
    """
    lines = path.read_text(encoding="ascii").splitlines()
    body = [line for line in lines if line.split() and line.split()[0].isdigit()]
    width = len(body[0].split())
    cols = np.array(" ".join(body).split()).reshape(-1, width)
    ymd = cols[:, -3].astype(np.int64)
    months = (ymd // 10000 - 1970) * 12 + (ymd // 100 % 100 - 1)
    dates = months.astype("datetime64[M]").astype("datetime64[D]") + (ymd % 100 - 1)
    return cols[:, 0].astype(np.int64), dates, cols[:, -1].astype(np.float64)


def best_of(action: Callable[[], Any]) -> tuple[float, Any]:
    """Fastest wall time of REPEATS runs, and the last result."""
    times, result = [], None
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return min(times), result


def fit_figures(s: PurchaseSummary, time_unit_days: float) -> dict[str, Any]:
    """Time the grouped and ungrouped fits of one population and describe the result."""
    grouped_s, grouped = best_of(lambda: fit_rhythm(s.x, s.t_x, s.T, time_unit_days=time_unit_days))
    plain_s, plain = best_of(
        lambda: fit_rhythm(s.x, s.t_x, s.T, time_unit_days=time_unit_days, group=False)
    )
    assert isinstance(grouped, RhythmFit)
    assert isinstance(plain, RhythmFit)
    triples = int(group_customers(s.x, s.t_x, s.T)[0].size)
    p = grouped.parameters
    return {
        "customers": grouped.n_customers,
        "distinct_triples": triples,
        "fit_seconds_grouped": round(grouped_s, 4),
        "fit_seconds_ungrouped": round(plain_s, 4),
        "speedup": round(plain_s / grouped_s, 1),
        "r": round(p.r, 6),
        "alpha": round(p.alpha, 6),
        "a": round(p.a, 6),
        "b": round(p.b, 6),
        "log_likelihood": round(grouped.log_likelihood, 4),
        "log_likelihood_ungrouped": round(plain.log_likelihood, 4),
        "converged": grouped.converged,
        "used_default": grouped.used_default,
    }


def cdnow_figures(path: Path) -> dict[str, Any]:
    """Summary, BG/NBD and Gamma-Gamma figures for one CDNOW file."""
    ids, dates, amounts = read_cdnow(path)
    summary_s, s = best_of(
        lambda: summarize_purchases(
            ids, dates, amounts, calibration_end=CALIBRATION_END, time_unit_days=7.0
        )
    )
    assert isinstance(s, PurchaseSummary)
    figures: dict[str, Any] = {
        "transactions": int(ids.size),
        "summary_seconds": round(summary_s, 4),
    }
    figures |= fit_figures(s, time_unit_days=7.0)
    spend_s, spend = best_of(lambda: fit_spend(s.x, s.monetary_value))
    figures["spend"] = {
        "repeat_buyers": spend.n_customers,
        "fit_seconds": round(spend_s, 4),
        "p": round(spend.parameters.p, 6),
        "q": round(spend.parameters.q, 6),
        "gamma": round(spend.parameters.gamma, 6),
        "log_likelihood": round(spend.log_likelihood, 4),
        "used_default": spend.used_default,
    }
    return figures


def synthetic_population(n: int, seed: int = 7) -> PurchaseSummary:
    """Customers simulated from BG/NBD with CDNOW's parameters, in whole days.

    Each customer has a rate lambda ~ Gamma(r, alpha) and drops out after each purchase with
    chance p ~ Beta(a, b); their age T is 1..1095 days. If alive throughout they would make
    N ~ Poisson(lambda T) purchases; they actually make x = min(N, purchases before drop-out),
    and the x-th of N uniform arrival times is T * Beta(x, N - x + 1).
    """
    rng = np.random.default_rng(seed)
    p = default_rhythm_parameters(1.0)
    rate = rng.gamma(p.r, 1.0 / p.alpha, n)
    dropout = rng.beta(p.a, p.b, n)
    age = rng.integers(1, 1096, n).astype(np.float64)
    would_buy = rng.poisson(rate * age)
    before_dropout = rng.geometric(dropout)
    x = np.minimum(would_buy, before_dropout)
    share = rng.beta(np.maximum(x, 1), np.maximum(would_buy - x, 0) + 1)
    t_x = np.where(x > 0, np.clip(np.ceil(age * share), 1, age), 0.0)
    empty = np.zeros(n)
    return PurchaseSummary(np.arange(n), x.astype(np.float64), t_x, age, empty)


def main() -> int:
    """Run every benchmark, print the figures and write them as JSON."""
    results: dict[str, Any] = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "repeats": REPEATS,
    }
    results["cdnow_sample"] = cdnow_figures(SAMPLE)
    if MASTER.exists():
        results["cdnow_master"] = cdnow_figures(MASTER)
    else:
        results["cdnow_master"] = f"skipped: {MASTER} not found"
    results["synthetic_daily"] = fit_figures(
        synthetic_population(SYNTHETIC_CUSTOMERS), time_unit_days=1.0
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
