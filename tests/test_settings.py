"""Settings: each one is documented, and the embedded default is a SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from goodwill.config import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented_in_the_readme(name: str) -> None:
    assert f"GOODWILL_{name.upper()}" in README.read_text(encoding="utf-8")


def test_every_setting_has_a_description() -> None:
    undocumented = [n for n, f in Settings.model_fields.items() if not f.description]
    assert undocumented == []


def test_the_default_database_is_a_sqlite_file_in_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOODWILL_DATABASE_URL", raising=False)
    monkeypatch.setenv("GOODWILL_DATA_DIR", str(tmp_path))
    assert Settings().resolved_database_url == f"sqlite:///{tmp_path / 'goodwill.db'}"


def test_a_configured_database_url_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOODWILL_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert Settings().resolved_database_url == "postgresql+psycopg://u@h/db"
