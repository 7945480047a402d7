"""Reading and writing a million rows as columns, without a Python object per value.

Through the Python drivers every value of every row becomes a Python object, about 10 µs a
row for a rollup read and 12 µs a row for a health write: most of a full score. Here rows
move as Arrow or CSV columns instead, made and parsed in C (ADBC, Polars, the server).

**Correctness comes first: a read sees exactly what the session's transaction sees.**

PostgreSQL: everything runs on the session's own connection, inside its transaction, so it
sees the transaction's uncommitted writes. Reads are ``COPY (SELECT ...) TO STDOUT`` as CSV
parsed by Polars (PostgreSQL 12+ prints floats so they read back exactly); writes are
``COPY ... FROM STDIN`` of CSV made by Polars. ``COPY`` takes no bind parameters, so values are
quoted by psycopg (:class:`psycopg.sql.Literal`), never pasted in as text.

SQLite: the Python ``sqlite3`` module has no columnar interface, so large reads go through
ADBC, on a *separate* connection that sees only committed data, and in a *helper process*
(:mod:`goodwill.sqlite_reader`, Arrow files handed back through /dev/shm): the ADBC driver
carries its own copy of SQLite, and two copies in one process do not see each other's POSIX
locks, so one may delete the write-ahead log under the other (we saw stale reads and "disk I/O
error" when it ran in this process). The helper is used only when the session's transaction
has written nothing yet: every transaction begins ``IMMEDIATE`` (see :mod:`goodwill.db`), so no
other writer can commit while it is open, and a reader on another connection then sees exactly
the session's snapshot (so never in a deferred read-only transaction, which holds no lock).
Whether anything was written is told by SQLite's change counter
(``total_changes``), remembered when each transaction begins; when it moved, or when it is
unknown (a transaction begun before this module was loaded, an in-memory database), or when
the helper fails for any reason, the read goes through the session's own connection (the
driver path, always exact). Small reads take the driver path too: the helper costs about 0.3 s
to start. Callers make the fast path the common one by committing at the edges: ``goodwill
score`` commits the rollup refresh (a derived cache) before scoring, and plans read scores
committed earlier.

SQLite writes cannot use a second connection at all: the session holds the write lock from
BEGIN IMMEDIATE, so a second writer would wait for it (busy_timeout) and never get it. Rows are
written by ADBC into private staging files instead (fresh files in /dev/shm that nothing else
opens, closed before the session opens them), which the session's connection ATTACHes and
copies with ``INSERT ... SELECT``, inside its own transaction. The staging files are unlinked
at once (the attached handle keeps them readable); SQLite cannot DETACH a database used by an
open transaction, so stale attachments are detached when the connection goes back to the
pool, or at the next write; past 8 attachments a write takes the driver path.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from goodwill.bulk import dialect_name, driver_connection
from goodwill.db import READ_ONLY

Schema = Mapping[str, Any]
"""Column names in order, each with its Polars type (``pl.Int64``, ``pl.Date``, ...)."""

_CHANGES = "goodwill_changes_at_begin"
_STAGES = "goodwill_stages"
_PARAM = re.compile(r"(?<!:):(\w+)")
STAGE_MIN_ROWS = 20_000
"""Fewer rows than this go through the driver on SQLite (a staging file costs milliseconds)."""
MAX_ATTACHED = 8
"""Staging files one SQLite connection may hold (SQLite allows 10 attached databases)."""
READERS = max(1, min(4, os.cpu_count() or 1))
"""SQLite queries read at once by the helper process (ADBC works outside the GIL)."""
READER_MIN_ROWS = 50_000
"""Fewer rows than this are read through the driver on SQLite (handing a job to the helper
process and reading its files back costs milliseconds)."""
COPY_CHUNK_ROWS = 200_000
"""Rows per CSV chunk written to PostgreSQL's COPY (bounds the memory of one chunk)."""


