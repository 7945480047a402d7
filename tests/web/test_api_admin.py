"""REST API for admins: import a file, export a kind, and the team's settings.

An import through the API is the command line's: all or nothing, every problem named by
file, line and column, the same file twice changes nothing; an export reads back unchanged
and neutralizes spreadsheet formulas; settings are checked as the Settings page checks them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from goodwill.models import Account
from goodwill.models.signin import TeamSetting
from tests.web.api_world import ApiWorld, api, assert_problem, count, world

__all__ = ["api", "world"]  # fixtures
Api = Callable[[str | None], TestClient]
CSV = {"content-type": "text/csv"}

GOOD = b'external_id,name,tier\nN-1,Norway Nuts,A\nN-2,=HYPERLINK("x"),B\n'
BAD = (
    b"external_id,name,tier\nN-1,Norway Nuts,A\nN-2,,B\nN-3,Oslo Oils,ABCDEFGHIJKLMNOPQRSTUVWXYZ\n"
)


def test_an_admin_imports_a_file_and_the_same_file_again_changes_nothing(
    api: Api, engine: Engine, world: ApiWorld
) -> None:
    before = count(engine, Account)
    dry = api("admin").post(
        "/api/v1/imports/accounts", content=GOOD, headers=CSV, params={"dry_run": "true"}
    )
    assert dry.status_code == 200, dry.text
    assert dry.json() | {"file": ""} == {
        "file": "",
        "kind": "accounts",
        "rows": 2,
        "inserted": 2,
        "updated": 0,
        "unchanged": 0,
        "dry_run": True,
    }
    assert count(engine, Account) == before  # a dry run writes nothing
    first = api("admin").post(
        "/api/v1/imports/accounts", content=GOOD, headers=CSV, params={"filename": "nuts.csv"}
    )
    assert first.status_code == 200, first.text
    assert (first.json()["file"], first.json()["inserted"]) == ("nuts.csv", 2)
    assert count(engine, Account) == before + 2
    again = api("admin").post("/api/v1/imports/accounts", content=GOOD, headers=CSV).json()
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert count(engine, Account) == before + 2


def test_a_bad_row_fails_the_whole_file_and_every_problem_is_named(
    api: Api, engine: Engine, world: ApiWorld
) -> None:
    before = count(engine, Account)
    response = api("admin").post(
        "/api/v1/imports/accounts", content=BAD, headers=CSV, params={"filename": "bad.csv"}
    )
    body = assert_problem(response, 422)
    wheres = [e["where"] for e in body["errors"]]
    assert "bad.csv, line 3, column 'name'" in wheres, wheres
    assert "bad.csv, line 4, column 'tier'" in wheres, wheres
    assert body["total"] == len(body["errors"]) == 2
    assert count(engine, Account) == before  # not even the good first row


def test_an_import_maps_their_headers_and_refuses_an_empty_body(
    api: Api, engine: Engine, world: ApiWorld
) -> None:
    theirs = b"Customer No,Company\nM-1,Mapped Metals\n"
    done = api("admin").post(
        "/api/v1/imports/accounts",
        content=theirs,
        headers=CSV,
        params=[("map", "Customer No=external_id"), ("map", "Company=name")],
    )
    assert done.status_code == 200, done.text
    assert done.json()["inserted"] == 1
    assert_problem(api("admin").post("/api/v1/imports/accounts", content=b"", headers=CSV), 422)


@pytest.mark.parametrize("role", ["member", "manager"])
def test_only_an_admin_imports_and_exports(api: Api, engine: Engine, role: str) -> None:
    before = count(engine, Account)
    assert_problem(api(role).post("/api/v1/imports/accounts", content=GOOD, headers=CSV), 403)
    assert count(engine, Account) == before
    assert_problem(api(role).get("/api/v1/exports/accounts"), 403)


def test_an_export_reads_back_unchanged_with_formulas_made_inert(
    api: Api, engine: Engine, world: ApiWorld
) -> None:
    assert api("admin").post("/api/v1/imports/accounts", content=GOOD, headers=CSV).is_success
    exported = api("admin").get("/api/v1/exports/accounts")
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    assert 'filename="accounts.csv"' in exported.headers["content-disposition"]
    text = exported.content.decode("utf-8")
    assert text.startswith("\ufeffexternal_id,")
    assert "'=HYPERLINK" in text  # a spreadsheet shows it as text, it does not run it
    assert "Norway Nuts" in text
    before = count(engine, Account)
    back = (
        api("admin").post("/api/v1/imports/accounts", content=exported.content, headers=CSV).json()
    )
    assert (back["inserted"], back["updated"]) == (0, 0)
    assert back["unchanged"] == before
    assert_problem(api("admin").get("/api/v1/exports/widgets"), 422)


def test_an_admin_reads_and_changes_the_settings(api: Api, engine: Engine, world: ApiWorld) -> None:
    start = api("admin").get("/api/v1/settings").json()
    assert start["changed"] == []
    assert sum(start["health_points"].values()) == pytest.approx(100)
    assert start["rules"], "the default playbook has rules"
    changed = api("admin").put("/api/v1/settings/cadence_days", json={"value": {"A": 7, "B": 21}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["cadence_days"] == {"A": 7, "B": 21}
    assert changed.json()["changed"] == ["cadence_days"]
    rule = start["rules"][0]
    off = (
        api("admin")
        .put(f"/api/v1/settings/rules/{rule['name']}", json={"enabled": False, "priority": 3})
        .json()
    )
    assert (off["enabled"], off["priority"], off["changed"]) == (False, 3, True)
    reset = api("admin").delete("/api/v1/settings/cadence_days").json()
    assert reset["cadence_days"] == start["cadence_days"]
    assert reset["changed"] == ["playbook_rules"]


def test_a_bad_setting_is_refused_and_changes_nothing(
    api: Api, engine: Engine, world: ApiWorld
) -> None:
    body = assert_problem(
        api("admin").put("/api/v1/settings/health_weights", json={"value": {"charm": 5}}), 422
    )
    assert "charm" in body["detail"]
    assert_problem(
        api("admin").put("/api/v1/settings/cadence_default_days", json={"value": 0}), 422
    )
    assert_problem(
        api("admin").put(
            "/api/v1/settings/rules/no-such-rule", json={"enabled": True, "priority": 2}
        ),
        422,
    )
    assert_problem(
        api("manager").put("/api/v1/settings/cadence_days", json={"value": {"A": 1}}), 403
    )
    assert count(engine, TeamSetting) == 0
