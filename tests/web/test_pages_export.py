"""Export and backup: admins download each kind as the import's CSV, people as vCards, and
a copy of the whole database; the copy opens and holds what the database held."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.backup import backup
from goodwill.config import get_settings
from goodwill.errors import Invalid
from goodwill.models import Account
from tests.web.conftest import Client, Shop

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _accounts(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(Account)) or 0)


def test_an_admin_sees_every_kind_and_downloads_it(
    engine: Engine, shop: Shop, client_as: Callable[[str], Client]
) -> None:
    admin = client_as("admin")
    page = admin.get("/export")
    assert page.status_code == 200, page.text
    for kind in ("accounts", "contacts", "orders", "quotes", "touches", "facts"):
        assert f'href="/export/{kind}.csv"' in page.text
        # Each count comes after the page, from its own cell's request.
        assert f'hx-get="/export/{kind}/count"' in page.text
    count = admin.get("/export/accounts/count")
    assert count.status_code == 200
    assert count.text == f"{_accounts(engine):,}"
    accounts = admin.get("/export/accounts.csv")
    assert accounts.status_code == 200
    assert accounts.headers["content-type"].startswith("text/csv")
    assert 'filename="accounts.csv"' in accounts.headers["content-disposition"]
    text = accounts.content.decode("utf-8")
    assert text.startswith("\ufeffexternal_id,name,")
    assert len(text.strip().splitlines()) == _accounts(engine) + 1
    cards = admin.get("/export/contacts.vcf")
    assert cards.status_code == 200
    assert cards.text.startswith("BEGIN:VCARD")
    assert admin.get("/export/widgets.csv").status_code == 422


def test_the_export_menu_is_an_admins(shop: Shop, client_as: Callable[[str], Client]) -> None:
    assert 'href="/export"' in client_as("admin").get("/today").text
    assert 'href="/export"' not in client_as("manager").get("/today").text
    assert client_as("manager").get("/export").status_code == 403


@SQLITE_ONLY
def test_a_backup_download_is_the_whole_database(
    engine: Engine, shop: Shop, client_as: Callable[[str], Client], tmp_path: Path
) -> None:
    response = client_as("admin").get("/backup")
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"SQLite format 3\x00")
    assert response.headers["content-disposition"].startswith('attachment; filename="goodwill-')
    copy = tmp_path / "copy.db"
    copy.write_bytes(response.content)
    with sqlite3.connect(copy) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM account").fetchone()[0] == _accounts(engine)
    # The server's temporary copy is gone once sent.
    assert list((get_settings().data_dir / "downloads").iterdir()) == []


def test_the_backup_of_each_engine(engine: Engine, shop: Shop, tmp_path: Path) -> None:
    target = tmp_path / "goodwill.backup"
    size = backup(engine, target)
    assert size == target.stat().st_size > 0
    magic = b"SQLite format 3\x00" if engine.dialect.name == "sqlite" else b"PGDMP"
    assert target.read_bytes().startswith(magic)
    with pytest.raises(Invalid, match="the file exists"):
        backup(engine, target)  # never over an older backup


def test_no_database_is_no_backup_and_none_is_made(tmp_path: Path) -> None:
    from goodwill.db import make_engine

    missing = tmp_path / "nowhere" / "goodwill.db"
    engine = make_engine(f"sqlite:///{missing}")
    try:
        with pytest.raises(Invalid, match="nothing to back up"):
            backup(engine, tmp_path / "copy.db")
    finally:
        engine.dispose()
    assert not missing.exists()
    assert not (tmp_path / "copy.db").exists()


def test_the_web_backup_names_pg_dump_on_postgresql(
    engine: Engine, shop: Shop, client_as: Callable[[str], Client]
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's page; SQLite's download is above")
    response = client_as("admin").get("/backup")
    assert response.status_code == 422
    assert "pg_dump" in response.text
    assert "pg_dump --format=custom" in client_as("admin").get("/export").text


def test_goodwill_backup_on_the_command_line(configured: str, shop: Shop, tmp_path: Path) -> None:
    target = tmp_path / "cli.backup"
    done = subprocess.run(
        [sys.executable, "-m", "goodwill", "backup", str(target), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f'"bytes": {target.stat().st_size}' in done.stdout
    again = subprocess.run(
        [sys.executable, "-m", "goodwill", "backup", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert again.returncode != 0
    assert "the file exists" in again.stderr + again.stdout
