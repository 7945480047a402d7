"""Test fixtures: every database test runs on a real SQLite file and a real PostgreSQL server.

Each test gets a fresh database copied from a migrated template, so tests may commit.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill import schema
from goodwill.config import get_settings
from goodwill.db import make_engine, reset_engine
from tests.pg import postgres_server

ENGINES = ["sqlite", "postgresql"]
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_base_url() -> Iterator[str]:
    """A PostgreSQL server private to this test process, with a migrated template database."""
    with postgres_server() as base:
        admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text("CREATE DATABASE goodwill_template"))
        template = make_engine(f"{base}/goodwill_template")
        schema.upgrade(template)
        template.dispose()
        admin.dispose()
        yield base


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("template") / "goodwill.db"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    engine.dispose()  # closing the last connection checkpoints the WAL into the file
    assert not path.with_name("goodwill.db-wal").exists()
    return path


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, migrated database on each engine."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "goodwill.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    base: str = request.getfixturevalue("pg_base_url")
    name = f"t{next(_counter)}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"CREATE DATABASE {name} TEMPLATE goodwill_template"))
    yield f"{base}/{name}"
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the fresh database."""
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the fresh database, acting as 'test'; rolled back if left open."""
    with Session(engine, expire_on_commit=False) as s:
        s.info["actor"] = "test"
        yield s


@pytest.fixture
def configured(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """Point Goodwill's settings (and so the CLI) at the fresh database."""
    monkeypatch.setenv("GOODWILL_DATABASE_URL", db_url)
    monkeypatch.setenv("GOODWILL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("GOODWILL_MEMBER", raising=False)
    get_settings.cache_clear()
    reset_engine()
    yield db_url
    reset_engine()
    get_settings.cache_clear()
