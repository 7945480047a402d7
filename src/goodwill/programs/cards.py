"""Thank-you note cards on paper: the card, its envelope, and the writer's crib (ReportLab).

For each note item of a member's day there are three pages: the card (the recipient's name,
a printed frame and greeting, room to write by hand), the envelope (name and postal
address), and a crib for the writer only: the last touch, their goals, personal notes.
What we know about a customer is never printed on what they receive.
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import UTC, date
from pathlib import Path

from pydantic import BaseModel
from reportlab.lib.colors import Color  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.models import (
    Account,
    Channel,
    Contact,
    Fact,
    FactKind,
    Member,
    PlanItem,
    PlanStatus,
    Touch,
)

CARD = (148 * mm, 105 * mm)  # A6, landscape
ENVELOPE = (162 * mm, 114 * mm)  # C6, fits an A6 card
CRIB = (210 * mm, 297 * mm)  # A4

_PERSONAL = (FactKind.FAMILY, FactKind.INTEREST, FactKind.COMMUNITY, FactKind.VALUES)
_INK = Color(0.15, 0.2, 0.35)
_RULE = Color(0.7, 0.7, 0.75)


class NoteCard(BaseModel):
    """One note to write: to whom, where to send it, and the crib for the writer."""

    plan_item_id: int
    account_id: int
    account: str
    recipient: str
    address: list[str]
    reason: str
    last_touch: str | None
    goals: list[str]
    personal: list[str]


def note_cards(session: Session, member: Member, day: date) -> list[NoteCard]:
    """The notes on the member's plan of ``day`` (items by handwritten note, not dropped)."""
    rows = session.execute(
        select(PlanItem, Account)
        .join(Account, Account.id == PlanItem.account_id)
        .where(
            PlanItem.member_id == member.id,
            PlanItem.day == day,
            PlanItem.channel == Channel.NOTE,
            PlanItem.status.in_((PlanStatus.OPEN, PlanStatus.DONE)),
        )
        .order_by(PlanItem.position)
    ).all()
    ids = [account.id for _, account in rows]
    if not ids:
        return []
    contacts: dict[int, list[Contact]] = defaultdict(list)
    for contact in session.scalars(
        select(Contact).where(Contact.account_id.in_(ids)).order_by(Contact.id)
    ):
        contacts[contact.account_id].append(contact)
    facts: dict[int, list[Fact]] = defaultdict(list)
    for fact in session.scalars(
        select(Fact)
        .where(Fact.account_id.in_(ids), Fact.kind.in_((FactKind.GOAL, *_PERSONAL)))
        .order_by(Fact.learned_on.desc(), Fact.id.desc())
    ):
        facts[fact.account_id].append(fact)
    last: dict[int, Touch] = {}
    for touch in session.scalars(
        select(Touch).where(Touch.account_id.in_(ids)).order_by(Touch.happened_at)
    ):
        last[touch.account_id] = touch
    cards = []
    for item, account in rows:
        people = contacts[account.id]
        # The person to write to: one with a postal address of their own, else the first.
        person: Contact | None = next(
            (c for c in people if c.address_lines()), people[0] if people else None
        )
        address = (person.address_lines() if person else []) or account.address_lines()
        latest = last.get(account.id)
        last_touch = None
        if latest is not None:
            when = latest.happened_at.astimezone(UTC).date()
            last_touch = f"{when} by {latest.channel.value.replace('_', ' ')}: {latest.summary}"
        cards.append(
            NoteCard(
                plan_item_id=item.id,
                account_id=account.id,
                account=account.name,
                recipient=person.name if person else f"Friends at {account.name}",
                address=address,
                reason=item.reason,
                last_touch=last_touch,
                goals=[f.text for f in facts[account.id] if f.kind == FactKind.GOAL][:3],
                personal=[
                    f"{f.kind.value}: {f.text}" for f in facts[account.id] if f.kind in _PERSONAL
                ][:4],
            )
        )
    return cards


_FONTS: tuple[str, str] | None = None


