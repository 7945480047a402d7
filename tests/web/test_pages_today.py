"""Today: another day's plan is looked at, never made (looking writes nothing: no plans for
the whole team, no scores of that week); today's is made on the first look; doing an item
about a promise records whom it reached and can keep the promise."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.agenda.playbook import PROMISE_RULES
from goodwill.models import PlanItem, Promise, PromiseStatus, Touch
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


def test_doing_a_promise_item_records_the_person_and_keeps_the_promise(
    engine: Engine, shop: Shop, client_as: Callable[[str], Client]
) -> None:
    member = client_as("member")
    with Session(engine) as s:
        item = s.scalars(
            select(PlanItem).where(
                PlanItem.member_id == shop.member, PlanItem.rule.in_(PROMISE_RULES)
            )
        ).one()
        item_id = item.id
    page = member.get("/today").text
    card = page[page.index(f'id="item-{item_id}"') :]
    card = card[: card.index("</article>")]
    assert 'name="kept_promise" value="true" checked' in card
    assert f'<option value="{shop.pat}" selected>Pat Lee</option>' in card
    other = next(  # an item about no promise offers no such box
        i for i in page.split('id="item-')[1:] if not i.startswith(f'{item_id}"')
    )
    assert "kept_promise" not in other[: other.index("</article>")]

    done = member.form_post(
        f"/today/items/{item_id}/done",
        {"summary": "Sent the specs", "contact_id": str(shop.pat), "kept_promise": "true"},
        headers={"hx-request": "true"},
    )
    assert done.status_code == 200, done.text
    with Session(engine) as s:
        settled = s.get(PlanItem, item_id)
        assert settled is not None
        assert settled.touch_id is not None
        touch = s.get(Touch, settled.touch_id)
        assert touch is not None
        assert [c.id for c in touch.contacts] == [shop.pat]
        promise = s.get(Promise, shop.promise)
        assert promise is not None
        assert touch.promise_id == promise.id
        assert promise.status == PromiseStatus.KEPT


def test_doing_an_item_with_nobody_in_particular_records_no_person(
    engine: Engine, shop: Shop, client_as: Callable[[str], Client]
) -> None:
    member = client_as("member")
    with Session(engine) as s:
        item_id = s.scalars(
            select(PlanItem.id).where(
                PlanItem.member_id == shop.member, PlanItem.rule.in_(PROMISE_RULES)
            )
        ).one()
    done = member.form_post(
        f"/today/items/{item_id}/done",
        {"summary": "Left a message", "contact_id": ""},  # the form's "nobody" option
        headers={"hx-request": "true"},
    )
    assert done.status_code == 200, done.text
    with Session(engine) as s:
        settled = s.get(PlanItem, item_id)
        assert settled is not None
        touch = s.get(Touch, settled.touch_id)
        assert touch is not None
        assert touch.contacts == []
        promise = s.get(Promise, shop.promise)
        assert promise is not None
        assert promise.status == PromiseStatus.OPEN  # the box was not sent: not kept