@event.listens_for(Engine, "begin")
def _remember_changes(connection: Connection) -> None:
    """Note SQLite's change counter as a transaction begins (to tell pending writes later)."""
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    if raw is not None:
        connection.connection.info[_CHANGES] = raw.total_changes


@event.listens_for(Pool, "checkin")
def _detach_stages(dbapi_connection: Any, record: Any) -> None:
    """Detach the staging files a connection still holds once its transaction is over."""
    if record is not None and record.info.get(_STAGES):
        _detach(dbapi_connection, record.info)


def _detach(raw: Any, info: dict[str, Any]) -> None:
    kept = []
    for alias in info.get(_STAGES, []):
        try:
            raw.execute(f"DETACH DATABASE {alias}")
        except Exception:  # still used by an open transaction: try again later
            kept.append(alias)
    info[_STAGES] = kept


def pending_writes(session: Session) -> bool:
    """Whether the session's transaction may hold writes another connection cannot see.

    True when unsure. Only SQLite is asked (PostgreSQL reads run on the session's connection).
    """
    session.flush()
    connection = session.connection()
    info = connection.connection.info
    raw = driver_connection(session)
    if connection.dialect.name != "sqlite" or _CHANGES not in info:
        return True
    if connection.get_execution_options().get(READ_ONLY):
        # A deferred (read-only) transaction holds no write lock: others may commit after its
        # snapshot, and another connection would see more than it does.
        return True
    return bool(raw.total_changes != info[_CHANGES])


def _sqlite_path(session: Session) -> str | None:
    database = session.connection().engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.path.abspath(database)


def _plain(value: Any) -> Any:
    """A parameter as SQLite stores it (dates as ISO text)."""
    return value.isoformat() if isinstance(value, date) else value


def _cast(frame: pl.DataFrame, schema: Schema) -> pl.DataFrame:
    """The frame with the schema's names (by position) and types."""
    frame = frame.rename(dict(zip(frame.columns, list(schema), strict=True)))

    def typed(name: str, dtype: pl.DataType) -> pl.Expr:
        if dtype == pl.Date and frame.schema[name] == pl.String:  # SQLite's ISO text
            return pl.col(name).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        if dtype == pl.Date and frame.schema[name].is_integer():  # days since 1970
            return pl.col(name).cast(pl.Int32).cast(pl.Date)
        return pl.col(name).cast(dtype)

    return frame.select(typed(name, dtype) for name, dtype in schema.items())


