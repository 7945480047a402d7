"""A small world for the REST API tests: the team with API tokens, two accounts full of records.

Plain functions and fixtures (imported by the ``test_api_*`` modules): ``world`` seeds it,
``api(role)`` is a client that sends that role's bearer token (``api(None)`` sends none).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.auth.service import create_api_token
from goodwill.models import Contact, Member, Promise, Quote, QuoteStatus
from goodwill.models.types import utcnow
from tests.accounts.factories import account, contact, fill
from tests.web.conftest import Person

PROBLEM = {"type", "title", "status", "detail"}


@dataclass(frozen=True)
class ApiWorld:
    """What the tests point at: tokens by role and the ids of seeded records."""

    tokens: dict[str, str]
    people: dict[str, Person]
    account_id: int
    other_account_id: int
    contact_id: int
    other_contact_id: int
    open_quote_id: int
    member_promise_id: int
    manager_promise_id: int


def seed(engine: Engine, team: dict[str, Person]) -> ApiWorld:
    """Two accounts owned by the member, full of people, facts, touches, orders, quotes and
    promises (some the member's, some the manager's), and an API token per role."""
    today = utcnow().date()
    with Session(engine) as session:
        session.info["actor"] = "test"
        members = {role: session.get(Member, p.id) for role, p in team.items()}
        mia, max_ = members["member"], members["manager"]
        assert mia is not None
        assert max_ is not None
        thayer = account(session, "Thayer Hydraulics", "T-1")
        other = account(session, "Ridley Fasteners", "R-2")
        thayer.owners = [mia]
        other.owners = [mia, max_]
        account(session, "Cobb Castings", "C-3").owners = [mia]  # no history at all yet
        fill(session, thayer, mia, 6, today)
        fill(session, other, max_, 3, today)
        session.flush()
        extra = contact(session, other, "Olga Other")
        tokens = {
            role: create_api_token(session, member, f"{role} tests")[0]
            for role, member in members.items()
            if member is not None
        }
        quote = session.scalars(
            select(Quote)
            .where(Quote.account_id == thayer.id, Quote.status == QuoteStatus.OPEN)
            .order_by(Quote.id)
        ).first()
        mine = session.scalars(
            select(Promise).where(Promise.member_id == mia.id).order_by(Promise.id)
        ).first()
        theirs = session.scalars(
            select(Promise).where(Promise.member_id == max_.id).order_by(Promise.id)
        ).first()
        thayer_contact = session.scalars(
            select(Contact).where(Contact.account_id == thayer.id).order_by(Contact.id)
        ).first()
        assert quote is not None
        assert mine is not None
        assert theirs is not None
        assert thayer_contact is not None
        session.commit()
        return ApiWorld(
            tokens=tokens,
            people=team,
            account_id=thayer.id,
            other_account_id=other.id,
            contact_id=thayer_contact.id,
            other_contact_id=extra.id,
            open_quote_id=quote.id,
            member_promise_id=mine.id,
            manager_promise_id=theirs.id,
        )


@pytest.fixture
def world(engine: Engine, team: dict[str, Person]) -> ApiWorld:
    """The seeded world on the test's fresh database."""
    return seed(engine, team)


@pytest.fixture
def api(app: FastAPI, world: ApiWorld) -> Iterator[Callable[[str | None], TestClient]]:
    """A factory: ``api("manager")`` is a client sending the manager's API token."""
    opened: list[TestClient] = []

    def make(role: str | None) -> TestClient:
        headers = {"authorization": f"Bearer {world.tokens[role]}"} if role else {}
        c = TestClient(app, base_url="https://testserver", headers=headers)
        c.__enter__()
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.__exit__(None, None, None)


def count(engine: Engine, model: Any) -> int:
    """How many rows a table holds now."""
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is problem details with this status; returns the body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert set(body) >= PROBLEM, body
    assert body["status"] == status
    return body


def a_moment_ago() -> str:
    """An ISO moment a minute ago, with its zone."""
    return (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
