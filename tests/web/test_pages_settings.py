"""Settings (admins): members and roles, playbook rules, cadence and weights."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.models import Member, Role, TeamSetting, WebSession
from goodwill.teamsettings import effective_settings, rule_overrides
from tests.accounts.factories import counting_queries
from tests.web.conftest import Client, Person


def _settings_rows(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(TeamSetting)) or 0)


def test_only_admins_see_or_change_settings(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    for role in ("member", "manager"):
        client = client_as(role)
        assert client.get("/settings").status_code == 403
        assert client.form_post("/settings/weights", {"w_vitality": "1"}).status_code == 403
        assert client.form_post("/settings/rules/complacency", {"priority": "2"}).status_code == 403
        assert (
            client.form_post(
                f"/settings/members/{team['admin'].id}/role", {"role": "member"}
            ).status_code
            == 403
        )
        refused = client.form_post("/settings/members", {"name": "Eve", "email": "eve@x.com"})
        assert refused.status_code == 403
    assert _settings_rows(engine) == 0
    with Session(engine) as s:
        admin = s.get(Member, team["admin"].id)
        assert admin is not None
        assert admin.role == Role.ADMIN
        assert s.scalar(select(Member).where(Member.email == "eve@x.com")) is None
    assert client_as("admin").get("/settings").status_code == 200


def test_a_new_member_gets_a_password_shown_once_that_signs_in(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client], client: Client
) -> None:
    admin = client_as("admin")
    page = admin.form_post(
        "/settings/members",
        {"name": "Noa <b>New</b>", "email": "noa@goodwill-test.com", "role": "member"},
    )
    assert page.status_code == 200
    assert "Noa &lt;b&gt;New&lt;/b&gt;" in page.text
    found = re.search(r'<span class="once">([^<]+)</span>', page.text)
    assert found is not None
    password = found.group(1)
    assert password not in admin.get("/settings").text  # shown once
    with Session(engine) as s:
        noa = s.scalar(select(Member).where(Member.email == "noa@goodwill-test.com"))
        assert noa is not None
        noa_id = noa.id
    client.sign_in(Person(noa_id, "noa@goodwill-test.com", Role.MEMBER, password))


def test_roles_deactivation_and_password_reset(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    member = client_as("member")
    admin = client_as("admin")
    mid = team["member"].id
    assert (
        admin.form_post(
            f"/settings/members/{mid}/role", {"role": "manager"}, follow_redirects=False
        ).status_code
        == 303
    )
    assert (
        admin.form_post(f"/settings/members/{mid}/active", {"active": "false"}).status_code == 200
    )
    with Session(engine) as s:
        m = s.get(Member, mid)
        assert m is not None
        assert m.role == Role.MANAGER
        assert not m.active
        open_sessions = s.scalar(
            select(func.count())
            .select_from(WebSession)
            .where(WebSession.member_id == mid, WebSession.ended_at.is_(None))
        )
        assert open_sessions == 0
    assert member.get("/today", follow_redirects=False).status_code == 303  # signed out
    admin.form_post(f"/settings/members/{mid}/active", {"active": "true"})
    reset = admin.form_post(f"/settings/members/{mid}/password")
    assert re.search(r'<span class="once">[^<]+</span>', reset.text)
    # an admin cannot demote or deactivate themselves
    me = team["admin"].id
    assert admin.form_post(f"/settings/members/{me}/role", {"role": "member"}).status_code == 422
    assert admin.form_post(f"/settings/members/{me}/active", {"active": "false"}).status_code == 422


def test_rules_cadence_and_weights_are_stored_and_validated(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    admin = client_as("admin")
    admin.form_post("/settings/rules/complacency", {"priority": "2"})  # unchecked: off
    bad = admin.form_post("/settings/rules/complacency", {"priority": "11", "enabled": "true"})
    assert bad.status_code == 422
    assert "rule &#39;complacency&#39;, field &#39;priority&#39;" in bad.text
    admin.form_post(
        "/settings/cadence",
        {
            "tier_A": "7",
            "tier_B": "",
            "tier_C": "50",
            "new_tier": "VIP",
            "new_days": "5",
            "default_days": "80",
        },
    )
    weights = {
        f"w_{c}": "1"
        for c in ("vitality", "engagement", "richness", "value", "promises", "quotes", "knowledge")
    }
    admin.form_post("/settings/weights", weights)
    refused = admin.form_post("/settings/weights", {**weights, "w_value": "-3"})
    assert refused.status_code == 422
    with Session(engine) as s:
        settings = effective_settings(s)
        assert settings.cadence_days == {"A": 7, "C": 50, "VIP": 5}
        assert settings.cadence_default_days == 80
        assert settings.health_weights["value"] == 1.0
        change = rule_overrides(s)["complacency"]
        assert change.enabled is False
        assert change.priority == 2
    page = admin.get("/settings").text
    assert "changed" in page
    admin.form_post("/settings/cadence/reset")
    with Session(engine) as s:
        assert effective_settings(s).cadence_days == {"A": 14, "B": 30, "C": 60}
    undo = admin.form_post("/settings/rules/reset")  # the page's "Undo every change"
    assert undo.status_code == 200, undo.text  # back on the settings page (422 before)
    with Session(engine) as s:
        assert rule_overrides(s) == {}
    for bad_weight, said in (
        ("inf", "ordinary numbers"),
        ("1e999", "ordinary numbers"),
        ("", "give a weight"),
    ):
        refused = admin.form_post("/settings/weights", {**weights, "w_quotes": bad_weight})
        assert refused.status_code == 422
        assert said in refused.text
    with Session(engine) as s:
        assert effective_settings(s).health_weights["quotes"] == 1.0


def test_the_settings_page_runs_as_many_queries_for_many_members_as_for_few(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    admin = client_as("admin")
    admin.get("/settings")
    with counting_queries(engine) as few:
        admin.get("/settings")
    with Session(engine) as s:
        for i in range(8):
            s.add(Member(name=f"More {i}", email=f"more{i}@goodwill-test.com"))
        s.commit()
    with counting_queries(engine) as many:
        page = admin.get("/settings")
    assert page.text.count('/role" class="toolbar"') == 2 + 8
    assert len(many) == len(few)
