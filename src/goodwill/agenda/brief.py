"""The meeting brief for a sit-down: the questions to ask and everything to bring.

The essays' sit-down (Douglas Crotty, Customer Love): ask about their goals for the coming
quarter, what is on their drawing board, changes in their operations that could affect us,
and their history; know their people; bring the value we delivered and what we still owe.
``account_brief`` gathers it from the account overview; ``brief_markdown`` writes it as
Markdown with every stored text escaped, so a note cannot inject markup into the brief.
"""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal

import markdown
import nh3
from pydantic import BaseModel
from sqlalchemy.orm import Session

from goodwill.accounts.schemas import AccountOverview, FactOut
from goodwill.accounts.service import account_overview
from goodwill.models import FactKind
from goodwill.words import written_day

_QUESTIONS: tuple[tuple[FactKind, str], ...] = (
    (FactKind.GOAL, "What are your goals for the coming quarter?"),
    (
        FactKind.DRAWING_BOARD,
        "What is on your drawing board, and how could it change what we do for you?",
    ),
    (
        FactKind.PLANNED_CHANGE,
        "Are any changes coming in your operations that could need us to adjust scheduling "
        "or manpower?",
    ),
    (FactKind.HISTORY, "How did the company come to be where it is? (their history)"),
    (FactKind.VENDOR_ROLE, "What role do you want your vendors to play?"),
)

_PERSONAL = (FactKind.FAMILY, FactKind.INTEREST, FactKind.COMMUNITY, FactKind.VALUES)


class Question(BaseModel):
    """A standard question and what we already know on it."""

    question: str
    known: list[str]
    stale: bool


class Brief(BaseModel):
    """Everything to bring to a sit-down with one account."""

    overview: AccountOverview
    questions: list[Question]
    personal: list[str]
    value_delivered: list[str]
    usual_gap_days: float | None


def _day(day: date | None) -> str:
    """A day as the rest of the app writes it: 2 Dec 2026."""
    return written_day(day) if day else "-"


def _fact_text(fact: FactOut) -> str:
    period = f" ({fact.period})" if fact.period else ""
    return f"{fact.text}{period}, learned {_day(fact.learned_on)}"


def account_brief(session: Session, account_id: int, today: date) -> Brief:
    """Gather the brief for a sit-down with the account as of ``today``."""
    overview = account_overview(session, account_id, today)
    by_kind = {group.kind: group.facts for group in overview.facts}
    questions = [
        Question(
            question=text,
            known=[_fact_text(f) for f in by_kind.get(kind, [])[:3]],
            stale=all(f.stale for f in by_kind.get(kind, [])) if by_kind.get(kind) else True,
        )
        for kind, text in _QUESTIONS
    ]
    personal = [_fact_text(f) for kind in _PERSONAL for f in by_kind.get(kind, [])[:2]]
    for person in overview.people:
        personal.extend(f"{person.name}: {_fact_text(f)}" for f in person.facts[:2])
    value = [
        f"{t.happened_at:%Y-%m-%d} {t.value.value.replace('_', ' ')}: {t.summary}"
        for t in overview.touches
        if t.value.value != "none"
    ]
    return Brief(
        overview=overview,
        questions=questions,
        personal=personal,
        value_delivered=value,
        usual_gap_days=overview.orders.average_gap_days,
    )


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")


def md(text: object) -> str:
    """Stored text made inert in Markdown: specials escaped, angle brackets as entities."""
    plain = " ".join(str(text).split())
    plain = plain.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", plain)


def _money(minor: int, currency: str) -> str:
    return f"{Decimal(minor).scaleb(-2):,.2f} {currency}"


def brief_markdown(brief: Brief, currency: str) -> str:
    """The brief as a Markdown document."""
    o = brief.overview
    owners = ", ".join(md(m.name) for m in o.owners) or "nobody yet"
    lines = [
        f"# Meeting brief: {md(o.name)}",
        "",
        f"{md(o.kind.value)}, tier {md(o.tier or '-')} · owners: {owners} · as of {_day(o.today)}",
        "",
        "## Questions to ask",
        "",
    ]
    for q in brief.questions:
        flag = " *(not asked recently)*" if q.stale else ""
        lines.append(f"1. **{md(q.question)}**{flag}")
        lines.extend(f"    - known: {md(k)}" for k in q.known)
    lines += ["", "## People", ""]
    for p in o.people:
        title = f", {md(p.title)}" if p.title else ""
        how = (
            f" · prefers {md(p.preferred_channel.value.replace('_', ' '))}"
            if p.preferred_channel
            else ""
        )
        phone = f" · {md(p.phone)}" if p.phone else ""
        birthday = f" · birthday {p.birthday:%d %B}" if p.birthday else ""
        lines.append(f"- **{md(p.name)}**{title}{how}{phone}{birthday}")
    if not o.people:
        lines.append("- nobody on record: ask who else we should know")
    if brief.personal:
        lines += ["", "## Personal notes", ""]
        lines.extend(f"- {md(n)}" for n in brief.personal)
    lines += ["", "## How they buy", ""]
    orders = o.orders
    if orders.count:
        gap = f"; usually every {brief.usual_gap_days:.0f} days" if brief.usual_gap_days else ""
        lines.append(
            f"- {orders.count} orders since {_day(orders.first_on)}; "
            f"last on {_day(orders.last_on)}{gap}"
        )
        lines.append(f"- last 12 months: {_money(orders.revenue_last_12_months_minor, currency)}")
    else:
        lines.append("- no orders yet")
    lines += ["", "## Value we delivered", ""]
    lines.extend(f"- {md(v)}" for v in brief.value_delivered[:5])
    if not brief.value_delivered:
        lines.append("- nothing recorded lately: bring something useful this time")
    lines += ["", "## Open quotes", ""]
    for quote in o.quotes_open:
        what = f" {md(quote.description)}" if quote.description else ""
        amount = _money(quote.amount_minor, currency)
        lines.append(f"- {_day(quote.quoted_on)}: {amount} ({quote.age_days} days){what}")
    if not o.quotes_open:
        lines.append("- none")
    lines += ["", "## Open promises", ""]
    lines.extend(
        f"- due {_day(p.due_on)}{' (OVERDUE)' if p.overdue else ''}: {md(p.what)}"
        for p in o.promises_open
    )
    if not o.promises_open:
        lines.append("- none")
    lines += ["", "## Last touches", ""]
    lines.extend(
        f"- {_day(t.happened_at.date())} {md(t.channel.value.replace('_', ' '))}"
        f"{' by ' + md(t.member) if t.member else ''}: {md(t.summary)}"
        for t in o.touches[:5]
    )
    if not o.touches:
        lines.append("- none yet")
    return "\n".join(lines) + "\n"


def brief_fragment(brief: Brief, currency: str) -> str:
    """The brief as sanitized HTML to put inside a page (from the Markdown, then nh3)."""
    body = markdown.markdown(brief_markdown(brief, currency), output_format="html")
    return nh3.clean(body)


def brief_html(brief: Brief, currency: str) -> str:
    """The brief as a standalone HTML page (from the Markdown, then sanitized with nh3)."""
    safe = brief_fragment(brief, currency)
    title = html.escape(f"Meeting brief: {brief.overview.name}")
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title>"
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;"
        "padding:0 1rem;color:#222}h1{font-size:1.6rem}h2{font-size:1.15rem;margin-top:1.6rem;"
        "border-bottom:1px solid #ddd}em{color:#a60}</style>"
        f"</head><body>\n{safe}\n</body></html>\n"
    )
