"""Export and backup (admins): every record of a kind as the CSV the import reads back,
contacts as vCards, and a copy of the whole database.

Downloads are GETs: they change nothing. A backup of SQLite is taken with SQLite's online
backup API into a private temporary file, sent, and removed once sent.
"""

from __future__ import annotations

import secrets
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy import func, select
from starlette.background import BackgroundTask

from goodwill.backup import backup, backup_command_for_postgres
from goodwill.config import get_settings
from goodwill.contacts.vcard import export_vcards
from goodwill.db import Base, get_engine
from goodwill.errors import Invalid
from goodwill.transfer.columns import KINDS, FileKind
from goodwill.web.deps import Admin, DbSession, export_csv_response
from goodwill.web.templating import render

router = APIRouter()


@router.get("/export", response_class=HTMLResponse)
def export_page(request: Request, session: DbSession, caller: Admin) -> Response:
    """What can be downloaded: each kind, how many records it holds, and a backup.

    The counts come after the page (``/export/{kind}/count``): counting millions of orders
    takes SQLite about a second, and the page should not wait for it.
    """
    return render(
        request,
        "export/export.html",
        {
            "kinds": list(KINDS),
            "engine": session.get_bind().dialect.name,
            "pg_command": backup_command_for_postgres(),
        },
    )


@router.get("/export/{kind}/count", response_class=HTMLResponse)
def export_count(session: DbSession, caller: Admin, kind: FileKind) -> Response:
    """How many records of the kind an export holds (a cell of the Export page)."""
    table = Base.metadata.tables[KINDS[kind.value].table]
    n = session.scalar(select(func.count()).select_from(table)) or 0
    return HTMLResponse(f"{n:,}")


def _private_file(suffix: str) -> Path:
    """A new file in the data folder's ``downloads``; files left there by a download that
    never finished (the server stopped) are removed after an hour."""
    folder = get_settings().data_dir / "downloads"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    cutoff = time.time() - 3600
    for old in folder.iterdir():
        if old.is_file() and old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    return folder / f"{secrets.token_urlsafe(16)}{suffix}"


@router.get("/export/{kind}.csv")
def export_download(session: DbSession, caller: Admin, kind: FileKind) -> Response:
    """Every record of the kind as a CSV file (formulas made inert)."""
    return export_csv_response(session, kind.value)


@router.get("/export/contacts.vcf")
def export_vcf(session: DbSession, caller: Admin) -> Response:
    """Every person as a vCard, for the address book."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "contacts.vcf"
        export_vcards(session, path)
        body = path.read_bytes()
    return Response(
        body,
        media_type="text/vcard; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="contacts.vcf"'},
    )


@router.get("/backup")
def backup_download(session: DbSession, caller: Admin) -> Response:
    """A copy of the whole SQLite database, taken now (PostgreSQL: see the Export page)."""
    engine = get_engine()
    if engine.dialect.name != "sqlite":
        raise Invalid(
            f"the web app backs up SQLite only; for PostgreSQL run: {backup_command_for_postgres()}"
        )
    path = _private_file(".db")
    backup(engine, path)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d-%H%M")
    return FileResponse(
        path,
        media_type="application/vnd.sqlite3",
        filename=f"goodwill-{stamp}.db",
        background=BackgroundTask(path.unlink, missing_ok=True),
    )
