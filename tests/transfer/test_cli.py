"""`goodwill import` and `goodwill export` from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.models import Order
from tests.accounts.commands import invoke, ok
from tests.transfer.files import seed, write

ORDERS = (
    "account,external_id,ordered_on,amount\nA-1,SO-1,2026-01-02,10.00\nB-2,SO-2,2026-01-03,-1\n"
)


def test_import_prints_what_it_did_and_json(
    configured: str, session: Session, tmp_path: Path
) -> None:
    seed(session)
    path = write(tmp_path, "orders.csv", ORDERS)
    dry = ok("import", "orders", str(path), "--dry-run").stdout
    assert "orders.csv: would change 2 orders: 2 new, 0 updated, 0 unchanged" in dry
    assert "dry run" in dry
    out = ok("import", "orders", str(path)).stdout
    assert "orders.csv: imported 2 orders: 2 new, 0 updated, 0 unchanged" in out
    again = json.loads(ok("import", "orders", str(path), "--json").stdout)
    assert again["ok"] is True
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert session.scalar(select(func.count()).select_from(Order)) == 2


def test_import_options_reach_the_reader(configured: str, session: Session, tmp_path: Path) -> None:
    seed(session)
    text = "Kunde;Nr;Datum;Betrag\nA-1;R-1;31.01.2026;1.234,56\n"
    path = write(tmp_path, "erp.csv", text, encoding="cp1252")
    ok(
        "import",
        "orders",
        str(path),
        "--map",
        "Kunde=account",
        "--map",
        "Nr=external_id",
        "--map",
        "Datum=ordered_on",
        "--map",
        "Betrag=amount",
        "--date-format",
        "%d.%m.%Y",
        "--decimal-comma",
        "--encoding",
        "cp1252",
    )
    assert session.scalar(select(Order.amount_minor)) == 123456


def test_failed_import_lists_every_problem_then_one_error(
    configured: str, session: Session, tmp_path: Path
) -> None:
    seed(session)
    bad = "account,external_id,ordered_on,amount\nA-1,SO-1,someday,10\nZ-9,SO-2,2026-01-01,x\n"
    path = write(tmp_path, "bad.csv", bad)
    result = invoke("import", "orders", str(path))
    assert result.exit_code == 1
    message = str(result.exception)
    assert message.startswith("bad.csv, line 2, column 'ordered_on': value 'someday'")
    assert "(and 2 more problems); nothing was imported" in message
    assert "line 3, column 'account': value 'Z-9'" in result.stderr
    assert "line 3, column 'amount': value 'x'" in result.stderr
    report = json.loads(invoke("import", "orders", str(path), "--json").stdout)
    assert (report["ok"], report["total"]) == (False, 3)
    assert report["problems"][0] == {
        "file": "bad.csv",
        "line": 2,
        "column": "ordered_on",
        "value": "someday",
        "reason": report["problems"][0]["reason"],
    }
    assert session.scalar(select(func.count()).select_from(Order)) == 0


def test_export_then_import_from_the_command_line(
    configured: str, session: Session, tmp_path: Path
) -> None:
    seed(session)
    ok("import", "orders", str(write(tmp_path, "orders.csv", ORDERS)))
    out = tmp_path / "out.csv"
    assert "exported 2 orders" in ok("export", "orders", str(out)).stdout
    assert out.read_text(encoding="utf-8-sig").splitlines()[1] == "A-1,SO-1,2026-01-02,10.00,"
    again = json.loads(ok("import", "orders", str(out), "--json").stdout)
    assert again["unchanged"] == 2


def test_the_installed_command_prints_one_line_on_a_bad_file(
    configured: str, session: Session, tmp_path: Path
) -> None:
    seed(session)
    path = write(tmp_path, "latin.csv", ORDERS.replace("SO-1", "Bücher"), encoding="latin-1")
    env = os.environ | {"GOODWILL_DATABASE_URL": configured, "COLUMNS": "300"}
    done = subprocess.run(
        [sys.executable, "-m", "goodwill", "import", "orders", str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: latin.csv, line 2: byte 0xFC at character 6")
    assert "nothing was imported" in lines[0]
