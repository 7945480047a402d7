"""Benchmark ``goodwill demo`` at scale on SQLite: rows written per second.

Run: .venv/bin/python -m benchmarks.demo_scale [ACCOUNTS ...]
Default sizes: 10,000 and 100,000 accounts, then 1,000,000 if the 100,000 run projects it
to finish within ``MILLION_BUDGET_S``. Writes benchmarks/results/demo_scale.json and prints
the same figures. Each size builds into a fresh SQLite file in a temporary folder, in one
transaction, exactly as the command does (generation, bulk insertion, commit); the rollup
rebuild that follows is timed on its own.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from goodwill import schema
from goodwill.db import make_engine, session_scope
from goodwill.demo.service import build_demo

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "demo_scale.json"
AS_OF = date(2026, 6, 30)
SEED = 7
DEFAULT_SIZES = (10_000, 100_000)
MILLION = 1_000_000
MILLION_BUDGET_S = 180.0


def run(accounts: int, folder: Path) -> dict[str, Any]:
    """Build the demo world of this size into a fresh SQLite file and time it."""
    path = folder / f"demo-{accounts}.db"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    marks: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "rollups" and done == 0:
            marks["loaded"] = time.perf_counter()

    start = time.perf_counter()
    with session_scope(actor="benchmark", engine=engine) as session:
        counts = build_demo(
            session, seed=SEED, accounts=accounts, years=4, as_of=AS_OF, on_progress=progress
        )
        marks["rolled_up"] = time.perf_counter()
    total_s = time.perf_counter() - start
    engine.dispose()
    rows = sum(counts.values())
    load_s = marks["loaded"] - start
    size_mb = sum(p.stat().st_size for p in folder.glob(f"demo-{accounts}.db*")) / 1e6
    for p in folder.glob(f"demo-{accounts}.db*"):
        p.unlink()
    return {
        "accounts": accounts,
        "rows": rows,
        "rows_by_table": counts,
        "load_seconds": round(load_s, 2),
        "rollups_seconds": round(marks["rolled_up"] - marks["loaded"], 2),
        "commit_seconds": round(total_s - (marks["rolled_up"] - start), 2),
        "total_seconds": round(total_s, 2),
        "rows_per_second": round(rows / total_s),
        "load_rows_per_second": round(rows / load_s),
        "database_mb": round(size_mb, 1),
    }


def main(argv: list[str]) -> None:
    """Run the sizes asked for (or the default ones) and record the figures."""
    sizes = [int(a) for a in argv] or list(DEFAULT_SIZES)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for accounts in sizes:
            results.append(run(accounts, Path(tmp)))
            print(json.dumps(results[-1]))  # noqa: T201
        if not argv:
            per_account = results[-1]["total_seconds"] / results[-1]["accounts"]
            projected = per_account * MILLION
            if projected <= MILLION_BUDGET_S:
                results.append(run(MILLION, Path(tmp)))
                print(json.dumps(results[-1]))  # noqa: T201
            else:
                print(  # noqa: T201
                    f"skipping {MILLION:,} accounts: projected {projected:.0f} s "
                    f"> {MILLION_BUDGET_S:.0f} s"
                )
    report = {
        "command": ".venv/bin/python -m benchmarks.demo_scale",
        "engine": "sqlite",
        "seed": SEED,
        "as_of": AS_OF.isoformat(),
        "years": 4,
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")  # noqa: T201


if __name__ == "__main__":
    main(sys.argv[1:])
