"""REST API sign-in: bearer tokens (made, listed, revoked), the session cookie, problem details."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from goodwill.models import ApiToken
from tests.web.api_world import ApiWorld, api, assert_problem, count, world
from tests.web.conftest import Client

__all__ = ["api", "world"]  # fixtures


def test_without_a_token_the_api_answers_401_problem_details(
    api: Callable[[str | None], TestClient],
) -> None:
    response = api(None).get("/api/v1/accounts")
    body = assert_problem(response, 401)
    assert body["title"] == "Not signed in"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_an_unknown_token_is_refused(api: Callable[[str | None], TestClient]) -> None:
    client = api(None)
    response = client.get("/api/v1/today", headers={"authorization": "Bearer gw_not-a-token"})
    assert_problem(response, 401)


def test_a_token_made_through_the_api_works_until_it_is_revoked(
    api: Callable[[str | None], TestClient], world: ApiWorld, engine: Engine
) -> None:
    made = api("member").post("/api/v1/tokens", json={"name": "ERP sync"})
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    assert token.startswith("gw_")
    fresh = api(None)
    fresh.headers["authorization"] = f"Bearer {token}"
    listed = fresh.get("/api/v1/tokens").json()
    assert {"ERP sync", "member tests"} <= {t["name"] for t in listed["items"]}
    assert all("token" not in t for t in listed["items"])  # only its hash is kept
    assert fresh.delete(f"/api/v1/tokens/{made.json()['id']}").status_code == 204
    assert_problem(fresh.get("/api/v1/today"), 401)
    assert count(engine, ApiToken) == 4  # revoked, not deleted


def test_nobody_revokes_someone_elses_token_but_an_admin(
    api: Callable[[str | None], TestClient], world: ApiWorld
) -> None:
    theirs = api("manager").post("/api/v1/tokens", json={"name": "theirs"}).json()["id"]
    assert_problem(api("member").delete(f"/api/v1/tokens/{theirs}"), 404)
    assert api("admin").delete(f"/api/v1/tokens/{theirs}").status_code == 204


def test_a_token_needs_a_name(api: Callable[[str | None], TestClient], engine: Engine) -> None:
    before = count(engine, ApiToken)
    body = assert_problem(api("member").post("/api/v1/tokens", json={"name": "  "}), 422)
    assert "name" in body["detail"]
    assert count(engine, ApiToken) == before


def test_a_browser_session_may_call_the_api_with_its_csrf_header(
    client_as: Callable[[str], Client], world: ApiWorld
) -> None:
    browser = client_as("member")
    assert browser.get("/api/v1/today").status_code == 200
    forged = browser.post("/api/v1/tokens", json={"name": "from a forged page"})
    assert_problem(forged, 403)
    sent = browser.post(
        "/api/v1/tokens", json={"name": "from the page"}, headers={"x-csrf-token": browser.csrf}
    )
    assert sent.status_code == 201


def test_validation_errors_name_each_field(api: Callable[[str | None], TestClient]) -> None:
    body = assert_problem(api("member").post("/api/v1/tokens", json={}), 422)
    assert body["errors"][0]["where"] == "body.name"
