"""Web fixtures: the app on each engine's fresh database, a team that can sign in, clients.

``client`` is an in-process HTTP client (Starlette's TestClient over https://testserver, so
the Secure cookie travels as it does behind TLS). ``live_server`` runs the real app with
uvicorn on a free loopback port, for the browser tests.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.auth.service import hash_password
from goodwill.models import Member, Role
from goodwill.web.app import create_app

PASSWORD = "correct horse battery staple"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Person:
    """A team member the tests sign in as."""

    id: int
    email: str
    role: Role
    password: str = PASSWORD


@pytest.fixture
def app(configured: str) -> FastAPI:
    """The web app on the fresh database."""
    return create_app()


@pytest.fixture
def team(engine: Engine, configured: str) -> dict[str, Person]:
    """One member of each role, each with a password: admin, manager, member."""
    people: dict[str, Person] = {}
    hashed = hash_password(PASSWORD)
    with Session(engine) as session:
        session.info["actor"] = "test"
        for role, name in (
            (Role.ADMIN, "Ada Admin"),
            (Role.MANAGER, "Max Manager"),
            (Role.MEMBER, "Mia Member"),
        ):
            email = f"{role.value}@goodwill-test.com"
            m = Member(name=name, email=email, role=role, password_hash=hashed)
            session.add(m)
            session.flush()
            people[role.value] = Person(id=m.id, email=email, role=role)
        session.commit()
    return people


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = CSRF_FIELD.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


class Client(TestClient):
    """A test client that remembers the CSRF token of its session."""

    csrf: str = ""

    def sign_in(self, person: Person) -> Client:
        """Sign in through the form, as a browser does; keeps the session's CSRF token."""
        form = self.get("/signin")
        assert form.status_code == 200
        response = self.post(
            "/signin",
            data={
                "email": person.email,
                "password": person.password,
                "csrf_token": csrf_of(form.text),
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        page = self.get("/today")
        assert page.status_code == 200, page.text
        self.csrf = csrf_of(page.text)
        return self

    def form_post(self, url: str, data: dict[str, str] | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
        """POST a form with this session's CSRF token, the way the pages do."""
        return self.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def client(app: FastAPI) -> Iterator[Client]:
    """An anonymous client of the app (over https, so the Secure cookie is kept)."""
    with Client(app, base_url="https://testserver") as c:
        yield c


@pytest.fixture
def client_as(app: FastAPI, team: dict[str, Person]) -> Iterator[Callable[[str], Client]]:
    """A factory: ``client_as("manager")`` is a client signed in as the team's manager."""
    opened: list[Client] = []

    def make(role: str) -> Client:
        c = Client(app, base_url="https://testserver")
        c.__enter__()
        opened.append(c)
        return c.sign_in(team[role])

    yield make
    for c in opened:
        c.__exit__(None, None, None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port; yields its base URL."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web app did not start")
        time.sleep(0.02)
    yield f"http://localhost:{port}"
    server.should_exit = True
    thread.join(timeout=10)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (no browser is ever downloaded)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: scripts/install --dev installs Debian's chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser tab (own cookies) that fails the test on any script error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error"
            and ("Content Security Policy" in msg.text or "Refused to" in msg.text)
            else None
        ),
    )
    tab.errors = errors
    yield tab
    context.close()
    assert errors == [], f"script errors in the page: {errors}"


def screenshot(tab: Any, name: str) -> Path:
    """Save a full-page screenshot as a test artifact (artifacts/screenshots/NAME.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


def browser_sign_in(tab: Any, base: str, person: Person) -> None:
    """Sign in through the form in the browser."""
    tab.goto(f"{base}/signin")
    tab.fill("input[name=email]", person.email)
    tab.fill("input[name=password]", person.password)
    tab.click("button[type=submit]")
    tab.wait_for_url(f"{base}/today")


# --- a small crafted world for the route x role matrix, the browser and the XSS tests ------


@dataclass(frozen=True)
class Shop:
    """The crafted world's rows, by what they are (ids, for URLs and path parameters)."""

    day: date
    acme: int  # owned by the member: a promise due tomorrow, a contact, a fact, orders
    birch: int  # owned by the member: an open quote 10 days old
    cedar: int  # owned by the manager; last ordered 200 days ago
    dune: int  # owned by the member; last ordered 220 days ago
    pat: int  # a contact at Acme
    promise: int  # Acme's promise
    quote: int  # Birch's open quote
    spare: int  # a fourth member nobody signs in as (for routes about "a member")
    member: int  # the team's member, who owns Acme and Birch (and so plans them)
    tokens: dict[str, str]  # an API token of each of the team (by role), in plain text


def build_shop(engine: Engine, team: dict[str, Person], day: date | None = None) -> Shop:
    """Accounts with owners, contacts, orders, a promise and an open quote, scored as of
    ``day`` (default: today, UTC, the day the pages plan for), with each member's plan made."""
    from goodwill.agenda.service import ensure_plans
    from goodwill.auth.service import create_api_token
    from goodwill.models import (
        Account,
        AccountKind,
        Channel,
        Contact,
        Fact,
        FactKind,
        Order,
        Promise,
        Quote,
        Touch,
        Value,
    )
    from goodwill.models.types import utcnow
    from goodwill.scoring import rollups
    from goodwill.scoring.service import score

    today = day or utcnow().date()
    now = utcnow()
    with Session(engine) as session:
        session.info["actor"] = "test"
        member = session.get(Member, team["member"].id)
        manager = session.get(Member, team["manager"].id)
        assert member is not None
        assert manager is not None
        spare = Member(name="Zed Spare", email="spare@goodwill-test.com", role=Role.MEMBER)
        session.add(spare)
        session.flush()
        create_api_token(session, spare, "the spare's script")  # the lowest token id
        tokens = {
            role: create_api_token(session, m, f"{role}'s script")[0]
            for role, m in (
                ("member", member),
                ("manager", manager),
                ("admin", session.get(Member, team["admin"].id)),
            )
            if m is not None
        }
        accounts: list[Account] = []
        for name, tier, owner in (
            ("Acme Tools", "A", member),
            ("Birch Supply", "B", member),
            ("Cedar Works", "B", manager),
            ("Dune Parts", "C", member),
        ):
            a = Account(name=name, kind=AccountKind.CUSTOMER, tier=tier, external_id=name[:4])
            a.owners = [owner]
            session.add(a)
            accounts.append(a)
        session.flush()
        acme, birch, cedar, dune = accounts
        for a, last in ((acme, 20), (birch, 25), (cedar, 200), (dune, 220)):
            for n in range(8):  # a steady rhythm: an order every 45 days before the last one
                session.add(
                    Order(
                        account_id=a.id,
                        external_id=f"{a.external_id}-{n}",
                        ordered_on=today - timedelta(days=last + 45 * n),
                        amount_minor=80_000 + 5_000 * n,
                    )
                )
            session.add(
                Touch(
                    account_id=a.id,
                    member_id=a.owners[0].id,
                    channel=Channel.CALL,
                    happened_at=now - timedelta(days=6),
                    summary=f"checked in with {a.name}",
                    value=Value.INFORMATION,
                )
            )
        pat = Contact(
            account_id=acme.id,
            name="Pat Lee",
            title="Buyer",
            phone="+1 555 0100",
            email="pat@acme.example",
            preferred_channel=Channel.CALL,
        )
        session.add(pat)
        promise = Promise(
            account_id=acme.id,
            member_id=member.id,
            what="send the torque specs",
            made_on=today - timedelta(days=10),
            due_on=today + timedelta(days=1),
        )
        quote = Quote(
            account_id=birch.id,
            external_id="Q-7",
            quoted_on=today - timedelta(days=10),
            amount_minor=120_000,
            member_id=member.id,
            description="pallet racking",
        )
        session.add_all([promise, quote])
        session.add(
            Fact(
                account_id=acme.id,
                kind=FactKind.GOAL,
                text="open a second plant",
                learned_on=today - timedelta(days=40),
            )
        )
        session.flush()
        rollups.rebuild(session, as_of=today)
        score(session, today)
        _thank_you_program(session, manager, today)
        ensure_plans(session, today)
        session.commit()
        return Shop(
            day=today,
            acme=acme.id,
            birch=birch.id,
            cedar=cedar.id,
            dune=dune.id,
            pat=pat.id,
            promise=promise.id,
            quote=quote.id,
            spare=spare.id,
            member=member.id,
            tokens=tokens,
        )


def _thank_you_program(session: Session, manager: Member, today: date) -> None:
    """A running thank-you-note program (Cedar and Dune, not bought in 200 days, are
    eligible; with this seed, both are assigned, none held out)."""
    from goodwill.models import ProgramKind
    from goodwill.programs.schemas import ProgramIn
    from goodwill.programs.service import create_program

    entry = ProgramIn(
        name="Thank-you notes", kind=ProgramKind.THANK_YOU_NOTE, starts_on=today, seed=1
    )
    create_program(session, entry, manager, today)


@pytest.fixture
def shop(engine: Engine, team: dict[str, Person]) -> Shop:
    """The crafted world on the fresh database (see ``build_shop``)."""
    return build_shop(engine, team)
