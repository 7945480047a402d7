"""Programs on the web: the pages (list, report, targets, responses, start and stop), the
note cards PDF, the weekly review and its mail, and the REST API, on a crafted world.

The crafted world has two programs. "Crafted" ran 90 days ago over 30 accounts whose orders
are known: 20 assigned (8 ordered in the 60-day window) against 10 held out (2 ordered), so
its report must say 40% against 20%, +20 points. "Notes <b>& thanks</b>" starts today over
twelve neglected customers the member owns, so the member's plan today holds its notes.
"""

from __future__ import annotations

import email
import json
import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import Message
from typing import Any

import pypdfium2 as pdfium
import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.auth.service import create_api_token
from goodwill.config import get_settings
from goodwill.models import (
    Account,
    Arm,
    Channel,
    Member,
    Program,
    ProgramKind,
    ProgramResponse,
    ProgramStatus,
    ProgramTarget,
    ResponseKind,
)
from goodwill.programs.outcomes import difference_of_shares
from goodwill.programs.schemas import ProgramIn
from goodwill.programs.service import create_program
from goodwill.scoring import rollups
from tests.accounts.factories import counting_queries
from tests.programs.world import crafted_program, neglected_customer
from tests.web.conftest import Client, Person
from tests.web.pages_world import today

LIVE_NAME = "Notes <b>& thanks</b>"


@dataclass(frozen=True)
class Programs:
    """Ids of the crafted world's programs and of some of their targets."""

    crafted: int
    live: int
    mine: int  # an assigned target of Crafted planned for the member
    theirs: int  # an assigned target of Crafted planned for the manager
    held_out: int  # a held-out target of Crafted
    start: date  # Crafted's first day


def _crafted(session: Session, manager: Member, member: Member, start: date) -> Program:
    """Crafted (tests/programs/world.py), over after two weeks (Today plans none of it now):
    targets 0 and 1 planned for the member, 2 for the manager."""
    return crafted_program(
        session,
        start,
        ends_on=start + timedelta(days=13),
        created_by=manager,
        planned_for={0: member, 1: member, 2: manager},
    )


def _neglected(session: Session, owner: Member, n: int) -> Account:
    """A customer of the member's that last ordered 200 days ago, with a buyer to write to."""
    return neglected_customer(session, n, today(), [owner])


def build_programs(engine: Engine, team: dict[str, Person]) -> Programs:
    """The crafted world (see the module's docstring), committed."""
    start = today() - timedelta(days=90)
    with Session(engine, expire_on_commit=False) as session:
        session.info["actor"] = "test"
        manager = session.get(Member, team["manager"].id)
        member = session.get(Member, team["member"].id)
        assert manager is not None
        assert member is not None
        crafted = _crafted(session, manager, member, start)
        for n in range(1, 13):
            _neglected(session, member, n)
        session.flush()
        rollups.rebuild(session, as_of=today())
        live = create_program(
            session,
            ProgramIn(
                name=LIVE_NAME,
                kind=ProgramKind.THANK_YOU_NOTE,
                condition="days_since_order >= 180",
                starts_on=today(),
                daily_quota=2,
                holdout_fraction=0.25,
                seed=7,
            ),
            manager,
            today(),
        )
        targets = {
            (t.member_id, t.arm): t.id
            for t in session.scalars(
                select(ProgramTarget)
                .where(ProgramTarget.program_id == crafted.id)
                .order_by(ProgramTarget.id.desc())
            )
        }
        session.commit()
        return Programs(
            crafted=crafted.id,
            live=live.id,
            mine=targets[(member.id, Arm.ASSIGNED)],
            theirs=targets[(manager.id, Arm.ASSIGNED)],
            held_out=targets[(None, Arm.HOLDOUT)],
            start=start,
        )


@pytest.fixture
def programs(engine: Engine, team: dict[str, Person]) -> Programs:
    """The crafted world on the fresh database."""
    return build_programs(engine, team)


def chart(html: str, chart_id: str) -> dict[str, Any]:
    """The Chart.js spec a page carries in ``<script type="application/json" id=...>``."""
    found = re.search(rf'<script type="application/json" id="{chart_id}">(.*?)</script>', html)
    assert found is not None, f"no chart {chart_id}"
    spec: dict[str, Any] = json.loads(found.group(1))
    return spec


