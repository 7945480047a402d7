"""Exporting records as CSV files with exactly the columns the import reads.

Export → import changes nothing: dates and moments are ISO 8601, amounts are plain
decimals, accounts and members are named as the import looks them up, and a record
without an external id is written as ``gw:<its id>``. Text a spreadsheet would run as a
formula (starting with = + - @, a tab or a carriage return) gets a leading apostrophe,
which the import takes off again; numbers in amount columns stay numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import String, cast, func, literal, select, type_coerce
from sqlalchemy.orm import Session, aliased

from goodwill.contacts.vcard import export_vcards
from goodwill.db import Base
from goodwill.errors import Invalid
from goodwill.models import Account, Member, account_owner
from goodwill.transfer.check import FORMULA_START
from goodwill.transfer.columns import KindSpec
from goodwill.transfer.service import kind_spec

_NOT_TEXT = ("amount", "integer", "date", "moment")


def neutralize(col: pl.Expr) -> pl.Expr:
    """Text a spreadsheet would run as a formula, made inert by a leading apostrophe."""
    return pl.when(col.str.contains(FORMULA_START)).then(pl.lit("'") + col).otherwise(col)


def amount_text(cents: pl.Expr) -> pl.Expr:
    """Minor units as a plain decimal: -1250 → "-12.50"."""
    size = cents.abs()
    sign = pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    whole = (size // 100).cast(pl.String)
    fraction = (size % 100).cast(pl.String).str.zfill(2)
    return sign + whole + pl.lit(".") + fraction


def _query(spec: KindSpec) -> Any:
    table = Base.metadata.tables[spec.table]
    owner = aliased(Account)
    member = aliased(Member)
    picked: list[Any] = []
    joins: list[tuple[Any, Any]] = []
    for column in spec.columns:
        if column.type == "members":
            picked.append(table.c.id.label(column.name))
        elif column.type == "account":
            joins.append((owner, owner.id == table.c.account_id))
            own = literal("gw:") + cast(owner.id, String)
            picked.append(func.coalesce(owner.external_id, own).label(column.name))
        elif column.name == "external_id":
            own = literal("gw:") + cast(table.c.id, String)
            picked.append(func.coalesce(table.c.external_id, own).label(column.name))
        elif column.type == "member":
            joins.append((member, member.id == table.c[column.target]))
            picked.append(member.email.label(column.name))
        elif column.type == "enum":
            picked.append(type_coerce(table.c[column.target], String).label(column.name))
        else:
            picked.append(table.c[column.target].label(column.name))
    query = select(*picked).select_from(table)
    for target, on in joins:
        query = query.outerjoin(target, on)
    return query.order_by(table.c.id)


def _dtype(column_type: str) -> Any:
    return {
        "amount": pl.Int64,
        "integer": pl.Int64,
        "date": pl.Date,
        "moment": pl.Datetime("us", "UTC"),
        "members": pl.Int64,
    }.get(column_type, pl.String)


def _owners(session: Session) -> dict[int, str]:
    found: dict[int, list[str]] = {}
    query = (
        select(account_owner.c.account_id, Member.email)
        .join(Member, Member.id == account_owner.c.member_id)
        .order_by(Member.email)
    )
    for account_id, email in session.execute(query):
        found.setdefault(account_id, []).append(email)
    return {account_id: " ".join(emails) for account_id, emails in found.items()}


def export_frame(session: Session, spec: KindSpec) -> pl.DataFrame:
    """Every record of the kind, as the text cells of its file."""
    rows = session.execute(_query(spec)).all()
    schema = {c.name: _dtype(c.type) for c in spec.columns}
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    cells: list[pl.Expr] = []
    for column in spec.columns:
        col = pl.col(column.name)
        if column.type == "amount":
            cells.append(amount_text(col))
        elif column.type == "integer":
            cells.append(col.cast(pl.String))
        elif column.type == "date":
            cells.append(col.dt.to_string("%Y-%m-%d"))
        elif column.type == "moment":
            cells.append(col.dt.to_string("%Y-%m-%dT%H:%M:%S%.f%:z"))
        elif column.type == "members":
            owners = _owners(session)
            cells.append(neutralize(col.replace_strict(owners, default="", return_dtype=pl.String)))
        else:
            cells.append(neutralize(col))
    return frame.select(c.alias(spec.columns[i].name) for i, c in enumerate(cells))


def export_csv(session: Session, kind: str) -> bytes:
    """Every record of a kind as the bytes of its CSV file (for a download)."""
    # The byte-order mark lets spreadsheets read the file as UTF-8; the import skips it.
    return ("\ufeff" + export_frame(session, kind_spec(kind)).write_csv()).encode("utf-8")


def export_file(session: Session, kind: str, path: Path) -> int:
    """Write every record of a kind to a CSV (or, for contacts, a .vcf) file; how many."""
    spec = kind_spec(kind)
    if path.suffix.lower() == ".vcf":
        if spec.kind != "contacts":
            raise Invalid(f"{path.name}: a vCard file holds contacts, not {spec.kind}")
        return export_vcards(session, path)
    frame = export_frame(session, spec)
    # The byte-order mark lets spreadsheets read the file as UTF-8; the import skips it.
    frame.write_csv(path, include_bom=True)
    return frame.height
