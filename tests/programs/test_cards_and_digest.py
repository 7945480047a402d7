"""Note cards as PDF (rendered to images) and the weekly digest sent to a real SMTP server."""

from __future__ import annotations

import email
import socket
from datetime import timedelta
from email.message import Message
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session

from goodwill.agenda.service import complete_item, member_plan
from goodwill.config import Settings
from goodwill.models import AccountKind, ProgramKind, ResponseKind
from goodwill.programs.cards import cards_pdf, note_cards
from goodwill.programs.digest import digest_html, digest_text, send_digest, weekly_digest
from goodwill.programs.schemas import ProgramIn
from goodwill.programs.service import create_program, program_targets, record_response
from tests.agenda.world import NOON
from tests.programs.world import DAY, ProgramWorld, build


@pytest.fixture
def world(session: Session) -> ProgramWorld:
    """The crafted world with a thank-you note program running from DAY."""
    w = build(session)
    create_program(
        session,
        ProgramIn(
            name="Notes <b>& thanks</b>",
            kind=ProgramKind.THANK_YOU_NOTE,
            recipient_kinds=[AccountKind.CUSTOMER],
            starts_on=DAY,
            daily_quota=2,
            seed=3,
        ),
        w.mia,
        DAY,
    )
    return w


def ink(page: pdfium.PdfPage, box: tuple[float, float, float, float]) -> float:
    """Share of dark pixels in a box given as fractions (left, top, right, bottom) of the page."""
    image = np.asarray(page.render(scale=1).to_pil().convert("L"))
    h, w = image.shape
    left, top, right, bottom = box
    part = image[int(top * h) : int(bottom * h), int(left * w) : int(right * w)]
    return float((part < 128).mean())


def test_the_cards_pdf_has_card_envelope_and_crib_and_the_card_tells_no_secrets(
    session: Session, world: ProgramWorld
) -> None:
    member_plan(session, world.ola, DAY)
    cards = note_cards(session, world.ola, DAY)
    assert len(cards) == 2
    card = cards[0]
    assert card.recipient.startswith("Pat Buyer")
    assert card.address[0].startswith("Attn. Pat")
    assert card.goals
    assert card.goals[0].startswith("secret goal")
    pdf = pdfium.PdfDocument(cards_pdf(cards, "Ola Berg", DAY))
    assert len(pdf) == 6
    texts = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    front, envelope, crib = texts[:3]
    assert "Thank you" in front
    assert f"Dear {card.recipient}," in front
    assert "secret goal" not in front
    assert "Mill Road" not in front
    assert card.address[0] in envelope
    assert "secret goal" not in envelope
    assert "For the writer only" in crib
    assert card.goals[0] in crib
    assert "last order" in crib
    # The card is printed in its frame and heading and left blank to write on; the
    # envelope's ink is in the address block, bottom right, not in the top left corner.
    page = pdf[0]
    assert page.get_size()[0] > page.get_size()[1]  # landscape
    assert ink(page, (0.3, 0.12, 0.7, 0.25)) > 0.02  # "Thank you"
    assert ink(page, (0.0, 0.0, 1.0, 0.06)) < 0.2  # the margin outside the frame
    assert ink(page, (0.02, 0.3, 0.98, 0.85)) < 0.05  # room to write
    env = pdf[1]
    assert ink(env, (0.44, 0.4, 0.95, 0.75)) > 0.01
    assert ink(env, (0.0, 0.0, 0.4, 0.35)) == 0.0
    assert ink(pdf[2], (0.05, 0.05, 0.9, 0.4)) > 0.005


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"


def test_the_weekly_digest_is_mailed_with_its_figures(
    session: Session, world: ProgramWorld
) -> None:
    plan = member_plan(session, world.ann, DAY)
    item = plan.items[0]
    complete_item(session, item.id, world.ann, "wrote to Pat", happened_at=NOON)
    target = next(t for t in program_targets(session, world_program(session)) if t.plan_item_id)
    record_response(
        session,
        target.id,
        ResponseKind.CALLED_BACK,
        world.ann,
        DAY + timedelta(days=1),
        "called to <say> thanks",
    )
    digest = weekly_digest(session, DAY, DAY + timedelta(days=2))
    assert digest.start.weekday() == 0
    assert digest.items_done == 1
    assert digest.responses[0].response.kind == ResponseKind.CALLED_BACK
    html = digest_html(digest)
    assert "Notes &lt;b&gt;&amp; thanks&lt;/b&gt;" in html
    assert "<b>" not in html
    assert "called to &lt;say&gt; thanks" in html
    assert "Notes <b>& thanks</b>" in digest_text(digest)

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = Settings(
            smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none", mail_from="review@team.test"
        )
        send_digest(digest, ["mia@goodwill-demo.com", "boss@team.test"], settings)
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["mia@goodwill-demo.com", "boss@team.test"]
    assert message["Subject"] == f"Goodwill weekly review, {digest.start} to {digest.end}"
    assert message["From"] == "review@team.test"
    parts = {part.get_content_type(): part for part in message.walk()}
    html_part = parts["text/html"].get_payload(decode=True).decode()
    text_part = parts["text/plain"].get_payload(decode=True).decode()
    assert "1 plan items done" in html_part
    assert "called back" in html_part
    assert f"of {digest.programs[0].outcome.assigned.targets}" in html_part
    assert "ACTS DONE" in text_part


def world_program(session: Session) -> int:
    from goodwill.programs.service import list_programs

    return list_programs(session)[0].id


def test_the_digest_refuses_to_send_without_a_server(session: Session, world: ProgramWorld) -> None:
    from goodwill.errors import Invalid

    digest = weekly_digest(session, DAY)
    with pytest.raises(Invalid, match="GOODWILL_SMTP_HOST"):
        send_digest(digest, ["a@b.test"], Settings(smtp_host=None))