def count(engine: Engine, model: type[Any], *where: Any) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def expected_sentence() -> str:
    d = difference_of_shares(8, 20, 2, 10)
    return (
        "Customers sent a note ordered within 60 days 40% of the time, against 20% of those "
        f"held out: +20 points, 95% CI {d.low * 100:+.0f} to {d.high * 100:+.0f}"
    )


# --- the list and the report ---------------------------------------------------------------


def test_the_list_shows_each_program_with_its_draw_and_uplift(
    programs: Programs, client_as: Callable[[str], Client]
) -> None:
    text = client_as("member").get("/programs").text
    assert f'href="/programs/{programs.crafted}"' in text
    assert "Notes &lt;b&gt;&amp; thanks&lt;/b&gt;" in text
    assert "<b>&" not in text
    row = text[text.index(f'id="program-{programs.crafted}"') :]
    row = row[: row.index("</tr>")]
    assert ">20<" in row  # assigned
    assert ">10<" in row  # held out
    assert expected_sentence() in row
    live = text[text.index(f'id="program-{programs.live}"') :]
    live = live[: live.index("</tr>")]
    assert "Too early to tell" in live
    assert ">9<" in live  # 12 neglected, a quarter held out
    assert ">3<" in live
    assert "Start a program" not in text  # members do not start programs
    assert 'href="/digest"' not in text
    assert "Start a program" in client_as("manager").get("/programs").text


def test_the_list_runs_as_many_queries_for_many_programs_as_for_two(
    engine: Engine, programs: Programs, client_as: Callable[[str], Client]
) -> None:
    client = client_as("member")
    with counting_queries(engine) as few:
        assert client.get("/programs").status_code == 200
    with Session(engine) as s:
        s.info["actor"] = "test"
        account_ids = list(s.scalars(select(Account.id).order_by(Account.id).limit(6)))
        for n in range(5):
            p = Program(
                name=f"More {n}",
                kind=ProgramKind.CALL_WEEK,
                condition="kind = 'customer'",
                recipient_kinds="customer",
                channel=Channel.CALL,
                action="Call",
                reason="more",
                starts_on=today() - timedelta(days=10 * n),
                ends_on=today() - timedelta(days=10 * n - 6),
                outcome_window_days=30,
                seed=n,
                status=ProgramStatus.STOPPED,
            )
            s.add(p)
            s.flush()
            for i, account_id in enumerate(account_ids):
                s.add(
                    ProgramTarget(
                        program_id=p.id,
                        account_id=account_id,
                        arm=Arm.HOLDOUT if i % 3 == 0 else Arm.ASSIGNED,
                        stratum="low",
                        assigned_on=p.starts_on,
                    )
                )
        s.commit()
    with counting_queries(engine) as many:
        text = client.get("/programs").text
    assert "More 4" in text
    assert len(many) == len(few), (len(few), len(many))
    assert len(few) <= 12


def test_the_program_page_says_the_outcome_plainly_and_charts_it(
    programs: Programs, client_as: Callable[[str], Client]
) -> None:
    text = client_as("member").get(f"/programs/{programs.crafted}").text
    assert expected_sentence() in text
    assert "includes zero" in text  # ten held out cannot tell 40% from 20%
    arms = text[text.index('class="dense arms"') :]
    assert re.search(r"Assigned</th>\s*<td class=\"num\">20</td><td class=\"num\">8</td>", arms)
    assert re.search(r"Held out</th>\s*<td class=\"num\">10</td><td class=\"num\">2</td>", arms)
    assert "600.00 USD" in arms  # revenue per assigned account: 8 x 1,500.00 / 20
    assert "120.00 USD" in arms  # per held-out account: 2 x 600.00 / 10
    assert "480.00 USD" in arms  # the difference
    curve = chart(text, "curve-data")
    assert curve["type"] == "line"
    assert curve["labels"][0] == "day 0"
    assert curve["labels"][-1] == "day 60"
    assigned, held_out = curve["datasets"]
    assert assigned["data"][-1] == 40.0
    assert held_out["data"][-1] == 20.0
    assert assigned["data"][curve["labels"].index("day 14")] == 25.0  # 5 of 20 by day 14
    uplift = chart(text, "uplift-data")
    d = difference_of_shares(8, 20, 2, 10)
    assert uplift["datasets"][0]["data"] == [[round(d.low * 100, 1), round(d.high * 100, 1)]]
    assert uplift["datasets"][1]["data"] == [20.0]
    # The targets, each with its side; the member may respond for their own only.
    assert text.count('<tr id="target-') == 30
    assert f'hx-post="/programs/targets/{programs.mine}/responses"' in text
    assert f'hx-post="/programs/targets/{programs.theirs}/responses"' not in text
    assert f'hx-post="/programs/targets/{programs.held_out}/responses"' not in text
    assert "Stop the program" not in text
    manager = client_as("manager").get(f"/programs/{programs.crafted}").text
    assert f'hx-post="/programs/targets/{programs.theirs}/responses"' in manager
    assert f'hx-post="/programs/targets/{programs.held_out}/responses"' not in manager


