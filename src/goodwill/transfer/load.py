"""Writing checked rows: a staging table, then one set-based upsert.

The rows go into a temporary staging table at driver speed (``executemany`` on SQLite,
``COPY`` on PostgreSQL). The rows that would change an existing record are read out once,
for the audit log; then a single ``INSERT … SELECT … ON CONFLICT DO UPDATE … WHERE <some
column differs>`` writes the new and changed rows and leaves equal rows alone, so a second
import of the same file writes nothing.

One fast path: when none of the file's accounts has a record of the kind yet (a first
import of an ERP's history), nothing stored can match, so the rows go straight into the
table and staging is skipped (on PostgreSQL about a fifth of a first import of a million
orders, on SQLite less). The check is one index probe per account. On SQLite those rows are
written through :func:`goodwill.columnar.write_frame` (staging files made by ADBC from Arrow,
copied in by the session's own connection inside its transaction): a first import of a million
orders took 3.5-3.8 s instead of 3.9-4.0 s, run in turn on an idle machine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import chain
from typing import Any

import polars as pl
from sqlalchemy import delete, insert, select, text
from sqlalchemy.orm import Session

from goodwill.bulk import dialect_name, driver_connection, insert_rows, large_cache
from goodwill.columnar import write_frame
from goodwill.models import Account, AuditEvent, Member, account_owner
from goodwill.models.types import utcnow
from goodwill.transfer.check import OWN_ID
from goodwill.transfer.columns import KindSpec

STAGE = "goodwill_import_stage"
ACCOUNTS = "goodwill_import_accounts"
WORK = "goodwill_import_work"
STAGE_CHUNK = 100_000
SQLITE_VARIABLES = 30_000  # below SQLite's limit of 32,766 bound values per statement

# (step, done, total): how far the import has come, for a progress bar.
Progress = Callable[[str, int, int], None]


def no_progress(_step: str, _done: int, _total: int) -> None:
    """Report nothing."""


@dataclass
class Written:
    """What the upsert did."""

    inserted: int = 0
    updated: int = 0
    account_ids: set[int] = field(default_factory=set)  # accounts whose records changed
    changed_ids: set[int] = field(default_factory=set)  # ids of the updated records
    updated_account_ids: set[int] = field(default_factory=set)  # accounts of updated records
    # The inserted rows, when asked for (None if they could not be told apart for certain).
    new_rows: pl.DataFrame | None = None


def _sql_type(spec: KindSpec, target: str, dialect: str) -> str:
    if target in ("account_id", "_own_id"):
        return "BIGINT"
    column = next(c for c in spec.columns if c.target == target)
    if column.type in ("amount", "integer", "member"):
        return "BIGINT"
    if dialect == "postgresql" and column.type == "date":
        return "DATE"
    if dialect == "postgresql" and column.type == "moment":
        return "TIMESTAMPTZ"
    return "TEXT"


def _stage_frame(spec: KindSpec, frame: pl.DataFrame, dialect: str) -> pl.DataFrame:
    """The frame with dates and moments as the text each engine stores or parses."""
    moment = "%Y-%m-%d %H:%M:%S%.6f" + ("+00" if dialect == "postgresql" else "")
    exprs = []
    for name in frame.columns:
        dtype = frame.schema[name]
        if dtype == pl.Date:
            exprs.append(pl.col(name).dt.to_string("%Y-%m-%d"))
        elif isinstance(dtype, pl.Datetime):
            exprs.append(pl.col(name).dt.to_string(moment))
        else:
            exprs.append(pl.col(name))
    return frame.select(exprs)


def _sqlite_rows(cursor: Any, table: str, frame: pl.DataFrame, per_statement: int) -> None:
    """Insert with many rows per statement: binding values costs far less than stepping
    one statement per row, which is what ``executemany`` does."""
    columns = [frame[c].to_list() for c in frame.columns]
    width = len(columns)
    into = f"INSERT INTO {table} ({', '.join(frame.columns)}) VALUES "
    row = "(" + ", ".join("?" for _ in range(width)) + ")"
    full = into + ", ".join(row for _ in range(per_statement))
    for start in range(0, frame.height, per_statement):
        part = [c[start : start + per_statement] for c in columns]
        values = list(chain.from_iterable(zip(*part, strict=True)))
        count = len(values) // width
        if count != per_statement:
            full = into + ", ".join(row for _ in range(count))
        cursor.execute(full, values)


def _write_rows(session: Session, table: str, frame: pl.DataFrame, report: Progress) -> None:
    """Write a frame of plain values (dates and moments as text) into a table, driver-fast."""
    dialect = dialect_name(session)
    raw = driver_connection(session)
    total = frame.height
    per_statement = max(1, SQLITE_VARIABLES // frame.width)
    for start in range(0, total, STAGE_CHUNK):
        chunk = frame.slice(start, STAGE_CHUNK)
        if dialect == "sqlite":
            cursor = raw.cursor()
            try:
                _sqlite_rows(cursor, table, chunk, per_statement)
            finally:
                cursor.close()
        else:
            # Non-numeric values are quoted, so only the unquoted \N is NULL.
            body = chunk.write_csv(
                include_header=False, quote_style="non_numeric", null_value="\\N"
            )
            with (
                raw.cursor() as cursor,
                cursor.copy(
                    f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN "
                    "WITH (FORMAT csv, NULL '\\N')"
                ) as copy,
            ):
                copy.write(body)
        report("write", min(start + STAGE_CHUNK, total), total)


def _stage(
    session: Session, spec: KindSpec, frame: pl.DataFrame, columns: Sequence[str], report: Progress
) -> pl.DataFrame:
    """Stage the rows; returns them as staged (row ``_n`` of the table is row ``_n - 1``)."""
    dialect = dialect_name(session)
    # _n numbers the rows in key order; on SQLite it is the rowid, so lookups by it are free.
    number = "_n INTEGER PRIMARY KEY" if dialect == "sqlite" else "_n BIGINT"
    definitions = ", ".join([number, *(f"{c} {_sql_type(spec, c, dialect)}" for c in columns)])
    session.execute(text(f"DROP TABLE IF EXISTS {STAGE}"))
    session.execute(text(f"CREATE TEMPORARY TABLE {STAGE} ({definitions})"))
    # In key order, every later lookup walks the unique index front to back instead of
    # jumping about it: on SQLite that alone makes the upsert three times faster.
    ordered = frame.select(columns).sort(list(spec.key))
    staged = _stage_frame(spec, ordered, dialect).with_row_index("_n", offset=1)
    _write_rows(session, STAGE, staged, report)
    if dialect == "postgresql":
        # A temporary table has no statistics until analysed; without them the planner
        # guesses a few rows and picks nested loops over a million.
        session.execute(text(f"ANALYZE {STAGE}"))
    return ordered


def _differs(dialect: str, left: str, right: str) -> str:
    op = "IS NOT" if dialect == "sqlite" else "IS DISTINCT FROM"
    return f"{left} {op} {right}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _changes(
    session: Session, spec: KindSpec, compared: Sequence[str], own_ids: bool
) -> list[tuple[int, int | None, dict[str, Any], dict[str, Any], bool]]:
    """(row id, account id, before, after, matched by own id) of each record the file changes."""
    dialect = dialect_name(session)
    if not compared:
        return []
    picked = ", ".join([*(f"t.{c}" for c in compared), *(f"s.{c}" for c in compared)])
    account = "t.account_id" if spec.account_scoped else "NULL"
    queries = [
        f"SELECT t.id, {account}, {picked}, 0 FROM {WORK} w "
        f"JOIN {STAGE} s ON s._n = w._n JOIN {spec.table} t ON t.id = w.target_id"
    ]
    if own_ids:
        differs = " OR ".join(_differs(dialect, f"t.{c}", f"s.{c}") for c in compared)
        queries.append(
            f"SELECT t.id, {account}, {picked}, 1 FROM {spec.table} t JOIN {STAGE} s "
            f"ON t.id = s._own_id WHERE ({differs})"
        )
    found = []
    n = len(compared)
    for query in queries:
        for row in session.execute(text(query)):
            before: dict[str, Any] = {}
            after: dict[str, Any] = {}
            for i, name in enumerate(compared):
                old, new = row[2 + i], row[2 + n + i]
                if old != new:
                    before[name] = _jsonable(old)
                    after[name] = _jsonable(new)
            found.append((row[0], row[1], before, after, bool(row[-1])))
    return found


def _adopt(session: Session, spec: KindSpec) -> None:
    """Keep ``gw:<id>`` only where it names a record of ours that has no external id."""
    scope = f" AND t.account_id = {STAGE}.account_id" if spec.account_scoped else ""
    session.execute(
        text(
            f"UPDATE {STAGE} SET _own_id = NULL WHERE _own_id IS NOT NULL AND NOT EXISTS ("
            f"SELECT 1 FROM {spec.table} t WHERE t.id = {STAGE}._own_id "
            f"AND t.external_id IS NULL{scope})"
        )
    )


def upsert(
    session: Session,
    spec: KindSpec,
    frame: pl.DataFrame,
    present: Sequence[str],
    report: Progress = no_progress,
    *,
    before_insert: Callable[[pl.DataFrame], None] | None = None,
) -> Written:
    """Insert the new rows, update the changed ones, leave the equal ones; audit the updates.

    ``before_insert``, if given, is called with the rows about to be inserted (after the
    changes are known, before anything is written), and the result holds them as ``new_rows``.
    """
    with large_cache(session):
        return _upsert(session, spec, frame, present, report, before_insert)


def _upsert(
    session: Session,
    spec: KindSpec,
    frame: pl.DataFrame,
    present: Sequence[str],
    report: Progress,
    before_insert: Callable[[pl.DataFrame], None] | None,
) -> Written:
    dialect = dialect_name(session)
    own_ids = bool(frame["_own_id"].is_not_null().any())
    columns = [c for c in frame.columns if c != "__row" and (own_ids or c != "_own_id")]
    if not own_ids and spec.account_scoped and _accounts_are_new(session, spec, frame):
        return _insert_new(session, spec, frame.select(columns), report, before_insert)
    staged = _stage(session, spec, frame, columns, report)
    if own_ids:
        _adopt(session, spec)
    compared = [c for c in present if c not in spec.key]

    # One pass over the staged rows picks out the ones that need writing: new rows, and
    # rows that differ from the stored record. A second import of a file finds none.
    by_key = " AND ".join(f"t.{c} = s.{c}" for c in spec.key)
    differs = " OR ".join(_differs(dialect, f"t.{c}", f"s.{c}") for c in compared) or "false"
    not_own = " AND s._own_id IS NULL" if own_ids else ""
    # A first load matches nothing stored: then every staged row is new, and the probe
    # below (which stops at the first match) saves copying a million row numbers.
    matched = session.execute(
        text(f"SELECT 1 FROM {STAGE} s JOIN {spec.table} t ON {by_key} LIMIT 1")
    ).first()
    fresh = matched is None and not own_ids
    if fresh:
        session.execute(
            text(
                f"CREATE TEMPORARY VIEW {WORK} AS "
                f"SELECT _n, CAST(NULL AS BIGINT) AS target_id FROM {STAGE}"
            )
        )
    else:
        session.execute(
            text(
                f"CREATE TEMPORARY TABLE {WORK} AS SELECT s._n AS _n, t.id AS target_id "
                f"FROM {STAGE} s LEFT JOIN {spec.table} t ON {by_key} "
                f"WHERE (t.id IS NULL OR {differs}){not_own}"
            )
        )
    if dialect == "postgresql" and not fresh:
        session.execute(text(f"ANALYZE {WORK}"))
    changes = [] if fresh else _changes(session, spec, compared, own_ids)
    now = utcnow()
    actor = str(session.info.get("actor", "system"))
    audit_rows = [
        {
            "at": now,
            "actor": actor,
            "action": "update",
            "table_name": spec.table,
            "row_id": row_id,
            "before": before,
            "after": after,
        }
        for row_id, _account, before, after, _own in changes
    ]
    if audit_rows:
        session.execute(insert(AuditEvent), audit_rows)
    written = Written(
        updated=len(changes),
        changed_ids={change[0] for change in changes},
        updated_account_ids={c[1] for c in changes if c[1] is not None},
    )
    if spec.account_scoped:
        written.account_ids = written.updated_account_ids | set(
            session.execute(
                text(f"SELECT DISTINCT s.account_id FROM {WORK} w JOIN {STAGE} s ON s._n = w._n")
            ).scalars()
        )
    new_rows: pl.DataFrame | None = None
    if before_insert is not None:
        if fresh:
            new_rows = staged
        else:
            numbers = session.execute(
                text(f"SELECT _n - 1 FROM {WORK} WHERE target_id IS NULL ORDER BY _n")
            ).scalars()
            new_rows = staged[pl.Series(list(numbers), dtype=pl.Int64)]
        before_insert(new_rows)

    stamp = now if dialect == "postgresql" else now.strftime("%Y-%m-%d %H:%M:%S.%f")
    stamps = ["created_at", *(["updated_at"] if spec.stamps_updates else [])]
    values = [c for c in columns if c != "_own_id"]
    differs = " OR ".join(_differs(dialect, f"{spec.table}.{c}", f"excluded.{c}") for c in compared)
    sets = ", ".join(
        [f"{c} = excluded.{c}" for c in compared]
        + (["updated_at = excluded.updated_at"] if spec.stamps_updates else [])
    )
    # Rows known to be new need no conflict handling: PostgreSQL's speculative insertion
    # for ON CONFLICT costs a third of the time of a first load. A writer adding the same
    # keys meanwhile makes this fail on the unique constraint, and nothing is written.
    action = f"DO UPDATE SET {sets} WHERE {differs}" if compared else "DO NOTHING"
    result = session.execute(
        text(
            f"INSERT INTO {spec.table} ({', '.join([*values, *stamps])}) "
            f"SELECT {', '.join(f's.{c}' for c in values)}, {', '.join(':now' for _ in stamps)} "
            f"FROM {WORK} w JOIN {STAGE} s ON s._n = w._n WHERE true "
            + ("" if fresh else f"ON CONFLICT ({', '.join(spec.key)}) {action}")
        ),
        {"now": stamp},
    )
    upserted = sum(1 for change in changes if not change[4])
    written.inserted = _rowcount(result) - upserted
    if new_rows is not None and new_rows.height == written.inserted:
        # Otherwise a writer added some of the same keys meanwhile (they were updated, not
        # inserted), so the caller must not take these rows as all new.
        written.new_rows = new_rows
    if own_ids and compared:
        sets = ", ".join(f"{c} = s.{c}" for c in compared)
        if spec.stamps_updates:
            sets += ", updated_at = :now"
        differs = " OR ".join(_differs(dialect, f"{spec.table}.{c}", f"s.{c}") for c in compared)
        session.execute(
            text(
                f"UPDATE {spec.table} SET {sets} FROM {STAGE} s "
                f"WHERE {spec.table}.id = s._own_id AND ({differs})"
            ),
            {"now": stamp},
        )
    session.execute(text(f"DROP {'VIEW' if fresh else 'TABLE'} {WORK}"))
    session.execute(text(f"DROP TABLE {STAGE}"))
    return written


def _accounts_are_new(session: Session, spec: KindSpec, frame: pl.DataFrame) -> bool:
    """Whether none of the file's accounts has any record of this kind yet."""
    ids = frame["account_id"].unique().to_list()
    session.execute(text(f"DROP TABLE IF EXISTS {ACCOUNTS}"))
    session.execute(text(f"CREATE TEMPORARY TABLE {ACCOUNTS} (account_id BIGINT PRIMARY KEY)"))
    insert_rows(session, ACCOUNTS, ["account_id"], ((i,) for i in ids))
    found = session.execute(
        text(
            f"SELECT 1 FROM {ACCOUNTS} a WHERE EXISTS "
            f"(SELECT 1 FROM {spec.table} t WHERE t.account_id = a.account_id) LIMIT 1"
        )
    ).first()
    session.execute(text(f"DROP TABLE {ACCOUNTS}"))
    return found is None


