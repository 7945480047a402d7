"""``goodwill today``, ``done``, ``snooze``, ``dismiss``, ``calendar`` and ``brief``, as typed."""

from __future__ import annotations

from pathlib import Path

from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.models import PlanItem, PlanStatus, Touch
from tests.accounts.commands import as_json, failure, ok
from tests.agenda.world import DAY, build_world

ANN = "ann@goodwill-demo.com"
OLA = "ola@goodwill-demo.com"


def test_today_shows_the_plan_in_words_and_json(configured: str, session: Session) -> None:
    build_world(session)
    session.commit()
    plan = as_json("today", "--date", DAY.isoformat(), member=ANN)
    assert plan["member"] == "Ann Smith"
    assert [i["account"] for i in plan["items"]][:2] == ["Acme Tools", "Birch Supply"]
    text = ok("today", "--date", DAY.isoformat(), member=ANN).stdout
    assert "Today for Ann Smith" in text
    assert "Keep the promise" in text
    assert "Sam Roe" in text
    # Stored text is shown literally, never as markup.
    assert "<script>alert(1)</script>" in text


def test_done_snooze_and_dismiss_settle_items(configured: str, session: Session) -> None:
    build_world(session)
    session.commit()
    items = as_json("today", "--date", DAY.isoformat(), member=ANN)["items"]
    first, second = items[0]["id"], items[1]["id"]
    done = as_json("done", str(first), "Sent the specs", "--contact", "Sam Roe", member=ANN)
    assert done["status"] == "done"
    touch = session.get(Touch, done["touch_id"])
    assert touch is not None
    assert [c.name for c in touch.contacts] == ["Sam Roe"]
    session.rollback()  # end the read, so the next commands can write
    assert "someone else's" in failure("dismiss", str(second), "--reason", "no", member=OLA)
    out = ok("snooze", str(second), "--until", "2026-11-30", "--reason", "budget", member=ANN)
    assert "Snoozed Birch Supply until 2026-11-30" in out.stdout
    assert "already snoozed" in failure("dismiss", str(second), "--reason", "x", member=ANN)
    session.expire_all()
    statuses = dict(session.execute(select(PlanItem.id, PlanItem.status)).all())
    assert statuses[first] == PlanStatus.DONE
    assert statuses[second] == PlanStatus.SNOOZED


def test_calendar_and_brief_write_files(configured: str, session: Session, tmp_path: Path) -> None:
    build_world(session)
    session.commit()
    ok("today", "--date", DAY.isoformat(), member=ANN)
    ics = tmp_path / "ann.ics"
    ok("calendar", "--from", DAY.isoformat(), "--output", str(ics), member=ANN)
    events = list(Calendar.from_ical(ics.read_bytes()).walk("VEVENT"))
    assert len(events) >= 3  # two plan items and a promise
    page = tmp_path / "acme.html"
    ok("brief", "Acme Tools", "--today", DAY.isoformat(), "--output", str(page))
    html = page.read_text(encoding="utf-8")
    assert "Meeting brief: Acme Tools" in html
    assert "<script>" not in html
    assert ".md or .html" in failure("brief", "Acme Tools", "--output", str(tmp_path / "x.pdf"))