class _Reader:
    """The helper process of this process, started once and kept for its later reads.

    One job at a time (a lock); a read that finds it busy runs in a helper of its own. A
    helper that died, or one inherited through ``fork``, is replaced.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._pid = 0

    def _command(self, *args: str) -> tuple[list[str], dict[str, str]]:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        return [sys.executable, "-m", "goodwill.sqlite_reader", *args], env

    @staticmethod
    def _close_pipes(process: subprocess.Popen[str]) -> None:
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()

    def _discard(self, process: subprocess.Popen[str]) -> None:
        process.kill()
        self._close_pipes(process)
        process.wait()

    def _kept(self) -> subprocess.Popen[str]:
        process = self._process
        if process is not None and self._pid == os.getpid():
            if process.poll() is None:
                return process
            self._discard(process)  # it died: close what is left of it
        command, env = self._command("--serve")
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        self._process, self._pid = process, os.getpid()
        return process

    def close(self) -> None:
        """End the kept helper (its input ends, so it exits), as this process exits."""
        process, self._process = self._process, None
        if process is not None and self._pid == os.getpid():
            self._close_pipes(process)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._discard(process)

    def start(self) -> None:
        """Start the kept helper now (it imports while this process goes on)."""
        with self._lock:
            self._kept()

    def run(self, job: Mapping[str, Any]) -> None:
        """Run one job (see goodwill.sqlite_reader); raises if it failed."""
        if not self._lock.acquire(blocking=False):
            command, env = self._command()
            done = subprocess.run(
                command,
                input=json.dumps(job, default=str),
                capture_output=True,
                text=True,
                check=False,
                env=env,
            )
            if done.returncode != 0:
                raise RuntimeError(done.stderr.strip().splitlines()[-1:] or "reader failed")
            return
        try:
            process = self._kept()
            assert process.stdin is not None
            assert process.stdout is not None
            try:
                process.stdin.write(json.dumps(job, default=str) + "\n")
                process.stdin.flush()
                line = process.stdout.readline()
            except OSError:
                line = ""
            if not line:  # it died: the next read starts another
                self._discard(process)
                self._process = None
                raise RuntimeError("the reader process ended")
            answer = json.loads(line)
            if "error" in answer:
                raise RuntimeError(answer["error"])
        finally:
            self._lock.release()


_READER = _Reader()
atexit.register(_READER.close)


def start_reader(engine: Engine) -> None:
    """Start the SQLite reader's helper process ahead of the first large read, so that read
    does not wait for it to start (the web app calls this as it starts)."""
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        with contextlib.suppress(OSError):
            _READER.start()


def _adbc_sqlite(path: str, queries: Sequence[Query]) -> list[pl.DataFrame]:
    """The queries' committed results, read by ADBC in a helper process (goodwill.sqlite_reader:
    the driver's own copy of SQLite must not open the database in this process)."""
    folder = tempfile.mkdtemp(prefix="goodwill-read-", dir=_scratch_folder())
    outs = [os.path.join(folder, f"q{i}.arrow") for i in range(len(queries))]
    job = {
        "path": path,
        "readers": READERS,
        "queries": [
            {
                "sql": _PARAM.sub("?", sql),
                "params": [_plain(params[n]) for n in _PARAM.findall(sql)],
                "out": out,
            }
            for (sql, params, _), out in zip(queries, outs, strict=True)
        ],
    }
    try:
        _READER.run(job)
        frames = []
        for (_, _, schema), out in zip(queries, outs, strict=True):
            frame = pl.read_ipc(out)
            frames.append(_cast(frame, schema))
        return frames
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _driver_frame(
    session: Session, sql: str, params: Mapping[str, Any], schema: Schema
) -> pl.DataFrame:
    raw = driver_connection(session)
    cursor = raw.cursor()
    try:
        if dialect_name(session) == "sqlite":  # sqlite3 takes :name parameters as written
            cursor.execute(sql, {k: _plain(v) for k, v in params.items()})
        else:  # psycopg spells them %(name)s
            cursor.execute(_PARAM.sub(r"%(\1)s", sql), dict(params))
        rows = cursor.fetchall()
    finally:
        cursor.close()
    names = list(schema)
    return pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None).pipe(
        _cast, schema
    )


def _pg_pending_writes(session: Session) -> bool:
    """Whether this PostgreSQL transaction wrote anything (it then has a transaction id)."""
    found = session.execute(text("SELECT txid_current_if_assigned() IS NOT NULL")).scalar()
    return bool(found)


def _inlined(session: Session, sql: str, params: Mapping[str, Any]) -> str:
    """The query with its parameters quoted in by psycopg (COPY takes no bind parameters)."""
    from psycopg import sql as pgsql

    raw = driver_connection(session)
    literal = {name: pgsql.Literal(value).as_string(raw) for name, value in params.items()}
    return _PARAM.sub(lambda m: literal[m.group(1)], sql)


def _adbc_postgresql(session: Session, queries: Sequence[Query]) -> list[pl.DataFrame]:
    """The queries' committed results, read by ADBC (binary COPY parsed in C) on connections
    of their own, at the same time."""
    import adbc_driver_postgresql.dbapi as adbc  # type: ignore[import-untyped]

    url = session.connection().engine.url
    uri = url.set(drivername="postgresql").render_as_string(hide_password=False)
    texts = [_inlined(session, sql, params) for sql, params, _ in queries]

    def read(query: str) -> Any:
        with adbc.connect(uri) as conn, conn.cursor() as cursor:
            # JIT compiling pays for long computations, not for handing rows over: off, the
            # plan's features are read 0.08 s sooner at a million accounts.
            cursor.execute("SET jit = off")
            cursor.execute(query)
            return cursor.fetch_arrow_table()

    with ThreadPoolExecutor(max_workers=min(len(queries), READERS)) as pool:
        tables = list(pool.map(read, texts))
    frames = []
    for table, (_, _, schema) in zip(tables, queries, strict=True):
        frame = pl.from_arrow(table.rename_columns([f"c{i}" for i in range(table.num_columns)]))
        assert isinstance(frame, pl.DataFrame)
        frames.append(_cast(frame, schema))
    return frames


