"""Speed of the rhythm fit plus scoring: goodwill against lifetimes 0.11.3, same data and run.

Run: .venv/bin/python -m benchmarks.rhythm_speed [--lifetimes-python PATH] [--customers N ...]
Writes benchmarks/results/rhythm_speed.json and prints the same figures.

The population is drawn from the BG/NBD model with CDNOW's parameters, time in days (the
product's unit; `benchmarks.rhythm_cdnow.synthetic_population`), plus a Gamma-Gamma spend
per repeat buyer with CDNOW's spend parameters. Both libraries do the same work on it:

1. fit BG/NBD (r, alpha, a, b) by maximum likelihood,
2. per customer: P(alive), expected purchases in the next 90 days and P(at least one purchase
   in 90 days),
3. fit Gamma-Gamma (p, q, gamma) on the repeat buyers,
4. per customer: expected order value and 12-month value (expected purchases in 365.25 days
   times expected order value, undiscounted, as `goodwill.scoring.rhythm.twelve_month_value`).

lifetimes is used as its documentation shows (one row per customer, no weights). It has no
conditional P(at least one purchase in a window), so its half computes that from its own
P(alive) and parameters with the same closed form as goodwill (one NumPy line, negligible).
lifetimes does not install next to the project's NumPy/pandas, so its half runs in another
Python (default /tmp/lt-venv/bin/python) as a subprocess: this same file, in worker mode,
which imports only NumPy, pandas and lifetimes. Without that Python the lifetimes half is
skipped and said so. Log-likelihoods are compared by evaluating both fitted parameter sets
with goodwill's likelihood (the same formula as lifetimes', tested equal on CDNOW), and
lifetimes' own reported value is shown beside it.

Times are wall-clock seconds of one run each (a fit this size is not repeated), in the same
process and machine; OPENBLAS_NUM_THREADS=1 as in the scoring workers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# numpy is imported after the BLAS thread setting, which it reads on import.
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "rhythm_speed.json"
LIFETIMES_PYTHON = Path("/tmp/lt-venv/bin/python")
WINDOW_DAYS = 90.0
YEAR_DAYS = 365.25
SPEND = (6.25, 3.74, 15.44)  # CDNOW's Gamma-Gamma p, q, gamma (lifetimes' documentation)
SIZES = (100_000, 1_000_000)


def population(n: int, seed: int = 7) -> dict[str, Any]:
    """x, t_x, T in days and the mean repeat spend m of n synthetic customers."""
    from benchmarks.rhythm_cdnow import synthetic_population

    s = synthetic_population(n, seed)
    rng = np.random.default_rng(seed + 1)
    p, q, gamma = SPEND
    # Each customer spends Gamma(p, nu) per order with nu ~ Gamma(q, gamma); the mean of x
    # orders is then Gamma(p x, x nu).
    nu = rng.gamma(q, 1.0 / gamma, n)
    shape = np.maximum(s.x, 1.0) * p
    m = np.where(s.x > 0, rng.gamma(shape, 1.0 / (np.maximum(s.x, 1.0) * nu)), 0.0)
    return {"x": s.x, "t_x": s.t_x, "T": s.T, "m": np.round(m, 2)}


def goodwill_half(data: dict[str, Any]) -> dict[str, Any]:
    """Fit and score with goodwill.scoring.rhythm, timing each step."""
    from goodwill.scoring import rhythm

    x, t_x, T, m = data["x"], data["t_x"], data["T"], data["m"]
    times: dict[str, float] = {}

    def timed(name: str, action: Any) -> Any:
        start = time.perf_counter()
        result = action()
        times[name] = time.perf_counter() - start
        return result

    fit = timed("fit_rhythm", lambda: rhythm.fit_rhythm(x, t_x, T))
    p = fit.parameters
    alive = timed("probability_alive", lambda: rhythm.probability_alive(p, x, t_x, T))
    purchases = timed(
        "expected_purchases_90d", lambda: rhythm.expected_purchases(p, x, t_x, T, WINDOW_DAYS)
    )
    chance = timed(
        "probability_purchase_90d",
        lambda: rhythm.probability_purchase(p, x, t_x, T, WINDOW_DAYS),
    )
    spend_fit = timed("fit_spend", lambda: rhythm.fit_spend(x, m))
    order_value = timed(
        "expected_order_value", lambda: rhythm.expected_order_value(spend_fit.parameters, x, m)
    )
    value = timed(
        "twelve_month_value",
        lambda: rhythm.twelve_month_value(p, spend_fit.parameters, x, t_x, T, m),
    )
    return {
        "seconds": times,
        "total_seconds": sum(times.values()),
        "params": {"r": p.r, "alpha": p.alpha, "a": p.a, "b": p.b},
        "spend_params": {
            "p": spend_fit.parameters.p,
            "q": spend_fit.parameters.q,
            "gamma": spend_fit.parameters.gamma,
        },
        "log_likelihood": fit.log_likelihood,
        "converged": fit.converged and not fit.used_default,
        "predictions": {
            "alive": alive,
            "purchases": purchases,
            "chance": chance,
            "order_value": order_value,
            "value": value,
        },
    }


def lifetimes_worker(data_path: str, out_path: str) -> None:
    """Worker mode, run by the lifetimes Python: the same steps with lifetimes 0.11.3."""
    import lifetimes  # type: ignore[import-not-found]
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    data = np.load(data_path)
    x, t_x, T, m = data["x"], data["t_x"], data["T"], data["m"]
    times: dict[str, float] = {}

    def timed(name: str, action: Any) -> Any:
        start = time.perf_counter()
        result = action()
        times[name] = time.perf_counter() - start
        return result

    bgf = BetaGeoFitter()
    timed("fit_rhythm", lambda: bgf.fit(x, t_x, T))
    r, alpha, a, b = (float(bgf.params_[k]) for k in ("r", "alpha", "a", "b"))
    alive = timed("probability_alive", lambda: bgf.conditional_probability_alive(x, t_x, T))
    purchases = timed(
        "expected_purchases_90d",
        lambda: bgf.conditional_expected_number_of_purchases_up_to_time(WINDOW_DAYS, x, t_x, T),
    )
    chance = timed(
        "probability_purchase_90d",
        lambda: np.asarray(alive) * -np.expm1(-(r + x) * np.log1p(WINDOW_DAYS / (alpha + T))),
    )
    repeat = x > 0
    ggf = GammaGammaFitter()
    timed("fit_spend", lambda: ggf.fit(x[repeat], m[repeat]))
    order_value = timed(
        "expected_order_value", lambda: ggf.conditional_expected_average_profit(x, m)
    )
    value = timed(
        "twelve_month_value",
        lambda: (
            np.asarray(
                bgf.conditional_expected_number_of_purchases_up_to_time(YEAR_DAYS, x, t_x, T)
            )
            * np.asarray(order_value)
        ),
    )
    # lifetimes minimizes the mean negative log-likelihood with time scaled by `_scale`;
    # scaling time by s shifts the total by -sum(x) log s, undone here.
    reported = -float(bgf._negative_log_likelihood_) * x.size + float(x.sum()) * float(
        np.log(bgf._scale)
    )
    np.savez(
        out_path + ".npz",
        alive=np.asarray(alive, dtype=float),
        purchases=np.asarray(purchases, dtype=float),
        chance=np.asarray(chance, dtype=float),
        order_value=np.asarray(order_value, dtype=float),
        value=np.asarray(value, dtype=float),
    )
    summary = {
        "version": lifetimes.__version__,
        "seconds": times,
        "total_seconds": sum(times.values()),
        "params": {"r": r, "alpha": alpha, "a": a, "b": b},
        "spend_params": {k: float(ggf.params_[k]) for k in ("p", "q", "v")},
        "reported_log_likelihood": reported,
    }
    Path(out_path).write_text(json.dumps(summary), encoding="utf-8")


def lifetimes_half(python: Path, data: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Run the lifetimes worker in its own Python and read back its figures."""
    data_path = workdir / "population.npz"
    out_path = workdir / "lifetimes.json"
    np.savez(data_path, **data)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONPATH="")
    command = [str(python), str(Path(__file__).resolve()), "--worker", str(data_path)]
    subprocess.run([*command, str(out_path)], check=True, env=env, cwd=workdir)
    summary: dict[str, Any] = json.loads(out_path.read_text(encoding="utf-8"))
    with np.load(str(out_path) + ".npz") as predictions:
        summary["predictions"] = {k: predictions[k] for k in predictions.files}
    return summary


