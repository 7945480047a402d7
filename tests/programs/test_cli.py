"""``goodwill program``, ``notes print`` and ``digest``, as typed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from tests.accounts.commands import as_json, failure, ok
from tests.programs.world import DAY, build

MIA = "mia@goodwill-demo.com"
OLA = "ola@goodwill-demo.com"


def test_a_first_thank_you_note_program_from_the_command_line(
    configured: str, session: Session, tmp_path: Path
) -> None:
    build(session)
    session.commit()
    day = DAY.isoformat()
    assert "manager" in failure("program", "create", "Notes", "--today", day, member=OLA)
    made = as_json(
        "program",
        "create",
        "Notes",
        "--recipients",
        "customer",
        "--recipients",
        "supplier",
        "--seed",
        "5",
        "--window",
        "60",
        "--today",
        day,
        member=MIA,
    )
    assert made["assigned"] + made["holdout"] == 32
    assert made["seed"] == 5
    listed = as_json("program", "list")
    assert [p["name"] for p in listed] == ["Notes"]
    shown = as_json("program", "show", "notes", "--targets", "--arm", "assigned")
    assert len(shown["targets"]) == made["assigned"]
    out = tmp_path / "notes.pdf"
    printed = ok("notes", "print", "--member", OLA, "--date", day, "-o", str(out))
    assert "1 notes" in printed.stdout
    assert out.read_bytes().startswith(b"%PDF")
    planned = next(
        t for t in as_json("program", "show", "Notes", "--targets")["targets"] if t["plan_item_id"]
    )
    response = as_json(
        "program", "respond", str(planned["id"]), "called_back", "--on", day, member=OLA
    )
    assert response["kind"] == "called_back"
    report = ok("program", "report", "Notes", "--today", day).stdout
    assert "held out" in report
    assert "window closes on 2027-01-22" in report
    text = ok("digest", "--week", day, "--today", day).stdout
    assert "RESPONSES RECEIVED" in text
    assert "called back" in text
    assert "GOODWILL_SMTP_HOST" in failure("digest", "--send", "--week", day)
    stopped = as_json("program", "stop", "Notes", "--today", day, member=MIA)
    assert stopped["status"] == "stopped"
