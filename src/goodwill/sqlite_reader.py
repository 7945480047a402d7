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


def main() -> None:
    """Read the job from standard input and write each query's result."""
    job = json.load(sys.stdin)
    queries = job["queries"]
    with ThreadPoolExecutor(max_workers=max(1, min(len(queries), int(job["readers"])))) as pool:
        list(pool.map(lambda q: _read(job["path"], q), queries))


if __name__ == "__main__":
    main()