def test_the_targets_filter_by_side_and_by_who_they_were_planned_for(
    programs: Programs, client_as: Callable[[str], Client]
) -> None:
    client = client_as("member")
    held = client.get(f"/programs/{programs.crafted}?arm=holdout").text
    assert held.count('<tr id="target-') == 10
    mine = client.get(f"/programs/{programs.crafted}?mine=1").text
    assert mine.count('<tr id="target-') == 2
    assert client.get("/programs/999999").status_code == 404


# --- start, stop, respond ---------------------------------------------------------------------


def _new_program(**changes: str) -> dict[str, Any]:
    form: dict[str, Any] = {
        "name": "Supplier thanks",
        "kind": "thank_you_note",
        "condition": "days_since_order >= 180",
        "recipient_kinds": ["customer", "supplier"],
        "daily_quota": "1",
        "holdout_percent": "20",
        "outcome_window_days": "90",
        "starts_on": today().isoformat(),
        "ends_on": "",
    }
    form.update(changes)
    return form


def test_a_manager_starts_a_program_from_the_form(
    engine: Engine, programs: Programs, client_as: Callable[[str], Client]
) -> None:
    client = client_as("manager")
    form = client.get("/programs/new")
    assert form.status_code == 200
    assert 'name="condition"' in form.text
    response = client.form_post("/programs", _new_program(), follow_redirects=False)
    assert response.status_code == 303, response.text
    with Session(engine) as s:
        program = s.scalars(select(Program).where(Program.name == "Supplier thanks")).one()
        assert program.recipient_kinds == "customer,supplier"
        assert program.holdout_fraction == pytest.approx(0.2)
        assert program.outcome_window_days == 90
        assert program.ends_on is None
        assert program.created_by_id is not None
    assert response.headers["location"] == f"/programs/{program.id}"
    assert count(engine, ProgramTarget, ProgramTarget.program_id == program.id) == 12
    page = client.get(response.headers["location"]).text
    assert "Supplier thanks" in page
    assert "Stop the program" in page


def test_a_program_the_form_gets_wrong_is_refused_and_leaves_nothing(
    engine: Engine, programs: Programs, client_as: Callable[[str], Client]
) -> None:
    client = client_as("manager")
    before = count(engine, Program)
    bad = client.form_post("/programs", _new_program(condition="days_since_order >>= 3"))
    assert bad.status_code == 422
    assert "Not started:" in bad.text
    assert "condition" in bad.text
    assert "days_since_order &gt;&gt;= 3" in bad.text  # the form keeps what was typed
    nobody = client.form_post("/programs", _new_program(condition="days_since_order > 100000"))
    assert nobody.status_code == 422
    assert "nothing to run the program on" in nobody.text
    taken = client.form_post("/programs", _new_program(name="Crafted"))
    assert taken.status_code == 422
    assert "already exists" in taken.text
    assert count(engine, Program) == before


def test_a_member_may_neither_start_nor_stop_a_program(
    engine: Engine, programs: Programs, client_as: Callable[[str], Client]
) -> None:
    client = client_as("member")
    assert client.get("/programs/new").status_code == 403
    before = (count(engine, Program), count(engine, ProgramTarget))
    assert client.form_post("/programs", _new_program()).status_code == 403
    assert client.form_post(f"/programs/{programs.live}/stop").status_code == 403
    assert (count(engine, Program), count(engine, ProgramTarget)) == before
    assert count(engine, Program, Program.status == ProgramStatus.STOPPED) == 0


