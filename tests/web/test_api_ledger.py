"""REST API over quotes, promises, Today, scores and briefs: happy paths and refusals per role."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.models import (
    HealthWeek,
    PlanItem,
    Promise,
    PromiseStatus,
    Quote,
    account_owner,
)
from goodwill.models.types import utcnow
from tests.web.api_world import ApiWorld, api, assert_problem, count, world

__all__ = ["api", "world"]  # fixtures
Api = Callable[[str | None], TestClient]


# --- quotes -------------------------------------------------------------------------------


def test_open_quotes_by_age_then_add_and_decide_one(api: Api, world: ApiWorld) -> None:
    client = api("member")
    page = client.get("/api/v1/quotes", params={"account": world.account_id}).json()
    assert page["total"] == 3
    ages = [q["age_days"] for q in page["items"]]
    assert ages == sorted(ages, reverse=True)  # oldest first
    made = client.post(
        "/api/v1/quotes",
        json={"account_id": world.account_id, "amount_minor": 1250000, "description": "Racking"},
    )
    assert made.status_code == 201, made.text
    assert made.json()["member"] == "Mia Member"
    won = client.post(f"/api/v1/quotes/{made.json()['id']}/decision", json={"outcome": "won"})
    assert won.json()["status"] == "won"
    again = client.post(f"/api/v1/quotes/{made.json()['id']}/decision", json={"outcome": "lost"})
    assert_problem(again, 409)
    assert client.get(f"/api/v1/quotes/{made.json()['id']}").json()["status"] == "won"


def test_the_hit_ratio_by_member_is_a_managers_review(api: Api, world: ApiWorld) -> None:
    team = api("member").get("/api/v1/quotes/ratio").json()
    assert team["total"]["won"] == 5  # 3 + 2 decided as won in the seeded world
    assert_problem(api("member").get("/api/v1/quotes/ratio", params={"by": "member"}), 403)
    rows = api("manager").get("/api/v1/quotes/ratio", params={"by": "member"}).json()["rows"]
    assert {r["key"] for r in rows} == {"Mia Member", "Max Manager"}
    assert_problem(api("member").get("/api/v1/quotes/ratio", params={"per": "day"}), 422)


def test_a_quote_for_a_missing_account_adds_nothing(api: Api, engine: Engine) -> None:
    before = count(engine, Quote)
    missing = api("member").post("/api/v1/quotes", json={"account_id": 99999, "amount_minor": 5})
    assert_problem(missing, 404)
    assert count(engine, Quote) == before


# --- promises -----------------------------------------------------------------------------


def test_promises_due_and_overdue(api: Api, world: ApiWorld) -> None:
    client = api("member")
    every = client.get("/api/v1/promises").json()
    assert every["total"] == 9
    overdue = client.get("/api/v1/promises", params={"overdue": True}).json()
    assert overdue["total"] == 4  # 3 of Thayer's 6, 1 of Ridley's 3
    assert all(p["overdue"] for p in overdue["items"])
    soon = client.get("/api/v1/promises", params={"due_within": 0, "limit": 1}).json()
    assert soon["total"] == 6
    assert len(soon["items"]) == 1


def test_a_member_makes_and_keeps_their_own_promise(api: Api, world: ApiWorld) -> None:
    client = api("member")
    due = (utcnow().date() + timedelta(days=7)).isoformat()
    made = client.post(
        "/api/v1/promises",
        json={"account_id": world.account_id, "what": "Send the catalogue", "due_on": due},
    )
    assert made.status_code == 201, made.text
    kept = client.post(f"/api/v1/promises/{made.json()['id']}/kept", json={})
    assert kept.json()["status"] == "kept"
    assert_problem(client.post(f"/api/v1/promises/{made.json()['id']}/cancel"), 409)


@pytest.mark.parametrize("verb", ["kept", "cancel", "broken"])
def test_a_member_cannot_settle_someone_elses_promise(
    api: Api, engine: Engine, world: ApiWorld, verb: str
) -> None:
    refused = api("member").post(f"/api/v1/promises/{world.manager_promise_id}/{verb}", json={})
    assert_problem(refused, 403)
    with Session(engine) as s:
        promise = s.get(Promise, world.manager_promise_id)
        assert promise is not None
        assert promise.status == PromiseStatus.OPEN
    done = api("manager").post(f"/api/v1/promises/{world.member_promise_id}/{verb}", json={})
    assert done.status_code == 200, done.text


def test_the_kept_ratio(api: Api, world: ApiWorld) -> None:
    report = api("member").get("/api/v1/promises/ratio").json()
    assert report["by"] == "account"
    assert report["total"]["overdue"] == 4
    assert_problem(api("member").get("/api/v1/promises/ratio", params={"by": "member"}), 403)
    assert api("manager").get("/api/v1/promises/ratio", params={"by": "member"}).status_code == 200


# --- Today ----------------------------------------------------------------------------------


def test_today_is_the_callers_plan_and_a_managers_review(api: Api, world: ApiWorld) -> None:
    mine = api("member").get("/api/v1/today").json()
    assert mine["member"] == "Mia Member"
    assert mine["items"], "the seeded world gives the member something to do"
    theirs = api("member").get("/api/v1/today", params={"member": world.people["manager"].id})
    assert_problem(theirs, 403)
    review = api("manager").get("/api/v1/today", params={"member": world.people["member"].id})
    assert review.json()["member"] == "Mia Member"


def test_plan_items_are_done_snoozed_and_dismissed(
    api: Api, engine: Engine, world: ApiWorld
) -> None:
    # The co-owned account goes to one of its owners by a hash of the day: make it the
    # member's alone, so the member's plan holds all three of its accounts on any day.
    with engine.begin() as connection:
        connection.execute(
            delete(account_owner).where(
                account_owner.c.account_id == world.other_account_id,
                account_owner.c.member_id == world.people["manager"].id,
            )
        )
    client = api("member")
    items = client.get("/api/v1/today").json()["items"]
    assert len(items) >= 3
    first, second, third = (i["id"] for i in items[:3])
    done = client.post(f"/api/v1/today/items/{first}/done", json={"summary": "Called them"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done"
    assert done.json()["touch_id"]
    tomorrow = (utcnow().date() + timedelta(days=1)).isoformat()
    snoozed = client.post(f"/api/v1/today/items/{second}/snooze", json={"until": tomorrow})
    assert snoozed.json()["status"] == "snoozed"
    dismissed = client.post(f"/api/v1/today/items/{third}/dismiss", json={"reason": "At the show"})
    assert dismissed.json()["status"] == "dismissed"
    assert_problem(client.post(f"/api/v1/today/items/{first}/dismiss", json={"reason": "x"}), 409)


def test_nobody_settles_another_members_item(api: Api, engine: Engine, world: ApiWorld) -> None:
    items = api("manager").get("/api/v1/today", params={"member": world.people["member"].id})
    item = items.json()["items"][0]["id"]
    before = count(engine, PlanItem)
    refused = api("admin").post("/api/v1/today/items/999999/done", json={"summary": "x"})
    assert_problem(refused, 404)
    # A member who does not own the item is refused and nothing changes.
    api("admin").post("/api/v1/members", json={"name": "Rae Rep", "email": "rae@example.com"})
    with Session(engine) as s:
        row = s.scalars(select(PlanItem).where(PlanItem.id == item)).one()
        assert row.status.value == "open"
    assert count(engine, PlanItem) == before


# --- scores and briefs ----------------------------------------------------------------------


def test_scores_are_run_by_a_manager_and_read_by_all(
    api: Api, engine: Engine, world: ApiWorld
) -> None:
    assert_problem(api("member").get("/api/v1/scores/top"), 404)  # a GET never scores
    assert_problem(api("member").post("/api/v1/scores", json={}), 403)
    assert count(engine, HealthWeek) == 0
    report = api("manager").post("/api/v1/scores", json={}).json()
    assert report["accounts"] == 3
    team = api("manager").get("/api/v1/scores/top").json()
    assert {a["name"] for a in team["accounts"]} == {
        "Thayer Hydraulics",
        "Ridley Fasteners",
        "Cobb Castings",
    }
    mine = api("member").get("/api/v1/scores/top").json()
    assert mine["member"] == "member@goodwill-test.com"  # a member reviews their own
    others = api("member").get("/api/v1/scores/top", params={"member": world.people["manager"].id})
    assert_problem(others, 403)
    health = api("member").get(f"/api/v1/accounts/{world.account_id}/health").json()
    assert health["health"]["name"] == "Thayer Hydraulics"
    assert len(health["history"]) == 1


def test_the_brief_as_json_and_as_markdown(api: Api, world: ApiWorld) -> None:
    client = api("member")
    brief = client.get(f"/api/v1/accounts/{world.account_id}/brief").json()
    assert brief["overview"]["name"] == "Thayer Hydraulics"
    assert len(brief["questions"]) == 5
    text = client.get(f"/api/v1/accounts/{world.account_id}/brief", params={"format": "markdown"})
    assert text.headers["content-type"].startswith("text/markdown")
    assert "Thayer Hydraulics" in text.text
    assert_problem(client.get(f"/api/v1/accounts/{world.account_id}/brief?format=pdf"), 422)
