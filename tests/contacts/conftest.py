"""A second fresh database on the same engine, for export-then-import round trips."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from goodwill.db import make_engine

_counter = itertools.count()


@pytest.fixture
def other_engine(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on another fresh, migrated database of the same kind as ``db_url``."""
    if db_url.startswith("sqlite"):
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "other.db"
        shutil.copyfile(template, path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
        return
    base: str = request.getfixturevalue("pg_base_url")
    name = f"other{next(_counter)}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"CREATE DATABASE {name} TEMPLATE goodwill_template"))
    eng = make_engine(f"{base}/{name}")
    yield eng
    eng.dispose()
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()