def _insert_new(
    session: Session,
    spec: KindSpec,
    frame: pl.DataFrame,
    report: Progress,
    before_insert: Callable[[pl.DataFrame], None] | None,
) -> Written:
    """Write rows of accounts that have no records of the kind yet: all new, no staging.

    Nothing stored can match them, so they go straight into the table. A writer adding the
    same keys meanwhile makes this fail on the unique constraint, and nothing is written.
    """
    dialect = dialect_name(session)
    ordered = frame.sort(list(spec.key))  # key order: the unique index is filled front to back
    if before_insert is not None:
        before_insert(ordered)
    now = utcnow()
    stamp = now.isoformat() if dialect == "postgresql" else now.strftime("%Y-%m-%d %H:%M:%S.%f")
    stamps = ["created_at", *(["updated_at"] if spec.stamps_updates else [])]
    rows = _stage_frame(spec, ordered, dialect).with_columns(
        *(pl.lit(stamp).alias(name) for name in stamps)
    )
    if dialect == "sqlite":
        # Through staging files in Arrow's C code instead of a Python object per value
        # (goodwill.columnar): the rows' write is what the first import of a history costs.
        report("write", 0, rows.height)
        write_frame(session, spec.table, rows)
        report("write", rows.height, rows.height)
    else:
        _write_rows(session, spec.table, rows, report)
    return Written(
        inserted=ordered.height,
        account_ids=set(ordered["account_id"].unique().to_list()),
        new_rows=ordered if before_insert is not None else None,
    )


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def sync_owners(session: Session, owners: dict[str, list[int]]) -> set[int]:
    """Make each named account's owners exactly the members given; the accounts changed."""
    if not owners:
        return set()
    ids: dict[str, int] = {}
    names = sorted(owners)
    for start in range(0, len(names), 500):
        chunk = names[start : start + 500]
        query = select(Account.external_id, Account.id).where(Account.external_id.in_(chunk))
        for external_id, account_id in session.execute(query):
            if external_id is not None:
                ids[external_id] = account_id
    current: dict[int, set[int]] = {}
    account_list = sorted(ids.values())
    for start in range(0, len(account_list), 500):
        chunk_ids = account_list[start : start + 500]
        for account_id, member_id in session.execute(
            select(account_owner.c.account_id, account_owner.c.member_id).where(
                account_owner.c.account_id.in_(chunk_ids)
            )
        ):
            current.setdefault(account_id, set()).add(member_id)
    emails: dict[int, str] = {}
    for member_id, email in session.execute(select(Member.id, Member.email)):
        emails[member_id] = email
    changed: set[int] = set()
    audit_rows = []
    now = utcnow()
    actor = str(session.info.get("actor", "system"))
    for external_id, wanted in owners.items():
        own = OWN_ID.match(external_id)
        found = ids.get(external_id) or (int(own.group(1)) if own else None)
        if found is None:
            continue
        account_id = found
        have = current.get(account_id, set())
        if have == set(wanted):
            continue
        changed.add(account_id)
        gone, new = have - set(wanted), set(wanted) - have
        if gone:
            session.execute(
                delete(account_owner).where(
                    account_owner.c.account_id == account_id,
                    account_owner.c.member_id.in_(gone),
                )
            )
        if new:
            session.execute(
                insert(account_owner),
                [{"account_id": account_id, "member_id": m} for m in sorted(new)],
            )
        audit_rows.append(
            {
                "at": now,
                "actor": actor,
                "action": "update",
                "table_name": "account_owner",
                "row_id": account_id,
                "before": {"owners": sorted(emails[m] for m in have)},
                "after": {"owners": sorted(emails[m] for m in wanted)},
            }
        )
    if audit_rows:
        session.execute(insert(AuditEvent), audit_rows)
    return changed