def test_a_manager_stops_a_program(
    engine: Engine, programs: Programs, client_as: Callable[[str], Client]
) -> None:
    client = client_as("manager")
    response = client.form_post(f"/programs/{programs.live}/stop", follow_redirects=False)
    assert response.status_code == 303
    with Session(engine) as s:
        program = s.get(Program, programs.live)
        assert program is not None
        assert program.status == ProgramStatus.STOPPED
        assert program.stopped_on == today()
    page = client.get(f"/programs/{programs.live}").text
    assert "Stop the program" not in page
    assert f"stopped {today().day} " in page
    assert client.form_post(f"/programs/{programs.live}/stop").status_code == 409


def test_a_member_records_a_response_inline_for_their_own_target(
    engine: Engine, programs: Programs, client_as: Callable[[str], Client]
) -> None:
    client = client_as("member")
    htmx = {"HX-Request": "true", "X-CSRF-Token": client.csrf}
    response = client.post(
        f"/programs/targets/{programs.mine}/responses",
        data={"kind": "called_back", "note": "Pat called to <say> thanks"},
        headers=htmx,
    )
    assert response.status_code == 200, response.text
    assert response.text.lstrip().startswith(f'<tr id="target-{programs.mine}"')
    assert "called back" in response.text
    with Session(engine) as s:
        recorded = s.scalars(select(ProgramResponse)).one()
        assert recorded.kind == ResponseKind.CALLED_BACK
        assert recorded.responded_on == today()
        assert recorded.note == "Pat called to <say> thanks"
        assert recorded.member_id is not None
    # Without script: a form post that comes back to the program's page.
    plain = client.form_post(
        f"/programs/targets/{programs.mine}/responses",
        {"kind": "order_placed", "responded_on": (today() - timedelta(days=1)).isoformat()},
        follow_redirects=False,
    )
    assert plain.status_code == 303
    assert plain.headers["location"] == f"/programs/{programs.crafted}#target-{programs.mine}"
    report = client.get(f"/programs/{programs.crafted}").text
    assert "called back 1" in report
    assert "order placed 1" in report


def test_responses_are_refused_for_others_targets_the_holdout_and_without_the_token(
    engine: Engine, programs: Programs, client_as: Callable[[str], Client]
) -> None:
    client = client_as("member")
    url = "/programs/targets/{}/responses"
    theirs = client.form_post(url.format(programs.theirs), {"kind": "called_back"})
    assert theirs.status_code == 403
    assert "not put in your plan" in theirs.text
    assert client.post(url.format(programs.mine), data={"kind": "nothing"}).status_code == 403
    tomorrow = (today() + timedelta(days=1)).isoformat()
    early = client.form_post(
        url.format(programs.mine), {"kind": "nothing", "responded_on": tomorrow}
    )
    assert early.status_code == 422
    manager = client_as("manager")
    held = manager.form_post(url.format(programs.held_out), {"kind": "called_back"})
    assert held.status_code == 422
    assert "held out" in held.text
    assert count(engine, ProgramResponse) == 0
    assert (
        manager.form_post(
            url.format(programs.theirs), {"kind": "new_quote"}, follow_redirects=False
        ).status_code
        == 303
    )
    assert count(engine, ProgramResponse) == 1


# --- thank-you notes on paper -------------------------------------------------------------------


def test_the_notes_page_lists_the_days_notes_with_a_link_to_the_cards(
    programs: Programs, client_as: Callable[[str], Client]
) -> None:
    text = client_as("member").get("/notes").text
    assert text.count('class="note-card"') == 2  # the live program's quota: two a day
    assert "Pat Buyer" in text
    assert "Attn. Pat" in text
    assert "secret goal" in text  # the crib is for the writer, on the page
    assert f'href="/notes/cards.pdf?day={today().isoformat()}"' in text
    other = client_as("member").get(f"/notes?day={(today() - timedelta(days=40)).isoformat()}")
    assert "No handwritten notes" in other.text


