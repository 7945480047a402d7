"""The quotes page: open quotes by age, decided inline, added, and the hit ratio charts."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.models import Member, Quote, QuoteStatus
from goodwill.web.pages.quotes import months_back
from tests.accounts.factories import counting_queries
from tests.web.conftest import Client, Person
from tests.web.pages_world import PagesWorld, build, quote, today


def _world(engine: Engine, team: dict[str, Person], quotes: int = 2) -> dict[str, int]:
    ids: dict[str, int] = {}
    with Session(engine) as s:
        s.info["actor"] = "test"
        w: PagesWorld = build(s, team["member"].id, team["manager"].id, team["admin"].id, 2)
        for i in range(quotes):
            ids[f"mine{i}"] = quote(
                s, w.mine[0], w.member, 3 + 5 * i, description=f"<i>racking {i}</i>"
            ).id
            ids[f"theirs{i}"] = quote(s, w.theirs[0], w.manager, 2 + i).id
        quote(s, w.mine[1], w.member, 40, status=QuoteStatus.WON)
        quote(s, w.mine[1], w.member, 30, status=QuoteStatus.LOST)
        quote(s, w.theirs[1], w.manager, 20, status=QuoteStatus.WON)
        s.commit()
    return ids


def _chart(html: str, chart_id: str) -> dict[str, object]:
    found = re.search(rf'<script type="application/json" id="{chart_id}">(.*?)</script>', html)
    assert found is not None
    spec: dict[str, object] = json.loads(found.group(1))
    return spec


def test_open_quotes_are_mine_by_default_oldest_first_with_the_follow_up_due(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    _world(engine, team)
    text = client_as("member").get("/quotes").text
    assert "&lt;i&gt;racking 1&lt;/i&gt;" in text
    assert "<i>racking" not in text
    assert text.index("racking 1") < text.index("racking 0")  # 8 days old before 3 days old
    assert "follow-up due" in text
    assert "quote 2d" not in text  # the manager's
    assert "quote 2d" in client_as("member").get("/quotes?member=team").text
    # A manager lands on the team's open quotes, and may pick their own.
    manager = client_as("manager")
    assert "racking 1" in manager.get("/quotes").text
    assert '<option value="team" selected>' in manager.get("/quotes").text
    assert "racking 1" not in manager.get("/quotes?member=mine").text


def test_the_hit_ratio_is_charted_by_member_and_by_month(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    _world(engine, team)
    text = client_as("manager").get("/quotes?months=12").text
    by_member = _chart(text, "member-ratio")
    assert by_member["type"] == "bar"
    assert by_member["labels"] == ["Max Manager", "Mia Member"]
    assert by_member["datasets"][0]["data"] == [100.0, 50.0]  # type: ignore[index]
    by_month = _chart(text, "month-ratio")
    assert len(by_month["labels"]) == 12  # type: ignore[arg-type]
    assert '<td>Mia Member</td><td class="num">2</td>' in text


def test_deciding_a_quote_inline_swaps_its_row(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    ids = _world(engine, team)
    client = client_as("member")
    response = client.post(
        f"/quotes/{ids['mine0']}/decide",
        data={"outcome": "won"},
        headers={"HX-Request": "true", "X-CSRF-Token": client.csrf},
    )
    assert response.status_code == 200
    assert f'id="quote-{ids["mine0"]}"' in response.text
    assert "won" in response.text
    again = client.post(
        f"/quotes/{ids['mine0']}/decide",
        data={"outcome": "lost"},
        headers={"HX-Request": "true", "X-CSRF-Token": client.csrf},
    )
    assert again.status_code == 409
    with Session(engine) as s:
        q = s.get(Quote, ids["mine0"])
        assert q is not None
        assert q.status == QuoteStatus.WON
        assert q.decided_on == today()


def test_a_decision_without_the_csrf_token_changes_nothing(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    ids = _world(engine, team)
    client = client_as("member")
    response = client.post(f"/quotes/{ids['mine0']}/decide", data={"outcome": "won"})
    assert response.status_code == 403
    with Session(engine) as s:
        q = s.get(Quote, ids["mine0"])
        assert q is not None
        assert q.status == QuoteStatus.OPEN


def test_adding_a_quote_by_account_name(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    _world(engine, team, quotes=0)
    client = client_as("member")
    response = client.form_post(
        "/quotes",
        {"account": "Theirs 1 Ltd", "amount": "12,500.00", "description": "forklift"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    bad = client.form_post("/quotes", {"account": "Theirs 1 Ltd", "amount": "12.5.0"})
    assert bad.status_code == 422
    with Session(engine) as s:
        rows = s.scalars(select(Quote).where(Quote.description == "forklift")).all()
        assert len(rows) == 1
        member = s.get(Member, rows[0].member_id)
        assert member is not None
        assert member.email == team["member"].email
        assert rows[0].amount_minor == 1_250_000


def test_the_quotes_page_runs_as_many_queries_for_many_quotes_as_for_few(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    _world(engine, team, quotes=1)
    client = client_as("manager")
    client.get("/quotes?member=team")
    with counting_queries(engine) as few:
        client.get("/quotes?member=team")
    _world(engine, team, quotes=6)
    with counting_queries(engine) as many:
        page = client.get("/quotes?member=team")
    assert page.text.count('/decide" hx-post') == 3 * 14
    assert len(many) == len(few)


def test_a_period_starts_on_the_first_of_a_month() -> None:
    from datetime import date

    assert months_back(date(2026, 3, 15), 12) == date(2025, 4, 1)
    assert months_back(date(2026, 1, 2), 1) == date(2026, 1, 1)
