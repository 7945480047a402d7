"""A helper process that reads SQLite queries with ADBC into Arrow files (see goodwill.columnar).

It runs as its own process because the ADBC driver carries its own copy of SQLite: two copies
in one process do not see each other's POSIX locks, so the second copy can take the first's
connection for the last one and delete the write-ahead log under it ("How To Corrupt An SQLite
Database File", 2.2.1). Seen here: stale reads and "disk I/O error". In its own process the
locks work as SQLite expects.

Input (standard input, JSON): ``{"path": ..., "queries": [{"sql": ..., "params": [...],
"out": ...}]}`` with ``?`` parameters. Each query's result is written to its ``out`` file in
the Arrow IPC format, columns named c0, c1, ... Queries run at the same time, one connection
each (the driver works outside the GIL). Errors go to standard error, exit status 1.

With ``--serve`` it stays up and takes one job per line until its input ends, answering each
with one line: ``{"ok": true}`` or ``{"error": "..."}``. Starting Python and importing the
driver and pyarrow costs about 0.5 s; a kept helper pays it once (goodwill.columnar). It
holds no connection between jobs: each query opens its own, in its own snapshot.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

BATCH_ROWS = 2**30
"""One batch for the whole result: the driver infers each column's type from its first batch
and refuses a later batch of another type."""


def _read(path: str, query: dict[str, Any]) -> None:
    import adbc_driver_sqlite.dbapi as adbc
    import pyarrow.ipc as ipc  # type: ignore[import-untyped]

    # One deferred transaction: one consistent snapshot of committed data.
    with adbc.connect(path) as conn, conn.cursor() as cursor:
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
        cursor.execute(query["sql"], query["params"])
        table = cursor.fetch_arrow_table()
    table = table.rename_columns([f"c{i}" for i in range(table.num_columns)])
    with ipc.new_file(query["out"], table.schema) as writer:
        writer.write_table(table)


def run(job: dict[str, Any]) -> None:
    """Read every query of one job, at the same time, into its ``out`` file."""
    queries = job["queries"]
    with ThreadPoolExecutor(max_workers=max(1, min(len(queries), int(job["readers"])))) as pool:
        list(pool.map(lambda q: _read(job["path"], q), queries))


def serve() -> None:
    """One job per line of standard input, one answer per line of standard output."""
    import adbc_driver_sqlite.dbapi  # noqa: F401  (the imports are the cost being kept)
    import pyarrow.ipc  # noqa: F401

    for line in sys.stdin:
        try:
            run(json.loads(line))
            answer: dict[str, Any] = {"ok": True}
        except Exception as exc:  # the caller falls back to its own driver
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


def main() -> None:
    """Read the job from standard input and write each query's result (or serve jobs)."""
    if sys.argv[1:] == ["--serve"]:
        serve()
        return
    run(json.load(sys.stdin))


if __name__ == "__main__":
    main()
