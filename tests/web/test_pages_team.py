"""The team board: daily acts per member, streaks and outcomes; managers only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.agenda.board import BoardDay, streak_of, team_board
from goodwill.models import Member, Role, Value
from goodwill.models.plan import PlanStatus
from tests.accounts.factories import counting_queries
from tests.web.conftest import Client, Person
from tests.web.pages_world import build, plan_item, today


def _world(engine: Engine, team: dict[str, Person], extra_members: int = 0) -> None:
    with Session(engine) as s:
        s.info["actor"] = "test"
        w = build(s, team["member"].id, team["manager"].id, team["admin"].id, 2)
        t = today()
        for back in (1, 2, 3):  # the member acted for a customer three days running
            plan_item(s, w.mine[0], w.member, t - timedelta(days=back), value=Value.INFORMATION)
            plan_item(s, w.mine[1], w.member, t - timedelta(days=back), PlanStatus.OPEN, position=2)
        plan_item(s, w.mine[0], w.member, t - timedelta(days=4), PlanStatus.OPEN)  # broke it
        plan_item(s, w.mine[0], w.member, t - timedelta(days=5))
        plan_item(s, w.theirs[0], w.manager, t - timedelta(days=1))
        for i in range(extra_members):
            m = Member(
                name=f"Extra <i>{i}</i>", email=f"extra{i}@goodwill-test.com", role=Role.MEMBER
            )
            s.add(m)
            s.flush()
            plan_item(s, w.theirs[1], m, t - timedelta(days=6 + i))
        s.commit()


def test_only_managers_open_the_board(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    assert client_as("member").get("/team").status_code == 403
    assert client_as("manager").get("/team").status_code == 200
    assert client_as("admin").get("/team").status_code == 200


def test_the_board_counts_acts_streaks_and_value(engine: Engine, team: dict[str, Person]) -> None:
    _world(engine, team)
    with Session(engine) as s:
        board = team_board(s, today(), 7)
    rows = {m.name: m for m in board.members}
    mia = rows["Mia Member"]
    assert [d.done for d in mia.days] == [0, 1, 0, 1, 1, 1, 0]
    assert [d.planned for d in mia.days] == [0, 1, 1, 2, 2, 2, 0]
    assert mia.streak == 3
    assert mia.act_days == 4
    assert mia.planned_days == 5
    assert mia.value_acts == 3
    assert mia.touches >= 4  # the done items' touches, and the world's check-in calls
    assert rows["Max Manager"].streak == 1
    assert rows["Ada Admin"].streak == 0


def test_a_streak_skips_days_without_a_plan_and_waits_for_today() -> None:
    t = date(2026, 3, 12)

    def d(back: int, planned: int, acts: int) -> tuple[date, BoardDay]:
        day = t - timedelta(days=back)
        return day, BoardDay(day=day, planned=planned, done=acts, customer_acts=acts)

    days = dict([d(0, 3, 0), d(1, 2, 1), d(3, 1, 1), d(4, 1, 0), d(5, 1, 1)])
    assert streak_of(days, t, t - timedelta(days=30)) == (2, False)
    assert streak_of(dict([d(0, 1, 1), d(1, 1, 1)]), t, t - timedelta(days=1)) == (2, True)


def test_the_page_shows_the_board_escaped_and_charted(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    _world(engine, team, extra_members=1)
    text = client_as("manager").get("/team?days=7").text
    assert "Extra &lt;i&gt;0&lt;/i&gt;" in text
    assert "<i>0</i>" not in text
    assert 'id="acts-data"' in text
    assert "<strong>3</strong>" in text


def test_the_board_runs_as_many_queries_for_many_members_as_for_few(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    _world(engine, team)
    client = client_as("manager")
    client.get("/team")
    with counting_queries(engine) as few:
        client.get("/team")
    with Session(engine) as s:
        for i in range(6):
            s.add(Member(name=f"More {i}", email=f"more{i}@goodwill-test.com"))
        s.commit()
    with counting_queries(engine) as many:
        page = client.get("/team")
    assert page.text.count('href="/today?member=') == 3 + 6
    assert len(many) == len(few)
