"""The promises page: due and overdue, kept inline, the kept-on-time ratio."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.models import Promise, PromiseStatus
from tests.accounts.factories import counting_queries
from tests.web.conftest import Client, Person
from tests.web.pages_world import build, promise, today


def _world(engine: Engine, team: dict[str, Person], extra: int = 0) -> dict[str, int]:
    ids: dict[str, int] = {}
    with Session(engine) as s:
        s.info["actor"] = "test"
        w = build(s, team["member"].id, team["manager"].id, team["admin"].id, 2)
        ids["overdue"] = promise(s, w.mine[0], w.member, -3, "send <b>specs</b>").id
        ids["soon"] = promise(s, w.mine[1], w.member, 2, "call back").id
        ids["later"] = promise(s, w.mine[1], w.member, 60, "visit in spring").id
        ids["theirs"] = promise(s, w.theirs[0], w.manager, 1, "manager's promise").id
        for i in range(extra):
            promise(s, w.theirs[1], w.manager, i % 5, f"extra {i}")
        kept = promise(s, w.mine[0], w.member, -10, "kept one")
        kept.status, kept.done_on = PromiseStatus.KEPT, today() - timedelta(days=11)
        late = promise(s, w.mine[0], w.member, -8, "late one")
        late.status, late.done_on = PromiseStatus.KEPT_LATE, today() - timedelta(days=2)
        ids["account"] = w.mine[0].id
        s.commit()
    return ids


def test_a_member_sees_their_due_and_overdue_promises(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    _world(engine, team)
    text = client_as("member").get("/promises").text
    assert "send &lt;b&gt;specs&lt;/b&gt;" in text
    assert "3 days overdue" in text
    assert "call back" in text
    assert "visit in spring" not in text  # due in 60 days, beyond the 14-day window
    assert "manager&#39;s promise" not in text
    assert "visit in spring" in client_as("member").get("/promises?within=90").text


def test_only_a_manager_sees_the_team_and_others(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    _world(engine, team)
    assert client_as("member").get("/promises?member=team").status_code == 403
    assert client_as("member").get(f"/promises?member={team['manager'].id}").status_code == 403
    manager = client_as("manager")
    assert "send &lt;b&gt;specs&lt;/b&gt;" in manager.get("/promises?member=team").text
    hers = manager.get(f"/promises?member={team['member'].id}").text
    assert "call back" in hers
    assert "manager&#39;s promise" not in hers


def test_keeping_a_promise_inline_swaps_its_row(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    ids = _world(engine, team)
    client = client_as("member")
    response = client.post(
        f"/promises/{ids['overdue']}/keep",
        headers={"HX-Request": "true", "X-CSRF-Token": client.csrf},
    )
    assert response.status_code == 200
    assert "kept late" in response.text
    refused = client.post(f"/promises/{ids['soon']}/keep")  # no CSRF token
    assert refused.status_code == 403
    with Session(engine) as s:
        overdue = s.get(Promise, ids["overdue"])
        soon = s.get(Promise, ids["soon"])
        assert overdue is not None
        assert soon is not None
        assert overdue.status == PromiseStatus.KEPT_LATE
        assert soon.status == PromiseStatus.OPEN


def test_the_kept_ratio_by_member_and_for_a_chosen_account(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    ids = _world(engine, team)
    text = client_as("manager").get(f"/promises?member=team&account={ids['account']}").text
    assert 'id="kept-ratio"' in text
    # Mia: one kept, one late, one overdue (open past due): 50% on time
    assert '<td>Mia Member</td><td class="num">1</td><td class="num">1</td>' in text
    assert "50%" in text
    assert "Open promises to Mine 0 &lt;b&gt;Co&lt;/b&gt;" in text


def test_the_team_list_runs_as_many_queries_for_many_promises_as_for_few(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    _world(engine, team)
    client = client_as("manager")
    client.get("/promises?member=team")
    with counting_queries(engine) as few:
        client.get("/promises?member=team")
    _world(engine, team, extra=12)
    with counting_queries(engine) as many:
        page = client.get("/promises?member=team")
    assert page.text.count('/keep" hx-post') == 2 * 3 + 12
    assert len(many) == len(few)
