"""The top accounts review: mine by default, the team's or a member's for a manager."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.models import HealthWeek, ScoringRun
from tests.accounts.factories import counting_queries
from tests.web.conftest import Client, Person
from tests.web.pages_world import build


def _world(engine: Engine, team: dict[str, Person], n: int = 3) -> None:
    with Session(engine) as s:
        s.info["actor"] = "test"
        build(s, team["member"].id, team["manager"].id, team["admin"].id, n)
        s.commit()


def test_a_member_sees_their_own_top_accounts_sorted_by_value(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    _world(engine, team)
    page = client_as("member").get("/top")
    assert page.status_code == 200
    text = page.text
    assert "Theirs 0 Ltd" not in text
    # by value: Mine 2 has the largest orders, and names are escaped
    assert text.index("Mine 2 &lt;b&gt;Co&lt;/b&gt;") < text.index("Mine 0 &lt;b&gt;Co&lt;/b&gt;")
    assert "<b>Co</b>" not in text


def test_a_member_may_not_review_the_team_or_someone_else(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    _world(engine, team)
    client = client_as("member")
    assert client.get("/top?scope=team").status_code == 403
    assert client.get(f"/top?member={team['manager'].id}").status_code == 403


def test_a_manager_reviews_the_team_and_each_member(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    _world(engine, team)
    client = client_as("manager")
    whole = client.get("/top?member=team").text
    assert client.get("/top").text == whole  # a manager lands on the team's review
    assert "Theirs 0 Ltd" in whole
    assert "Mine 0 &lt;b&gt;Co&lt;/b&gt;" in whole
    assert whole.index("Theirs 2 Ltd") < whole.index("Mine 2 &lt;b&gt;Co&lt;/b&gt;")
    hers = client.get(f"/top?member={team['member'].id}").text
    assert "Theirs 0 Ltd" not in hers
    assert "of Mia Member" in hers
    assert client.get("/top?member=999999").status_code == 404


def test_without_a_score_the_page_says_so_and_scores_nothing(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    client = client_as("manager")  # signing in opens Today, which scores the week: undo it
    with Session(engine) as s:
        s.execute(delete(HealthWeek))
        s.execute(delete(ScoringRun))
        s.commit()
    page = client.get("/top?scope=team")
    assert page.status_code == 200
    assert "Not scored yet" in page.text
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(ScoringRun)) == 0
        assert s.scalar(select(func.count()).select_from(HealthWeek)) == 0


def test_the_team_review_runs_as_many_queries_for_many_accounts_as_for_few(
    engine: Engine, team: dict[str, Person], client_as: Callable[[str], Client]
) -> None:
    _world(engine, team, n=2)
    client = client_as("manager")
    client.get("/top?scope=team&n=50")
    with counting_queries(engine) as few:
        assert client.get("/top?scope=team&n=50").status_code == 200
    _world(engine, team, n=8)
    with counting_queries(engine) as many:
        page = client.get("/top?scope=team&n=50")
    assert page.text.count('href="/accounts/') == 20
    assert len(many) == len(few)
