"""REST API over the records: members, accounts, contacts, facts, orders and touches.

Each resource: its happy path, a refusal per role that changes nothing, and for lists the
page envelope, its bounds and the allow-listed filters.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from goodwill.models import Account, Contact, Fact, Member, Touch
from tests.web.api_world import ApiWorld, a_moment_ago, api, assert_problem, count, world

__all__ = ["api", "world"]  # fixtures
Api = Callable[[str | None], TestClient]


# --- members ------------------------------------------------------------------------------


def test_everyone_lists_the_team_in_pages(api: Api, world: ApiWorld) -> None:
    page = api("member").get("/api/v1/members", params={"limit": 2}).json()
    assert page["total"] == 3
    assert page["limit"] == 2
    assert page["offset"] == 0
    assert [m["name"] for m in page["items"]] == ["Ada Admin", "Max Manager"]
    rest = api("member").get("/api/v1/members", params={"limit": 2, "offset": 2}).json()
    assert [m["name"] for m in rest["items"]] == ["Mia Member"]


def test_an_admin_adds_a_member_and_changes_their_role(api: Api, engine: Engine) -> None:
    made = api("admin").post(
        "/api/v1/members", json={"name": "Nia New", "email": "Nia@Example.com"}
    )
    assert made.status_code == 201, made.text
    assert made.json()["email"] == "nia@example.com"
    changed = (
        api("admin").patch(f"/api/v1/members/{made.json()['id']}", json={"role": "manager"}).json()
    )
    assert changed["role"] == "manager"
    gone = api("admin").patch(f"/api/v1/members/{changed['id']}", json={"active": False})
    assert gone.json()["active"] is False


@pytest.mark.parametrize("role", ["member", "manager"])
def test_only_an_admin_adds_members(api: Api, engine: Engine, role: str) -> None:
    before = count(engine, Member)
    body = assert_problem(
        api(role).post("/api/v1/members", json={"name": "Sly", "email": "sly@example.com"}), 403
    )
    assert "admin" in body["detail"]
    assert count(engine, Member) == before


def test_the_last_admin_cannot_be_demoted(api: Api, world: ApiWorld) -> None:
    admin = world.people["admin"].id
    assert_problem(api("admin").patch(f"/api/v1/members/{admin}", json={"role": "member"}), 409)
    assert api("admin").get(f"/api/v1/members/{admin}").json()["role"] == "admin"


def test_a_deactivated_members_token_stops_working(api: Api, world: ApiWorld) -> None:
    member = world.people["member"].id
    api("admin").patch(f"/api/v1/members/{member}", json={"active": False})
    assert_problem(api("member").get("/api/v1/today"), 401)


# --- accounts -----------------------------------------------------------------------------


def test_accounts_are_searched_and_filtered(api: Api, world: ApiWorld) -> None:
    client = api("member")
    every = client.get("/api/v1/accounts").json()
    assert every["total"] == 3
    names = [a["name"] for a in every["items"]]
    assert names == ["Cobb Castings", "Ridley Fasteners", "Thayer Hydraulics"]
    found = client.get("/api/v1/accounts", params={"q": "thayer"}).json()
    assert found["items"][0]["id"] == world.account_id
    owned = client.get("/api/v1/accounts", params={"owner": world.people["manager"].id}).json()
    assert [a["id"] for a in owned["items"]] == [world.other_account_id]
    assert client.get("/api/v1/accounts", params={"kind": "supplier"}).json()["total"] == 0


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 501},
        {"offset": -1},
        {"kind": "prospect"},
        {"flag": "dormant"},
        {"arrow": "sideways"},
        {"colour": "red"},  # not a filter of this list
        {"sort": "name"},
    ],
)
def test_a_list_refuses_what_it_does_not_allow(
    api: Api, world: ApiWorld, params: dict[str, object]
) -> None:
    body = assert_problem(api("member").get("/api/v1/accounts", params=params), 422)
    assert body["errors"], body
    assert body["errors"][0]["where"] == f"query.{next(iter(params))}"


def test_the_largest_page_is_allowed(api: Api, world: ApiWorld) -> None:
    page = api("member").get("/api/v1/accounts", params={"limit": 500, "offset": 1}).json()
    assert (page["limit"], page["offset"], page["total"], len(page["items"])) == (500, 1, 3, 2)


def test_an_account_overview_and_a_missing_one(api: Api, world: ApiWorld) -> None:
    view = api("member").get(f"/api/v1/accounts/{world.account_id}").json()
    assert view["name"] == "Thayer Hydraulics"
    assert len(view["people"]) == 6
    body = assert_problem(api("member").get("/api/v1/accounts/999999"), 404)
    assert body["title"] == "Not found"


def test_an_admin_creates_and_changes_an_account(api: Api, world: ApiWorld) -> None:
    made = api("admin").post(
        "/api/v1/accounts",
        json={
            "name": "Quill & Co",
            "external_id": "Q-9",
            "tier": "A",
            "country": "Germany",
            "owner_ids": [world.people["member"].id],
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["country"] == "DE"
    assert [o["name"] for o in made.json()["owners"]] == ["Mia Member"]
    changed = (
        api("admin")
        .patch(f"/api/v1/accounts/{made.json()['id']}", json={"tier": "B", "phone": None})
        .json()
    )
    assert (changed["tier"], changed["name"], changed["phone"]) == ("B", "Quill & Co", None)


@pytest.mark.parametrize("role", ["member", "manager"])
def test_only_an_admin_creates_accounts(
    api: Api, engine: Engine, world: ApiWorld, role: str
) -> None:
    before = count(engine, Account)
    assert_problem(api(role).post("/api/v1/accounts", json={"name": "Sneaky Ltd"}), 403)
    patched = api(role).patch(f"/api/v1/accounts/{world.account_id}", json={"name": "Renamed"})
    assert_problem(patched, 403)
    assert count(engine, Account) == before
    view = api("member").get(f"/api/v1/accounts/{world.account_id}").json()
    assert view["name"] == "Thayer Hydraulics"


def test_a_taken_external_id_is_a_conflict_and_changes_nothing(
    api: Api, engine: Engine, world: ApiWorld
) -> None:
    before = count(engine, Account)
    taken = api("admin").post("/api/v1/accounts", json={"name": "Copy", "external_id": "T-1"})
    assert_problem(taken, 409)
    assert count(engine, Account) == before


# --- contacts and facts -----------------------------------------------------------------------


def test_people_are_listed_added_and_changed(api: Api, world: ApiWorld) -> None:
    client = api("member")
    people = client.get(f"/api/v1/accounts/{world.account_id}/contacts").json()
    assert people["total"] == 6
    made = client.post(
        f"/api/v1/accounts/{world.account_id}/contacts",
        json={"name": "Pat Lee", "email": "PAT@thayer.example", "preferred_channel": "visit"},
    )
    assert made.status_code == 201, made.text
    assert made.json()["email"] == "pat@thayer.example"
    changed = client.patch(f"/api/v1/contacts/{made.json()['id']}", json={"title": "Buyer"})
    assert changed.json()["title"] == "Buyer"
    assert client.get(f"/api/v1/contacts/{made.json()['id']}").json()["title"] == "Buyer"


def test_a_bad_email_adds_nobody(api: Api, engine: Engine, world: ApiWorld) -> None:
    before = count(engine, Contact)
    bad = api("member").post(
        f"/api/v1/accounts/{world.account_id}/contacts", json={"name": "X", "email": "not-mail"}
    )
    assert_problem(bad, 422)
    assert count(engine, Contact) == before
    assert_problem(api(None).get(f"/api/v1/contacts/{world.contact_id}"), 401)


def test_facts_are_listed_and_recorded_as_the_callers(api: Api, world: ApiWorld) -> None:
    client = api("member")
    before = client.get(f"/api/v1/accounts/{world.account_id}/facts").json()["total"]
    made = client.post(
        f"/api/v1/accounts/{world.account_id}/facts",
        json={"kind": "goal", "text": "Open a second plant", "period": "2030-Q1"},
    )
    assert made.status_code == 201, made.text
    assert made.json()["learned_by"] == "Mia Member"
    after = client.get(f"/api/v1/accounts/{world.account_id}/facts").json()
    assert after["total"] == before + 1
    assert after["items"][0]["text"] == "Open a second plant"


def test_a_fact_about_another_accounts_person_is_refused(
    api: Api, engine: Engine, world: ApiWorld
) -> None:
    before = count(engine, Fact)
    refused = api("member").post(
        f"/api/v1/accounts/{world.account_id}/facts",
        json={"kind": "family", "text": "Two kids", "contact_id": world.other_contact_id},
    )
    assert_problem(refused, 422)
    assert count(engine, Fact) == before


# --- orders and touches -------------------------------------------------------------------


def test_orders_are_read_in_pages_newest_first(api: Api, world: ApiWorld) -> None:
    page = (
        api("member")
        .get(f"/api/v1/accounts/{world.account_id}/orders", params={"limit": 4, "offset": 1})
        .json()
    )
    assert page["total"] == 6
    assert [o["external_id"] for o in page["items"]] == ["O1", "O2", "O3", "O4"]
    assert api("member").post(f"/api/v1/accounts/{world.account_id}/orders").status_code == 405


def test_a_touch_is_logged_as_the_caller_and_shows_first(api: Api, world: ApiWorld) -> None:
    client = api("member")
    made = client.post(
        f"/api/v1/accounts/{world.account_id}/touches",
        json={
            "summary": "Talked through their Q1 plans",
            "channel": "visit",
            "value": "information",
            "contact_ids": [world.contact_id],
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["member"] == "Mia Member"
    page = client.get(f"/api/v1/accounts/{world.account_id}/touches").json()
    assert page["total"] == 7
    assert page["items"][0]["summary"] == "Talked through their Q1 plans"


def test_a_failed_touch_leaves_the_database_as_it_was(
    api: Api, engine: Engine, world: ApiWorld
) -> None:
    before = count(engine, Touch)
    refused = api("member").post(
        f"/api/v1/accounts/{world.account_id}/touches",
        json={
            "summary": "With someone from elsewhere",
            "happened_at": a_moment_ago(),
            "contact_ids": [world.other_contact_id],
        },
    )
    assert_problem(refused, 422)
    blank = api("member").post(
        f"/api/v1/accounts/{world.account_id}/touches", json={"summary": "   "}
    )
    assert_problem(blank, 422)
    assert_problem(api(None).post(f"/api/v1/accounts/{world.account_id}/touches", json={}), 401)
    assert count(engine, Touch) == before