def _copy_out(
    session: Session, sql: str, params: Mapping[str, Any], schema: Schema
) -> pl.DataFrame:
    raw = driver_connection(session)
    query = _inlined(session, sql, params)
    chunks: list[bytes] = []
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy,
    ):
        chunks.extend(bytes(block) for block in copy)
    if not chunks:
        return pl.DataFrame(schema=dict(schema))
    csv_schema = {
        name: (pl.Int64 if dtype == pl.Boolean else dtype) for name, dtype in schema.items()
    }
    frame = pl.read_csv(b"".join(chunks), has_header=False, schema=csv_schema)
    return frame.pipe(_cast, schema)


Query = tuple[str, Mapping[str, Any], Schema]
"""One query: its SQL (``:name`` parameters), its parameters and its result's schema."""


def read_frames(
    session: Session, queries: Sequence[Query], *, rows: int = 0, columnar: bool = True
) -> list[pl.DataFrame]:
    """Run the queries and return each one's rows as a typed Polars frame, in order.

    Each result is what the session's transaction sees, by the fastest safe path (see the
    module's docstring); on SQLite's columnar path the queries run at the same time, one
    connection each, when ``rows`` (about how many they return) makes the helper process
    worth starting. A schema names and types the columns in order; booleans must be
    selected as 0/1 integers (``CAST(x AS INTEGER)``) and moments as days or dates.
    ``columnar=False`` forces the driver path (to compare).
    """
    session.flush()  # pending ORM changes are writes too
    dialect = dialect_name(session)
    if columnar and dialect == "postgresql":
        if rows >= READER_MIN_ROWS and not _pg_pending_writes(session):
            try:
                return _adbc_postgresql(session, queries)
            except Exception:  # any trouble with the columnar reader: COPY is exact
                pass
        return [_copy_out(session, sql, params, schema) for sql, params, schema in queries]
    if columnar and dialect == "sqlite" and rows >= READER_MIN_ROWS:
        path = _sqlite_path(session)
        if path is not None and not pending_writes(session):
            try:
                return _adbc_sqlite(path, queries)
            except Exception:  # any trouble with the columnar reader: the driver path is exact
                pass
    return [_driver_frame(session, sql, params, schema) for sql, params, schema in queries]


def read_frame(
    session: Session,
    sql: str,
    params: Mapping[str, Any],
    schema: Schema,
    *,
    columnar: bool = True,
    parts: Sequence[Mapping[str, Any]] = (),
    rows: int = 0,
) -> pl.DataFrame:
    """One query's rows as a typed Polars frame (see :func:`read_frames`).

    ``parts``: parameter sets, each added to ``params``, whose results are concatenated in
    order (on SQLite's columnar path they are read at the same time).
    """
    runs = [{**params, **part} for part in parts] or [dict(params)]
    queries = [(sql, run, schema) for run in runs]
    frames = read_frames(session, queries, rows=rows, columnar=columnar)
    return concat(frames, schema)


def concat(frames: list[pl.DataFrame], schema: Schema) -> pl.DataFrame:
    """The frames one after the other (the parts of one query)."""
    frames = [f for f in frames if f.height]
    if not frames:
        return pl.DataFrame(schema=dict(schema))
    return frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical", rechunk=False)


def _csv_ready(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col(name).cast(pl.String) for name, dtype in frame.schema.items() if dtype == pl.Date
    )


