"""Benchmark scoring from rollups, and the incremental update after new orders, on both engines.

Run: .venv/bin/python -m benchmarks.score_accounts [--accounts 1000000] [--orders 20000000]
     [--new-orders 100000] [--engine sqlite --engine postgresql]
Writes benchmarks/results/score_accounts.json (or --out) and prints the same figures.

For each engine: a fresh database (a SQLite file in a temporary folder; a private PostgreSQL
server started as the tests do), N customer accounts and M orders generated with NumPy over
three years and loaded with goodwill.bulk.insert_rows, then:

- ``rebuild``: every rollup recomputed from the orders (done once; not a target);
- ``score``: the full weekly score of every account from current rollups (fit of the buying
  rhythm and spend, health, arrow, flags, one bulk write of the week) -- target < 10 s;
- ``refresh``: after inserting 100,000 new orders (for random accounts, dated the scoring
  day), the rollups of the accounts they belong to, brought up to date by adding the new
  orders to them (``rollups.add_orders``, as the importer does) -- target < 2 s;
- ``refresh_full`` (with ``--full-refresh``): the same accounts recomputed from their whole
  history instead (``rollups.refresh_accounts``), for comparison;
- ``rescore``: the score again after that refresh (same week: its rows are replaced);
- ``next_day``: rollups brought to the next day (only rows whose windows moved) and
  committed, then scored (as ``goodwill score`` does).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import polars as pl
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from goodwill import schema
from goodwill.bulk import day_text, dialect_name, insert_rows, moment_text
from goodwill.db import make_engine, session_scope
from goodwill.models.types import utcnow
from goodwill.scoring import rollups, service

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "score_accounts.json"
AS_OF = date(2026, 11, 18)
HISTORY_DAYS = 3 * 365
CHUNK = 1_000_000


@contextmanager
def database(engine_name: str) -> Iterator[Engine]:
    """A fresh, migrated database on the engine."""
    if engine_name == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="goodwill-bench-"))
        engine = make_engine(f"sqlite:///{folder / 'goodwill.db'}")
        try:
            schema.upgrade(engine)
            yield engine
        finally:
            engine.dispose()
            shutil.rmtree(folder, ignore_errors=True)
        return
    sys.path.insert(0, str(ROOT))
    from tests.pg import postgres_server

    with postgres_server() as base:
        admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text("CREATE DATABASE bench"))
        admin.dispose()
        engine = make_engine(f"{base}/bench")
        try:
            schema.upgrade(engine)
            yield engine
        finally:
            engine.dispose()


def generate(engine: Engine, accounts: int, orders: int, seed: int) -> dict[str, float]:
    """Load the accounts and their orders; returns how long each part took."""
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    with session_scope(actor="benchmark", engine=engine) as session:
        dialect = dialect_name(session)
        now = moment_text(utcnow(), dialect)
        tiers = np.array(["A", "B", "C"])[rng.integers(0, 3, accounts)]
        insert_rows(
            session,
            "account",
            ["id", "name", "kind", "tier", "created_at", "updated_at"],
            (
                (i + 1, f"Account {i + 1}", "customer", tier, now, now)
                for i, tier in enumerate(tiers.tolist())
            ),
        )
    accounts_seconds = time.perf_counter() - started

    # Each account buys at its own pace (a Gamma-distributed share of all orders) from its
    # first order day, somewhere in the last three years, to the scoring day.
    weight = rng.gamma(0.8, 1.0, accounts)
    per_account = rng.multinomial(orders - accounts, weight / weight.sum()) + 1
    account_of = np.repeat(np.arange(1, accounts + 1), per_account)
    first = rng.integers(0, HISTORY_DAYS, accounts)
    span = HISTORY_DAYS - first
    offset = first[account_of - 1] + np.floor(rng.random(orders) * span[account_of - 1])
    starts = np.concatenate(([0], np.cumsum(per_account)[:-1]))
    offset[starts] = first  # every account's first order is on its first day
    start_day = np.datetime64(AS_OF - timedelta(days=HISTORY_DAYS))
    days = (start_day + offset.astype("timedelta64[D]")).astype(str)
    amounts = np.rint(rng.lognormal(9.0, 1.0, orders)).astype(np.int64) + 100
    started = time.perf_counter()
    with session_scope(actor="benchmark", engine=engine) as session:
        for lo in range(0, orders, CHUNK):
            hi = min(orders, lo + CHUNK)
            insert_rows(
                session,
                "sales_order",
                ["account_id", "external_id", "ordered_on", "amount_minor", "created_at"],
                zip(
                    account_of[lo:hi].tolist(),
                    (f"O{i}" for i in range(lo, hi)),
                    days[lo:hi].tolist(),
                    amounts[lo:hi].tolist(),
                    [now] * (hi - lo),
                    strict=True,
                ),
            )
    orders_seconds = time.perf_counter() - started
    if dialect == "postgresql":
        with engine.connect() as c:
            c.execute(text("COMMIT"))
            c.execute(text("ANALYZE"))
    return {"load_accounts_seconds": accounts_seconds, "load_orders_seconds": orders_seconds}


def timed(label: str, results: dict[str, Any], fn: Any) -> Any:
    """Run fn, keep and print how long it took."""
    started = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - started
    results[f"{label}_seconds"] = round(seconds, 3)
    print(f"  {label}: {seconds:.2f} s", flush=True)  # noqa: T201
    return value


def run(
    engine_name: str, accounts: int, orders: int, new_orders: int, full_refresh: bool = False
) -> dict[str, Any]:
    """Every measurement on one engine."""
    results: dict[str, Any] = {"accounts": accounts, "orders": orders, "new_orders": new_orders}
    print(f"{engine_name}: {accounts:,} accounts, {orders:,} orders", flush=True)  # noqa: T201
    with database(engine_name) as engine:
        loads = generate(engine, accounts, orders, seed=20261118)
        results.update({k: round(v, 1) for k, v in loads.items()})
        print(f"  loaded in {sum(loads.values()):.1f} s", flush=True)  # noqa: T201

        def rebuild() -> None:
            with session_scope(actor="benchmark", engine=engine) as s:
                rollups.rebuild(s, as_of=AS_OF)

        timed("rebuild", results, rebuild)

        def score() -> Any:
            with session_scope(actor="benchmark", engine=engine) as s:
                return service.score(s, AS_OF)

        report = timed("score", results, score)
        results["score_report"] = report.model_dump(mode="json")

        rng = np.random.default_rng(7)
        touched = rng.integers(1, accounts + 1, new_orders)
        with session_scope(actor="benchmark", engine=engine) as s:
            now = moment_text(utcnow(), dialect_name(s))
            insert_rows(
                s,
                "sales_order",
                ["account_id", "external_id", "ordered_on", "amount_minor", "created_at"],
                (
                    (int(a), f"N{i}", day_text(AS_OF), 12_345, now)
                    for i, a in enumerate(touched.tolist())
                ),
            )

        added = pl.DataFrame(
            {
                "account_id": touched,
                "ordered_on": [AS_OF] * new_orders,
                "amount_minor": [12_345] * new_orders,
            }
        )
        if full_refresh:

            def refresh_full() -> int:
                with session_scope(actor="benchmark", engine=engine) as s:
                    done = rollups.refresh_accounts(s, touched.tolist(), as_of=AS_OF)
                    s.rollback()  # leave the rows for the measured refresh to update
                    return done

            timed("refresh_full", results, refresh_full)

        def refresh() -> int:
            with session_scope(actor="benchmark", engine=engine) as s:
                return rollups.add_orders(s, added, as_of=AS_OF)

        results["refreshed_accounts"] = timed("refresh", results, refresh)
        rescore = timed("rescore", results, score)
        results["rescore_recomputed"] = rescore.rollups_recomputed

        def next_day() -> Any:
            # As `goodwill score` does: the rollups committed first, then the score (which
            # reads committed rollups as columns; see goodwill.columnar).
            with session_scope(actor="benchmark", engine=engine) as s:
                moved = service.bring_rollups_current(s, AS_OF + timedelta(days=1))
            with session_scope(actor="benchmark", engine=engine) as s:
                report = service.score(s, AS_OF + timedelta(days=1))
            return report.model_copy(update={"rollups_recomputed": moved})

        moved = timed("next_day", results, next_day)
        results["next_day_recomputed"] = moved.rollups_recomputed
    results["targets"] = {
        "score_under_10_s": results["score_seconds"] < 10,
        "refresh_under_2_s": results["refresh_seconds"] < 2,
    }
    return results


def main() -> None:
    """Parse the options, run on each engine, print and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=20_000_000)
    parser.add_argument("--new-orders", type=int, default=100_000)
    parser.add_argument(
        "--engine", action="append", choices=["sqlite", "postgresql"], dest="engines"
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="also time recomputing the touched accounts from their whole history",
    )
    args = parser.parse_args()
    if args.orders < args.accounts:
        parser.error("--orders must be at least --accounts (every account has an order)")
    engines = args.engines or ["sqlite", "postgresql"]
    figures: dict[str, Any] = {
        "command": "python -m benchmarks.score_accounts " + " ".join(sys.argv[1:]),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "as_of": AS_OF.isoformat(),
    }
    for name in engines:
        figures[name] = run(name, args.accounts, args.orders, args.new_orders, args.full_refresh)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))  # noqa: T201


if __name__ == "__main__":
    main()
