"""Benchmark account search as you type: time per query on SQLite at 100,000 and 1,000 accounts.

Run: .venv/bin/python -m benchmarks.search_latency [--db FILE] [--scratch DIR] [--small N]
     [--rounds R] [--label after] [--src DIR] [--engines sqlite,postgresql]
Writes benchmarks/results/search.json (merging the figures of each ``--label``) and prints
the same figures.

The large database is a COPY of ``--db`` (default: the 100,000-account demo that
``goodwill demo --accounts 100000`` made in /tmp/gw-mine) in ``--scratch``, brought to the
newest schema there (the time the migration takes is reported); the original is only read.
The small one is ``goodwill demo --accounts N`` in the same folder. The queries are a fixed
list drawn from each database with a fixed seed: prefixes of 1 to 8 characters of real
account names (what typing sends, one request per keystroke), typos, words swapped, people's
names, external ids and text that matches nothing. Each query is timed as the web app runs it:
one read-only session calling ``search_accounts`` for the first page of 50. One untimed round
warms the cache, then ``--rounds`` rounds run every query; the figures are the median and
95th percentile over all timed queries, and per round (the spread, since the machine is
shared). ``--src`` imports goodwill from another checkout (e.g. a ``git worktree`` of the
code before a change) so the same script measures both; ``--label`` names the run.
With ``--engines`` naming postgresql, the large database's accounts and people (not their
history: the search reads no more) are copied into a private PostgreSQL server (tests/pg.py)
at the newest schema, and the same queries are timed there. A query that fails is reported
and left out of the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "search.json"
DEFAULT_DB = Path("/tmp/gw-mine/data/goodwill.db")
DEFAULT_SCRATCH = Path("/tmp/search-bench")
SEED = 7


def say(line: str) -> None:
    """One line of progress."""
    print(line, flush=True)  # noqa: T201


def _typo(word: str, rng: random.Random) -> str:
    """The word with one slip of the fingers: a letter dropped, doubled or swapped."""
    i = rng.randrange(1, max(2, len(word) - 1))
    slip = rng.choice(("drop", "double", "swap"))
    if slip == "drop":
        return word[:i] + word[i + 1 :]
    if slip == "double":
        return word[:i] + word[i] + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def queries(path: Path) -> list[tuple[str, str]]:
    """The fixed list of (kind, text) typed into the search, drawn from this database."""
    rng = random.Random(SEED)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        accounts = con.execute("SELECT count(*) FROM account").fetchone()[0]
        contacts = con.execute("SELECT count(*) FROM contact").fetchone()[0]

        def account_at(i: int) -> tuple[str, str]:
            row = con.execute(
                "SELECT name, external_id FROM account ORDER BY id LIMIT 1 OFFSET ?", (i,)
            ).fetchone()
            return str(row[0]), str(row[1] or "")

        def person_at(i: int) -> str:
            row = con.execute(
                "SELECT name FROM contact ORDER BY id LIMIT 1 OFFSET ?", (i,)
            ).fetchone()
            return str(row[0])

        picked = [account_at(rng.randrange(accounts)) for _ in range(6)]
        people = [person_at(rng.randrange(contacts)) for _ in range(4)]
    finally:
        con.close()
    found: list[tuple[str, str]] = []
    for name, _ in picked[:2]:
        found += [("prefix", name[:n]) for n in range(1, 9)]
    for name, _ in picked[2:5]:
        words = name.split()
        found.append(("typo", " ".join([_typo(words[0], rng), *words[1:2]])))
    for name, _ in picked[3:5]:
        words = name.split()
        found.append(("word order", " ".join(reversed(words[:2]))))
    for name, _ in picked[5:]:
        found.append(("full name", name))
    found += [("person", p) for p in people[:3]]
    found.append(("person typo", _typo(people[3], rng)))
    for _, external_id in picked[:2]:
        found.append(("external id", external_id))
    found.append(("external id part", picked[2][1][-5:]))
    found.append(("no match", "zzqxv"))
    return found


GOODWILL = Path(sys.executable).with_name("goodwill")


def _env(data: Path, src: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    env.update(GOODWILL_DATA_DIR=str(data), GOODWILL_ENV="development")
    env.pop("GOODWILL_DATABASE_URL", None)
    return env


def small_database(scratch: Path, accounts: int, src: Path | None) -> Path:
    """A fresh demo database of ``accounts`` accounts, made by ``goodwill demo``."""
    data = scratch / f"demo-{accounts}"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    subprocess.run(
        [str(GOODWILL), "demo", "--accounts", str(accounts), "--seed", str(SEED), "--json"],
        env=_env(data, src),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return data / "goodwill.db"


def copy_database(source: Path, scratch: Path, label: str) -> Path:
    """A copy of the large database to migrate and search (the original is only read)."""
    copy = scratch / f"search-{label}.db"
    for stale in scratch.glob(f"search-{label}.db*"):
        stale.unlink()
    con = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target = sqlite3.connect(copy)
    try:
        con.backup(target)
    finally:
        target.close()
        con.close()
    return copy


COPIED: dict[str, tuple[str, ...]] = {
    "account": ("id", "external_id", "name", "kind", "tier", "created_at", "updated_at"),
    "contact": ("id", "account_id", "external_id", "name", "created_at", "updated_at"),
}


@contextmanager
def postgresql_copy(path: Path) -> Iterator[str]:
    """A private PostgreSQL server holding the SQLite file's accounts and people."""
    from sqlalchemy import create_engine, text
    from tests.pg import postgres_server

    from goodwill import schema
    from goodwill.db import make_engine

    with postgres_server() as base:
        admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text("CREATE DATABASE search_bench"))
        admin.dispose()
        url = f"{base}/search_bench"
        engine = make_engine(url)
        schema.upgrade(engine)
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        with engine.begin() as connection:
            raw: Any = connection.connection.driver_connection
            for table, columns in COPIED.items():
                names = ", ".join(columns)
                with (
                    raw.cursor() as cursor,
                    cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
                ):
                    for row in source.execute(f"SELECT {names} FROM {table}"):
                        copy.write_row(row)
        source.close()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE account"))
            connection.execute(text("VACUUM ANALYZE contact"))
        engine.dispose()
        yield url


