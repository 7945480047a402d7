"""Importing a file of accounts, contacts, orders, quotes, touches or profile facts.

All or nothing: every row is read and checked before anything is written, and one bad row
fails the file with every problem listed (up to a cap). Rows are matched to what is stored
by (account, external id), so importing the same file twice changes nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from goodwill.bulk import refresh_statistics
from goodwill.contacts.vcard import import_vcards
from goodwill.errors import Invalid
from goodwill.models.audit import audit_event
from goodwill.scoring.rollups import add_orders, make_current, refresh_accounts, today_utc
from goodwill.transfer.check import ReadRules, check_rows, resolve_header
from goodwill.transfer.columns import KINDS, KindSpec
from goodwill.transfer.csvfile import read_csv
from goodwill.transfer.load import Progress, no_progress, sync_owners, upsert


@dataclass(frozen=True)
class ImportResult:
    """What an import did (or, in a dry run, would do)."""

    file: str
    kind: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    dry_run: bool

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON-ready fields."""
        return asdict(self)


def kind_spec(kind: str) -> KindSpec:
    """The documented columns of a kind of file; an unknown kind is an error."""
    spec = KINDS.get(kind.strip().lower())
    if spec is None:
        raise Invalid(f"cannot import {kind!r}: the kinds are {', '.join(KINDS)}")
    return spec


def import_file(
    session: Session,
    kind: str,
    path: Path,
    *,
    mapping: dict[str, str] | None = None,
    encoding: str = "utf-8",
    rules: ReadRules | None = None,
    dry_run: bool = False,
    account: str | None = None,
    progress: Progress = no_progress,
) -> ImportResult:
    """Add and update the records in a file: all of them, or none if any row is bad."""
    spec = kind_spec(kind)
    session.flush()
    savepoint = session.begin_nested() if dry_run else None
    try:
        if path.suffix.lower() == ".vcf":
            result = _import_vcards(session, spec, path, account, dry_run)
        else:
            result = _import_csv(
                session, spec, path, mapping or {}, encoding, rules or ReadRules(), progress
            )
        result = ImportResult(**(result.as_dict() | {"dry_run": dry_run}))
    finally:
        if savepoint is not None:
            savepoint.rollback()
    if not dry_run and result.inserted > 1000:
        refresh_statistics(session)  # the planner should know the book grew
    session.expire_all()
    return result


def _import_vcards(
    session: Session, spec: KindSpec, path: Path, account: str | None, dry_run: bool
) -> ImportResult:
    if spec.kind != "contacts":
        raise Invalid(f"{path.name}: a vCard file holds contacts, not {spec.kind}")
    done = import_vcards(session, path, account)
    rows = done.inserted + done.updated + done.unchanged
    return ImportResult(
        path.name, spec.kind, rows, done.inserted, done.updated, done.unchanged, dry_run
    )


def _import_csv(
    session: Session,
    spec: KindSpec,
    path: Path,
    mapping: dict[str, str],
    encoding: str,
    rules: ReadRules,
    progress: Progress,
) -> ImportResult:
    progress("read", 0, 1)
    table = read_csv(path, encoding=encoding)
    progress("read", 1, 1)
    names = resolve_header(table, spec, mapping)
    progress("check", 0, 1)
    checked = check_rows(session, table, spec, names, rules)
    progress("check", 1, 1)
    rows = checked.frame.height
    # New orders are added to their accounts' rollups rather than recomputed from the whole
    # history; the rows are made exact (from the orders already there) before writing.
    as_of = today_utc()
    adds_orders = spec.table == "sales_order"

    def prepare(new: pl.DataFrame) -> None:
        make_current(session, new["account_id"].unique().to_list(), as_of=as_of)

    written = upsert(
        session,
        spec,
        checked.frame,
        checked.present,
        progress,
        before_insert=prepare if adds_orders else None,
    )
    updated = written.updated
    if checked.owners is not None:
        owner_changes = sync_owners(session, checked.owners)
        # An account whose only change is its owners counts once, as updated.
        already = len(owner_changes & written.changed_ids)
        updated += len(owner_changes) - already
    unchanged = rows - written.inserted - updated
    if adds_orders and written.new_rows is not None:
        recompute = written.updated_account_ids
        added = written.new_rows.filter(~pl.col("account_id").is_in(list(recompute)))
        add_orders(session, added, as_of=as_of)
        if recompute:
            refresh_accounts(session, sorted(recompute), as_of=as_of)
    elif spec.rolls_up and written.account_ids:
        refresh_accounts(session, sorted(written.account_ids), as_of=as_of)
    if written.inserted or updated:
        audit_event(
            session,
            "import",
            spec.table,
            after={
                "file": table.name,
                "sha256": table.sha256,
                "kind": spec.kind,
                "rows": rows,
                "inserted": written.inserted,
                "updated": updated,
                "unchanged": unchanged,
            },
        )
    progress("done", 1, 1)
    return ImportResult(table.name, spec.kind, rows, written.inserted, updated, unchanged, False)