def _fonts() -> tuple[str, str]:
    """A regular and a bold font that cover more than Latin-1 (DejaVu, else ReportLab's Vera)."""
    global _FONTS
    if _FONTS is None:
        import reportlab  # type: ignore[import-untyped]

        shipped = Path(reportlab.__file__).parent / "fonts"
        dejavu = Path("/usr/share/fonts/truetype/dejavu")
        pairs = [
            (dejavu / "DejaVuSerif.ttf", dejavu / "DejaVuSerif-Bold.ttf"),
            (shipped / "Vera.ttf", shipped / "VeraBd.ttf"),
        ]
        regular, bold = next((r, b) for r, b in pairs if r.exists() and b.exists())
        pdfmetrics.registerFont(TTFont("Goodwill", str(regular)))
        pdfmetrics.registerFont(TTFont("Goodwill-Bold", str(bold)))
        _FONTS = ("Goodwill", "Goodwill-Bold")
    return _FONTS


def _wrapped(text: str, font: str, size: float, width: float) -> list[str]:
    words = text.split()
    lines: list[str] = []
    line = ""
    for word in words:
        trial = f"{line} {word}".strip()
        if pdfmetrics.stringWidth(trial, font, size) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    return [*lines, line] if line else lines


def _card(canvas: Canvas, card: NoteCard, sender: str) -> None:
    regular, bold = _fonts()
    width, height = CARD
    canvas.setPageSize(CARD)
    canvas.setStrokeColor(_INK)
    canvas.setLineWidth(1.2)
    canvas.rect(6 * mm, 6 * mm, width - 12 * mm, height - 12 * mm)
    canvas.setLineWidth(0.4)
    canvas.rect(8 * mm, 8 * mm, width - 16 * mm, height - 16 * mm)
    canvas.setFillColor(_INK)
    canvas.setFont(bold, 20)
    canvas.drawCentredString(width / 2, height - 24 * mm, "Thank you")
    canvas.setFont(regular, 12)
    canvas.drawString(16 * mm, height - 36 * mm, f"Dear {card.recipient},")
    canvas.setStrokeColor(_RULE)
    y = height - 46 * mm
    while y > 24 * mm:  # ruled lines to write on
        canvas.line(16 * mm, y, width - 16 * mm, y)
        y -= 9 * mm
    canvas.setFont(regular, 10)
    canvas.drawRightString(width - 16 * mm, 14 * mm, f"— {sender}")
    canvas.showPage()


def _envelope(canvas: Canvas, card: NoteCard) -> None:
    regular, bold = _fonts()
    width, height = ENVELOPE
    canvas.setPageSize(ENVELOPE)
    canvas.setFillColor(Color(0, 0, 0))
    x, y = width * 0.45, height * 0.55
    canvas.setFont(bold, 12)
    canvas.drawString(x, y, card.recipient)
    canvas.setFont(regular, 11)
    for line in [card.account, *card.address]:
        y -= 6 * mm
        canvas.drawString(x, y, line)
    canvas.showPage()


def _crib(canvas: Canvas, card: NoteCard, day: date) -> None:
    regular, bold = _fonts()
    width, height = CRIB
    canvas.setPageSize(CRIB)
    left, right = 20 * mm, width - 20 * mm
    y = height - 25 * mm
    canvas.setFont(bold, 14)
    canvas.drawString(left, y, f"For the writer only: {card.account}")
    y -= 7 * mm
    canvas.setFont(regular, 9)
    canvas.drawString(left, y, f"Not for the card. Note for {card.recipient}, {day}.")
    sections = [
        ("Why this note", [card.reason]),
        ("Last touch", [card.last_touch or "no touch on record"]),
        ("Their goals", card.goals or ["none on record: ask on the next call"]),
        ("Personal notes", card.personal or ["none on record"]),
    ]
    if not card.address:
        sections.insert(0, ("Address missing", ["no postal address on record: find it first"]))
    for title, lines in sections:
        y -= 11 * mm
        canvas.setFont(bold, 11)
        canvas.drawString(left, y, title)
        canvas.setFont(regular, 10)
        for text in lines:
            for line in _wrapped(f"• {text}", regular, 10, right - left):
                y -= 5.5 * mm
                canvas.drawString(left, y, line)
    canvas.showPage()


def cards_pdf(cards: list[NoteCard], sender: str, day: date) -> bytes:
    """The PDF: for each note, its card, its envelope, then the writer's crib."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=CARD, invariant=True)
    canvas.setTitle(f"Thank-you notes of {sender}, {day}")
    canvas.setAuthor("Goodwill")
    for card in cards:
        _card(canvas, card, sender)
        _envelope(canvas, card)
        _crib(canvas, card, day)
    canvas.save()
    return buffer.getvalue()
