"""Today on another day: anyone may look at a past or future day's plan, and looking writes
nothing (no plans for the whole team, no scores of that week); today's plan is still made on
the first look."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from tests.web.conftest import Client, Shop


def _rows(engine: Engine) -> dict[str, int]:
    """Rows in every table but the sign-in sessions (a look marks the session as seen)."""
    tables = [
        t
        for t in inspect(engine).get_table_names()
        if t not in {"alembic_version", "web_session"} and not t.startswith("account_search")
    ]
    with engine.connect() as c:
        return {t: int(c.scalar(text(f"SELECT count(*) FROM {t}")) or 0) for t in tables}


def test_looking_at_another_day_changes_nothing(
    engine: Engine, shop: Shop, client_as: Callable[[str], Client]
) -> None:
    member = client_as("member")
    manager = client_as("manager")
    before = _rows(engine)
    assert before["plan_item"] > 0  # today's plans are made: the shop made them
    future = shop.day + timedelta(days=40)
    past = shop.day - timedelta(days=30)
    for who, day in ((member, future), (member, past), (manager, future)):
        page = who.get(f"/today?day={day.isoformat()}")
        assert page.status_code == 200, page.text[:300]
        assert "Plan of" in page.text
        said = "Plans are made on the morning" if day > shop.day else "No plan was made"
        assert said in page.text
        assert who.get(f"/today/summary?day={day.isoformat()}").status_code == 200
        api = who.get(f"/api/v1/today?day={day.isoformat()}")
        assert api.status_code == 200, api.text
        assert api.json()["items"] == []
        assert who.get(f"/notes?day={day.isoformat()}").status_code == 200
    assert _rows(engine) == before


def test_todays_plan_is_made_on_the_first_look(
    engine: Engine, shop: Shop, client_as: Callable[[str], Client]
) -> None:
    with engine.begin() as c:
        c.execute(text("DELETE FROM plan_item"))
        c.execute(text("DELETE FROM plan_day"))
    page = client_as("member").get("/today")
    assert page.status_code == 200
    assert "<h1>Today</h1>" in page.text
    assert _rows(engine)["plan_item"] > 0