def largest_relative_gap(ours: Any, theirs: Any) -> float:
    """Largest |ours - theirs| / max(|theirs|, 1e-12) over all customers."""
    a, b = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12)))


def compare(n: int, python: Path | None) -> dict[str, Any]:
    """Both halves on one population of n customers."""
    from goodwill.scoring.rhythm import RhythmParameters, rhythm_log_likelihood

    data = population(n)
    ours = goodwill_half(data)
    figures: dict[str, Any] = {
        "customers": n,
        "repeat_buyers": int((data["x"] > 0).sum()),
        "goodwill": {k: v for k, v in ours.items() if k != "predictions"},
    }
    if python is None:
        figures["lifetimes"] = f"skipped: no lifetimes Python at {LIFETIMES_PYTHON}"
        return figures
    with tempfile.TemporaryDirectory() as workdir:
        theirs = lifetimes_half(python, data, Path(workdir))
    their_ll = rhythm_log_likelihood(
        RhythmParameters(**theirs["params"]), data["x"], data["t_x"], data["T"]
    )
    figures["lifetimes"] = {k: v for k, v in theirs.items() if k != "predictions"}
    figures["lifetimes"]["log_likelihood"] = their_ll
    figures["speed_ratio_total"] = theirs["total_seconds"] / ours["total_seconds"]
    figures["speed_ratio_fit_rhythm"] = (
        theirs["seconds"]["fit_rhythm"] / ours["seconds"]["fit_rhythm"]
    )
    figures["log_likelihood_relative_difference"] = abs(ours["log_likelihood"] - their_ll) / abs(
        their_ll
    )
    figures["largest_relative_prediction_gap"] = {
        name: largest_relative_gap(ours["predictions"][name], theirs["predictions"][name])
        for name in ours["predictions"]
    }
    return figures