def _copy_in(session: Session, table: str, frame: pl.DataFrame) -> None:
    raw = driver_connection(session)
    columns = ", ".join(frame.columns)
    frame = _csv_ready(frame)
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy,
    ):
        for lo in range(0, frame.height, COPY_CHUNK_ROWS):
            part = frame.slice(lo, COPY_CHUNK_ROWS)
            copy.write(part.write_csv(include_header=False, quote_style="non_numeric"))


def _scratch_folder() -> str | None:
    """Memory-backed /dev/shm when there is one (the staging file is never needed on disk)."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


def _ingest(path: str, part: pl.DataFrame) -> None:
    import adbc_driver_sqlite.dbapi as adbc

    # A private scratch file: nothing to recover after a crash, so no journal or syncs.
    with adbc.connect(path, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=OFF")
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.adbc_ingest("stage", part.to_arrow(), mode="create")


def _sqlite_stage(session: Session, table: str, frame: pl.DataFrame) -> bool:
    """Write through staging files; False (nothing written) if the connection holds too many."""
    raw = driver_connection(session)
    info = session.connection().connection.info
    _detach(raw, info)
    count = max(1, min(READERS, frame.height // STAGE_MIN_ROWS))
    if len(info.get(_STAGES, [])) + count > MAX_ATTACHED:
        return False
    staged = frame.with_columns(
        [pl.col(name).cast(pl.String) for name, dtype in frame.schema.items() if dtype == pl.Date]
        + [
            pl.col(name).cast(pl.Int64)
            for name, dtype in frame.schema.items()
            if dtype == pl.Boolean
        ]
    )
    size = -(-frame.height // count)
    parts = [staged.slice(lo, size) for lo in range(0, frame.height, size)]
    folder = tempfile.mkdtemp(prefix="goodwill-stage-", dir=_scratch_folder())
    paths = [os.path.join(folder, f"stage{i}.db") for i in range(len(parts))]
    try:
        # Each part is written into its own file at the same time (ADBC works outside the GIL).
        try:
            with ThreadPoolExecutor(max_workers=len(parts)) as pool:
                list(pool.map(_ingest, paths, parts))
        except Exception:  # nothing written to the database yet: the driver path will do
            return False
        columns = ", ".join(frame.columns)
        cursor = raw.cursor()
        try:
            for path in paths:
                alias = f"goodwill_stage_{uuid.uuid4().hex[:12]}"
                cursor.execute(f"ATTACH DATABASE ? AS {alias}", (path,))
                info.setdefault(_STAGES, []).append(alias)
                cursor.execute(
                    f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM {alias}.stage"
                )
        finally:
            cursor.close()
        _detach(raw, info)  # works when the session is not in a transaction
        return True
    finally:
        for path in paths:  # the attached handles keep the data readable
            with contextlib.suppress(OSError):
                os.unlink(path)
        with contextlib.suppress(OSError):
            os.rmdir(folder)


def write_frame(session: Session, table: str, frame: pl.DataFrame, *, columnar: bool = True) -> int:
    """Insert the frame's rows (columns named as the table's) in the session's transaction.

    Dates are stored as ISO text on SQLite and booleans as 0/1, as SQLAlchemy stores them.
    ``columnar=False`` writes through :func:`goodwill.bulk.insert_rows` (to compare).
    """
    from goodwill.bulk import insert_rows

    if frame.height == 0:
        return 0
    dialect = dialect_name(session)
    session.flush()
    if columnar and dialect == "postgresql":
        _copy_in(session, table, frame)
        return frame.height
    staged = columnar and dialect == "sqlite" and frame.height >= STAGE_MIN_ROWS
    if staged and _sqlite_stage(session, table, frame):
        return frame.height
    plain = frame.with_columns(
        pl.col(name).cast(pl.String) for name, dtype in frame.schema.items() if dtype == pl.Date
    )
    return insert_rows(session, table, frame.columns, plain.iter_rows())
