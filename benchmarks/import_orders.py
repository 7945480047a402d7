"""Benchmark `goodwill import orders` on 1,000,000 rows, on SQLite and PostgreSQL.

Run: .venv/bin/python -m benchmarks.import_orders [--rows N] [--database-url URL] [--no-write]
Writes benchmarks/results/import_orders.json (unless --rows is below the default or
--no-write is given) and prints the same figures.

A CSV of N orders over N/100 accounts (external ids, dates over three years, amounts with
cents, some quantities blank) is written to a temporary folder. Each engine gets a fresh,
migrated database holding the accounts; then the file is imported twice through
``goodwill.transfer.service.import_file``, each time in its own committed transaction:
the first import inserts every row, the second finds every row unchanged and writes
nothing. PostgreSQL is a private server started like the tests' (tests/pg.py), unless
``--database-url`` names an empty database to use instead.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import create_engine, func, select, text

from goodwill import schema
from goodwill.bulk import insert_rows, moment_text
from goodwill.db import make_engine, session_scope
from goodwill.models import Order
from goodwill.models.types import utcnow
from goodwill.transfer import service
from goodwill.transfer.service import import_file

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "import_orders.json"
DEFAULT_ROWS = 1_000_000
SEED = 20260101


def say(text: str) -> None:
    """One line of progress on standard output."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


ROLLUP_STEPS = ("make_current", "add_orders", "refresh_accounts")
"""The rollup functions an import calls (issue 3's code, not the import's own)."""


@contextmanager
def timed_rollups(spent: list[float]) -> Iterator[None]:
    """Time the rollup work the import calls: making rows exact, adding new orders, recomputing."""
    real = {name: getattr(service, name) for name in ROLLUP_STEPS}

    def timer(fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            done = fn(*args, **kwargs)
            spent.append(time.perf_counter() - started)
            return done

        return timed

    for name, fn in real.items():
        setattr(service, name, timer(fn))
    try:
        yield
    finally:
        for name, fn in real.items():
            setattr(service, name, fn)


def write_orders(path: Path, rows: int, accounts: int) -> None:
    """A CSV of orders as an ERP would export them."""
    rng = np.random.default_rng(SEED)
    account = rng.integers(0, accounts, rows)
    days = rng.integers(0, 3 * 365, rows)
    cents = rng.integers(500, 5_000_000, rows)
    quantity = rng.integers(1, 500, rows)
    start = np.datetime64("2023-01-01")
    ordered_on = (start + days.astype("timedelta64[D]")).astype(str)
    whole = (cents // 100).astype(str)
    fraction = np.char.zfill((cents % 100).astype(str), 2)
    amount = np.char.add(np.char.add(whole, "."), fraction)
    pl.DataFrame(
        {
            "account": [f"ACC-{i:06d}" for i in account.tolist()],
            "external_id": [f"SO-{i:08d}" for i in range(rows)],
            "ordered_on": ordered_on,
            "amount": amount,
            "quantity": [None if q % 7 == 0 else str(q) for q in quantity.tolist()],
        }
    ).write_csv(path)


def add_accounts(url: str, accounts: int) -> None:
    """The accounts the orders belong to."""
    engine = make_engine(url)
    schema.upgrade(engine)
    with session_scope("benchmark", engine=engine) as session:
        dialect = session.get_bind().dialect.name
        now = moment_text(utcnow(), dialect)
        insert_rows(
            session,
            "account",
            ["external_id", "name", "kind", "tier", "created_at", "updated_at"],
            ((f"ACC-{i:06d}", f"Account {i}", "customer", "C", now, now) for i in range(accounts)),
        )
    engine.dispose()


def time_imports(url: str, path: Path, rows: int) -> dict[str, Any]:
    """Import the file twice; rows/s of each, and a check that the second wrote nothing."""
    engine = make_engine(url)
    figures: dict[str, Any] = {}
    for label in ("first_import", "reimport"):
        spent: list[float] = []
        started = time.perf_counter()
        with timed_rollups(spent), session_scope("benchmark", engine=engine) as session:
            result = import_file(session, "orders", path)
        seconds = time.perf_counter() - started
        rollups = sum(spent)
        figures[label] = {
            "seconds": round(seconds, 3),
            "rows_per_second": round(rows / seconds),
            "rollup_seconds": round(rollups, 3),
            "rows_per_second_without_rollups": round(rows / (seconds - rollups)),
            "inserted": result.inserted,
            "updated": result.updated,
            "unchanged": result.unchanged,
        }
        say(
            f"  {label}: {seconds:.2f} s, {rows / seconds:,.0f} rows/s "
            f"({rollups:.2f} s of it refreshing rollups), {result}"
        )
    with session_scope("benchmark", engine=engine) as session:
        stored = session.scalar(select(func.count()).select_from(Order))
    assert stored == rows, (stored, rows)
    assert figures["first_import"]["inserted"] == rows
    assert figures["reimport"]["unchanged"] == rows
    engine.dispose()
    return figures


@contextmanager
def postgres_database(given: str | None) -> Iterator[str]:
    """A fresh database on a private server (tests/pg.py), or the URL given."""
    if given:
        yield given
        return
    from tests.pg import postgres_server

    with postgres_server() as base:
        admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text("CREATE DATABASE goodwill_benchmark"))
        admin.dispose()
        yield f"{base}/goodwill_benchmark"


def main(argv: list[str] | None = None) -> None:
    """Generate the file, import it on each engine and record the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--database-url", help="an empty PostgreSQL database to use")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--no-write", action="store_true", help="do not write the results file")
    args = parser.parse_args(argv)
    rows: int = args.rows
    accounts = max(10, rows // 100)
    results: dict[str, Any] = {
        "python": platform.python_version(),
        "polars": pl.__version__,
        "sqlite": sqlite3.sqlite_version,
        "cpus": os.cpu_count(),
        # Other work on the machine slows every figure: record how busy it was.
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "machine": platform.machine(),
        "rows": rows,
        "accounts": accounts,
        "command": "python -m benchmarks.import_orders"
        + (f" --rows {rows}" if rows != DEFAULT_ROWS else ""),
    }
    with tempfile.TemporaryDirectory(prefix="goodwill-bench-") as folder:
        path = Path(folder) / "orders.csv"
        started = time.perf_counter()
        write_orders(path, rows, accounts)
        spent = time.perf_counter() - started
        say(f"wrote {rows:,} orders over {accounts:,} accounts in {spent:.1f} s")
        results["file_mb"] = round(path.stat().st_size / 1e6, 1)
        engines = args.engines.split(",")
        if "sqlite" in engines:
            url = f"sqlite:///{folder}/goodwill.db"
            add_accounts(url, accounts)
            say("sqlite:")
            results["sqlite_results"] = time_imports(url, path, rows)
        if "postgresql" in engines:
            with postgres_database(args.database_url) as url:
                add_accounts(url, accounts)
                say("postgresql:")
                results["postgresql_results"] = time_imports(url, path, rows)
    if rows >= DEFAULT_ROWS and not args.no_write:
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        say(f"wrote {RESULTS.relative_to(ROOT)}")
    else:
        json.dump(results, sys.stdout, indent=2)
        sys.stdout.write("\n")


if __name__ == "__main__":
    main()