def rounded(value: Any) -> Any:
    """Figures rounded for the report, recursively."""
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, float):
        return float(f"{value:.6g}") if abs(value) < 1e5 else round(value, 2)
    return value


def main(argv: list[str] | None = None) -> int:
    """Benchmark goodwill against lifetimes at each size; print and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lifetimes-python", type=Path, default=LIFETIMES_PYTHON)
    parser.add_argument("--customers", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        lifetimes_worker(*args.worker)
        return 0
    python: Path | None = args.lifetimes_python
    if python is not None and not python.exists():
        sys.stderr.write(f"lifetimes half skipped: {python} not found\n")
        python = None
    results: dict[str, Any] = {
        "command": ".venv/bin/python -m benchmarks.rhythm_speed",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "window_days": WINDOW_DAYS,
        "load_average_before": [round(v, 2) for v in os.getloadavg()],
    }
    # Both halves import their libraries before the clock starts (lifetimes imports SciPy's
    # optimizer when its worker starts; goodwill imports it on the first fit, a third of a
    # second that is not part of fitting).
    from scipy import optimize  # noqa: F401

    for n in args.customers:
        results[f"customers_{n}"] = rounded(compare(n, python))
        results[f"customers_{n}"]["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
        sys.stdout.write(json.dumps(results[f"customers_{n}"], indent=2) + "\n")
        sys.stdout.flush()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
