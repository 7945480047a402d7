"""The command as a user runs it: a real process, one clear line on error, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from goodwill.db import make_engine


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``goodwill`` in a child process with only the given GOODWILL_ settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GOODWILL_")}
    return subprocess.run(
        [sys.executable, "-m", "goodwill", *args],
        env={**clean, **env, "COLUMNS": "120"},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_init_creates_the_embedded_database_in_the_data_folder(tmp_path: Path) -> None:
    result = run(["init"], {"GOODWILL_DATA_DIR": str(tmp_path / "data")}, tmp_path)
    assert result.returncode == 0, result.stderr
    db = tmp_path / "data" / "goodwill.db"
    assert str(db) in result.stdout.replace("\n", "")
    tables = set(inspect(make_engine(f"sqlite:///{db}")).get_table_names())
    assert {"account", "contact", "touch", "sales_order", "quote", "promise", "fact"} <= tables


def test_init_on_postgresql(configured: str, tmp_path: Path) -> None:
    result = run(["init"], {"GOODWILL_DATABASE_URL": configured}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Database ready" in result.stdout


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://nobody@127.0.0.1:1/goodwill",
        "sqlite:///{tmp}/a-file/goodwill.db",
    ],
    ids=["unreachable-server", "folder-is-a-file"],
)
def test_a_database_that_cannot_be_used_is_one_line_not_a_traceback(
    url: str, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    result = run(["init"], {"GOODWILL_DATABASE_URL": url.format(tmp=tmp_path)}, tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error:")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["log", "Acme", "--channel", "fax"], "'fax' is not one of 'call'"),
        (["log", "Acme", "--sentiment", "5"], "less than or equal to 2"),
        (["log"], "Missing argument 'ACCOUNT'"),
        (["nosuch"], "No such command 'nosuch'"),
    ],
    ids=["bad-choice", "out-of-range", "missing-argument", "unknown-command"],
)
def test_a_mistyped_command_is_one_line_with_where_to_read_more(
    args: list[str], expected: str, tmp_path: Path
) -> None:
    result = run(args, {"GOODWILL_DATA_DIR": str(tmp_path / "data")}, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:")
    assert expected in lines[0]
    assert "--help)" in lines[0]
    assert "Value error" not in lines[0]


def test_help_still_works_and_exits_zero(tmp_path: Path) -> None:
    result = run(["--help"], {"GOODWILL_DATA_DIR": str(tmp_path / "data")}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout
    assert "init" in result.stdout


def test_a_bug_is_one_line_and_its_traceback_is_kept_for_the_report(
    configured: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from goodwill import schema
    from goodwill.cli import main as cli_main
    from goodwill.config import get_settings

    def broken(engine: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(schema, "upgrade", broken)
    monkeypatch.setattr(sys, "argv", ["goodwill", "init"])
    with pytest.raises(SystemExit) as exited:
        cli_main.main()
    assert exited.value.code == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "unexpected RuntimeError: boom" in err
    kept = get_settings().data_dir / "last-error.txt"
    assert "Traceback" in kept.read_text(encoding="utf-8")