def measure(path: Path, rounds: int, url: str | None = None) -> dict[str, Any]:
    """Migrate the database, then time every query over the rounds."""
    from goodwill import schema
    from goodwill.accounts.search import search_accounts
    from goodwill.db import make_engine, session_scope

    engine = make_engine(url or f"sqlite:///{path}")
    started = time.perf_counter()
    schema.upgrade(engine)
    migrate_s = time.perf_counter() - started
    typed = queries(path)
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    by_kind: dict[str, list[float]] = {}
    by_query: dict[str, dict[str, Any]] = {}
    per_round: list[list[float]] = []
    failed: dict[str, str] = {}
    for round_no in range(rounds + 1):
        times: list[float] = []
        for kind, text in typed:
            if text in failed:
                continue
            started = time.perf_counter()
            try:
                with session_scope("benchmark", engine, read_only=True) as session:
                    page = search_accounts(session, text)
            except Exception as error:  # a failed query is a finding, not the end
                failed[text] = str(error).splitlines()[0][:200]
                say(f"    {text!r} failed: {failed[text]}")
                continue
            ms = (time.perf_counter() - started) * 1000
            seen = by_query.setdefault(text, {"kind": kind, "total": page.total, "ms": []})
            if round_no == 0:  # the warm-up round
                continue
            seen["ms"].append(ms)
            times.append(ms)
            by_kind.setdefault(kind, []).append(ms)
        if round_no:
            per_round.append(times)
    engine.dispose()
    every = [ms for times in per_round for ms in times]
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        accounts = con.execute("SELECT count(*) FROM account").fetchone()[0]

    def figures(times: list[float]) -> dict[str, float]:
        return {
            "median_ms": round(float(np.median(times)), 1),
            "p95_ms": round(float(np.percentile(times, 95)), 1),
            "max_ms": round(max(times), 1),
        }

    return {
        "engine": engine.dialect.name,
        "accounts": accounts,
        "queries": len(typed),
        "rounds": rounds,
        "migrate_seconds": round(migrate_s, 2),
        **figures(every),
        "per_round": [figures(times) for times in per_round],
        "by_kind": {kind: figures(times) for kind, times in by_kind.items()},
        "by_query": {
            text: {
                "kind": seen["kind"],
                "total": seen["total"],
                "median_ms": round(float(np.median(seen["ms"])), 1),
            }
            for text, seen in by_query.items()
            if seen["ms"]
        },
        "failed": failed,
        "load_average_at_start": load_at_start,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str]) -> None:
    """Time the search on both sizes and record the figures under the label."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="large database (read only)")
    parser.add_argument("--scratch", type=Path, default=DEFAULT_SCRATCH, help="working folder")
    parser.add_argument("--small", type=int, default=1000, help="accounts in the small demo")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds of every query")
    parser.add_argument("--label", default="after", help="name of this run in the results")
    parser.add_argument("--src", type=Path, default=None, help="import goodwill from here")
    parser.add_argument(
        "--engines", default="sqlite", help="sqlite, postgresql or both, comma-separated"
    )
    args = parser.parse_args(argv)
    if args.src is not None:
        sys.path.insert(0, str(args.src.resolve()))
    import goodwill

    say(f"goodwill from {Path(goodwill.__file__).parent}")
    args.scratch.mkdir(parents=True, exist_ok=True)
    sizes: list[dict[str, Any]] = []
    say(f"copying {args.db} ...")
    large = copy_database(args.db, args.scratch, args.label)
    say(f"making a {args.small:,}-account demo ...")
    small = small_database(args.scratch, args.small, args.src)
    engines = set(args.engines.split(","))
    runs = [(large, False), (small, False)] if "sqlite" in engines else []
    runs += [(large, True)] if "postgresql" in engines else []
    for path, on_postgresql in runs:
        if on_postgresql:
            say("copying the accounts and people into PostgreSQL ...")
            with postgresql_copy(large) as url:
                result = measure(large, args.rounds, url)
        else:
            result = measure(path, args.rounds)
        sizes.append(result)
        say(
            f"{result['engine']}, {result['accounts']:>7,} accounts: "
            f"median {result['median_ms']} ms, "
            f"p95 {result['p95_ms']} ms, max {result['max_ms']} ms "
            f"(rounds' medians {[r['median_ms'] for r in result['per_round']]}; "
            f"migration {result['migrate_seconds']} s; load {result['load_average_at_start']}"
            f" → {result['load_average_at_end']})"
        )
        for kind, figures in result["by_kind"].items():
            say(
                f"    {kind:<17} median {figures['median_ms']:>7} ms  p95 {figures['p95_ms']:>7} ms"
            )
    large.unlink()
    report: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    report.update(
        command=".venv/bin/python -m benchmarks.search_latency [--label before --src OLD/src]",
        seed=SEED,
        machine={
            "python": sys.version.split()[0],
            "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
    )
    runs_by_label = report.setdefault("runs", {})
    runs_by_label[args.label] = [
        *(r for r in runs_by_label.get(args.label, []) if r["engine"] not in engines),
        *sizes,
    ]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    say(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