def test_the_cards_pdf_is_a_download_with_card_envelope_and_crib_per_note(
    programs: Programs, client_as: Callable[[str], Client]
) -> None:
    client = client_as("member")
    response = client.get(f"/notes/cards.pdf?day={today().isoformat()}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="notes-{today().isoformat()}.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    pdf = pdfium.PdfDocument(response.content)
    assert len(pdf) == 6
    pages = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    assert "Thank you" in pages[0]
    assert "Dear Pat Buyer" in pages[0]
    assert "secret goal" not in pages[0] + pages[1]
    assert "Attn. Pat" in pages[1]
    assert "For the writer only" in pages[2]
    assert "secret goal" in pages[2]
    assert pdf[0].get_size()[0] > pdf[0].get_size()[1]  # the card is landscape
    none = client.get(f"/notes/cards.pdf?day={(today() - timedelta(days=40)).isoformat()}")
    assert none.status_code == 422
    assert "no handwritten notes" in none.text


# --- the weekly review -------------------------------------------------------------------------


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on a free loopback port, and the settings that point at it."""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("GOODWILL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("GOODWILL_SMTP_PORT", str(port))
    monkeypatch.setenv("GOODWILL_SMTP_TLS", "none")
    monkeypatch.setenv("GOODWILL_MAIL_FROM", "review@goodwill-test.com")
    get_settings.cache_clear()
    try:
        yield inbox, port
    finally:
        controller.stop()
        get_settings.cache_clear()


def _respond(engine: Engine, programs: Programs, client: Client) -> None:
    response = client.form_post(
        f"/programs/targets/{programs.mine}/responses",
        {"kind": "called_back", "note": "thanks <for> the note"},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_the_digest_page_shows_the_week_and_says_when_mail_is_not_set_up(
    engine: Engine,
    programs: Programs,
    client_as: Callable[[str], Client],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GOODWILL_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    _respond(engine, programs, client_as("member"))
    assert client_as("member").get("/digest").status_code == 403
    manager = client_as("manager")
    text = manager.get("/digest").text
    monday = today() - timedelta(days=today().weekday())
    assert f"{monday.day} {monday:%b %Y}" in text
    assert "thanks &lt;for&gt; the note" in text
    assert "called back" in text
    assert f'href="/programs/{programs.crafted}">Crafted</a>' in text
    assert "40% of 20" in text
    assert "20% of 10" in text
    assert "Notes &lt;b&gt;&amp; thanks&lt;/b&gt;" in text
    assert "GOODWILL_SMTP_HOST is not set" in text
    assert re.search(r'<button type="submit"\s+disabled>Send by mail', text)
    refused = manager.form_post("/digest/send", {"week": monday.isoformat()})
    assert refused.status_code == 422
    assert "GOODWILL_SMTP_HOST is not set" in refused.text
    assert client_as("member").form_post("/digest/send").status_code == 403


def test_the_send_button_mails_the_digest_to_managers_and_admins(
    engine: Engine,
    programs: Programs,
    client_as: Callable[[str], Client],
    team: dict[str, Person],
    smtp: tuple[Inbox, int],
) -> None:
    inbox, _ = smtp
    _respond(engine, programs, client_as("member"))
    manager = client_as("manager")
    page = manager.get("/digest").text
    assert "GOODWILL_SMTP_HOST is not set" not in page
    assert "admin@goodwill-test.com, manager@goodwill-test.com" in page
    monday = today() - timedelta(days=today().weekday())
    response = manager.form_post(
        "/digest/send", {"week": monday.isoformat()}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/digest?week={monday.isoformat()}&sent=2"
    assert "Sent the weekly review to 2 people" in manager.get(response.headers["location"]).text
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == [team["admin"].email, team["manager"].email]
    assert message["From"] == "review@goodwill-test.com"
    assert message["Subject"] == f"Goodwill weekly review, {monday} to {monday + timedelta(days=6)}"
    parts = {part.get_content_type(): part for part in message.walk()}
    html = parts["text/html"].get_payload(decode=True).decode()
    assert "thanks &lt;for&gt; the note" in html
    assert "40% of 20" in html


def test_a_mail_server_that_is_not_there_is_said_plainly(
    programs: Programs, client_as: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOODWILL_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("GOODWILL_SMTP_PORT", str(_free_port()))  # nobody listens there
    monkeypatch.setenv("GOODWILL_SMTP_TLS", "none")
    get_settings.cache_clear()
    try:
        response = client_as("manager").form_post("/digest/send")
    finally:
        get_settings.cache_clear()
    assert response.status_code == 502
    assert "could not reach the mail server 127.0.0.1:" in response.text


def test_the_nav_links_follow_the_role(
    programs: Programs, client_as: Callable[[str], Client]
) -> None:
    member = client_as("member").get("/programs").text
    assert 'href="/programs" aria-current="page"' in member
    assert 'href="/notes"' in member
    assert 'href="/digest"' not in member
    assert 'href="/digest"' in client_as("manager").get("/programs").text


# --- the REST API ---------------------------------------------------------------------------------


@pytest.fixture
def api(
    app: FastAPI, engine: Engine, team: dict[str, Person], programs: Programs
) -> Iterator[Callable[[str], TestClient]]:
    """A factory: ``api("manager")`` is a client sending that role's API token."""
    with Session(engine) as session:
        session.info["actor"] = "test"
        tokens = {}
        for role, person in team.items():
            member = session.get(Member, person.id)
            assert member is not None
            tokens[role] = create_api_token(session, member, f"{role} tests")[0]
        session.commit()
    opened: list[TestClient] = []

    def make(role: str) -> TestClient:
        c = TestClient(
            app, base_url="https://testserver", headers={"authorization": f"Bearer {tokens[role]}"}
        )
        c.__enter__()
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.__exit__(None, None, None)


def problem_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def test_the_api_lists_programs_in_pages_and_reads_one(
    programs: Programs, api: Callable[[str], TestClient]
) -> None:
    member = api("member")
    listed = member.get("/api/v1/programs").json()
    assert set(listed) == {"items", "total", "limit", "offset"}
    assert listed["total"] == 2
    assert [p["name"] for p in listed["items"]] == [LIVE_NAME, "Crafted"]  # newest first
    first = member.get("/api/v1/programs?limit=1&offset=1").json()
    assert [p["id"] for p in first["items"]] == [programs.crafted]
    problem_of(member.get("/api/v1/programs?status=active"), 422)
    one = member.get(f"/api/v1/programs/{programs.crafted}").json()
    assert (one["assigned"], one["holdout"], one["done"]) == (20, 10, 0)
    assert one["strata"] == [{"stratum": "low", "assigned": 20, "holdout": 10}]
    assert one["created_by"] == "Max Manager"
    problem_of(member.get("/api/v1/programs/999999"), 404)
    targets = member.get(f"/api/v1/programs/{programs.crafted}/targets?arm=holdout&limit=4")
    body = targets.json()
    assert body["total"] == 10
    assert len(body["items"]) == 4
    assert {t["arm"] for t in body["items"]} == {"holdout"}


def test_the_api_report_has_the_figures_the_sentence_and_the_chart(
    programs: Programs, api: Callable[[str], TestClient]
) -> None:
    member = api("member")
    report = member.get(f"/api/v1/programs/{programs.crafted}/report").json()
    outcome = report["outcome"]
    assert outcome["complete"] is True
    assert (outcome["assigned"]["targets"], outcome["assigned"]["ordered"]) == (20, 8)
    assert (outcome["holdout"]["targets"], outcome["holdout"]["ordered"]) == (10, 2)
    assert outcome["assigned"]["revenue_per_target_minor"] == 60_000
    d = difference_of_shares(8, 20, 2, 10)
    assert outcome["uplift"] == pytest.approx({"estimate": 0.2, "low": d.low, "high": d.high})
    assert outcome["sentence"].startswith(expected_sentence())
    assert outcome["curve"][-1] == {"day": 60, "assigned": 0.4, "holdout": 0.2}
    assert report["responses_by_kind"]["called_back"] == 0
    early = programs.start + timedelta(days=20)
    then = member.get(f"/api/v1/programs/{programs.crafted}/report?as_of={early}").json()
    assert then["outcome"]["complete"] is False
    assert "in the first 20 days" in then["outcome"]["sentence"]
    problem_of(member.get(f"/api/v1/programs/{programs.crafted}/report?asof={early}"), 422)


def test_the_api_starts_and_stops_programs_for_managers_only(
    engine: Engine, programs: Programs, api: Callable[[str], TestClient]
) -> None:
    body = {
        "name": "API thanks",
        "condition": "days_since_order >= 180",
        "recipient_kinds": ["customer"],
        "holdout_fraction": 0.25,
        "outcome_window_days": 30,
        "seed": 11,
    }
    before = (count(engine, Program), count(engine, ProgramTarget))
    problem_of(api("member").post("/api/v1/programs", json=body), 403)
    problem_of(api("member").post(f"/api/v1/programs/{programs.live}/stop"), 403)
    assert (count(engine, Program), count(engine, ProgramTarget)) == before
    manager = api("manager")
    bad = problem_of(manager.post("/api/v1/programs", json={**body, "condition": "nope >"}), 422)
    assert "condition" in bad["detail"]
    problem_of(manager.post("/api/v1/programs", json={**body, "outcome_window_days": 45}), 422)
    assert (count(engine, Program), count(engine, ProgramTarget)) == before
    made = manager.post("/api/v1/programs", json=body)
    assert made.status_code == 201, made.text
    program = made.json()
    assert program["starts_on"] == today().isoformat()
    assert (program["assigned"] + program["holdout"], program["seed"]) == (12, 11)
    assert program["outcome_window_days"] == 30
    problem_of(manager.post("/api/v1/programs", json=body), 409)
    stopped = manager.post(f"/api/v1/programs/{program['id']}/stop")
    assert stopped.status_code == 200
    assert stopped.json()["status"] == "stopped"
    assert stopped.json()["stopped_on"] == today().isoformat()
    problem_of(manager.post(f"/api/v1/programs/{program['id']}/stop"), 409)


def test_the_api_records_responses_for_the_callers_own_targets(
    engine: Engine, programs: Programs, api: Callable[[str], TestClient]
) -> None:
    member = api("member")
    url = "/api/v1/programs/targets/{}/responses"
    made = member.post(url.format(programs.mine), json={"kind": "order_placed", "note": "PO 77"})
    assert made.status_code == 201, made.text
    assert made.json()["kind"] == "order_placed"
    assert made.json()["program"] == "Crafted"
    assert made.json()["responded_on"] == today().isoformat()
    problem_of(member.post(url.format(programs.theirs), json={"kind": "nothing"}), 403)
    problem_of(api("manager").post(url.format(programs.held_out), json={"kind": "nothing"}), 422)
    problem_of(member.post(url.format(999999), json={"kind": "nothing"}), 404)
    assert count(engine, ProgramResponse) == 1
    report = member.get(f"/api/v1/programs/{programs.crafted}/report").json()
    assert report["responses_by_kind"]["order_placed"] == 1


def test_the_api_digest_and_note_cards(
    programs: Programs, api: Callable[[str], TestClient]
) -> None:
    problem_of(api("member").get("/api/v1/digest"), 403)
    digest = api("manager").get("/api/v1/digest").json()
    assert digest["start"] == (today() - timedelta(days=today().weekday())).isoformat()
    crafted = next(p for p in digest["programs"] if p["name"] == "Crafted")
    assert crafted["outcome"]["assigned"]["share_ordered"] == 0.4
    member = api("member")
    notes = member.get("/api/v1/notes").json()
    assert notes["total"] == 2
    assert notes["items"][0]["recipient"].startswith("Pat Buyer")
    pdf = member.get(f"/api/v1/notes/cards.pdf?day={today().isoformat()}")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment;")
    assert pdf.content.startswith(b"%PDF")
    assert len(pdfium.PdfDocument(pdf.content)) == 6
    empty = member.get(f"/api/v1/notes/cards.pdf?day={(today() - timedelta(days=40)).isoformat()}")
    problem_of(empty, 422)


SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@SQLITE_ONLY  # reads the document only
def test_every_program_route_is_in_the_openapi_document_with_its_response(app: FastAPI) -> None:
    document = app.openapi()
    wanted = {
        ("get", "/api/v1/programs"): "#/components/schemas/Page_ProgramOut_",
        ("post", "/api/v1/programs"): "#/components/schemas/ProgramOut",
        ("get", "/api/v1/programs/{program_id}"): "#/components/schemas/ProgramOut",
        ("post", "/api/v1/programs/{program_id}/stop"): "#/components/schemas/ProgramOut",
        ("get", "/api/v1/programs/{program_id}/report"): "#/components/schemas/ProgramReport",
        ("get", "/api/v1/programs/{program_id}/targets"): "#/components/schemas/Page_TargetOut_",
        ("post", "/api/v1/programs/targets/{target_id}/responses"): (
            "#/components/schemas/ResponseOut"
        ),
        ("get", "/api/v1/digest"): "#/components/schemas/Digest",
        ("get", "/api/v1/notes"): "#/components/schemas/Page_NoteCard_",
    }
    for (method, path), ref in wanted.items():
        operation = document["paths"][path][method]
        ok = operation["responses"]["201" if method == "post" and "stop" not in path else "200"]
        assert ok["content"]["application/json"]["schema"]["$ref"] == ref, (method, path)
        assert "422" in operation["responses"]
    pdf = document["paths"]["/api/v1/notes/cards.pdf"]["get"]["responses"]["200"]
    assert "application/pdf" in pdf["content"]
    assert not any(p.startswith(("/programs", "/notes", "/digest")) for p in document["paths"])
