"""The weekly digest for the team meeting: acts, responses, programs, arrows, promises, quotes.

The essays' weekly lunch (Sid Chadwick): how it felt, what responses came back, and what
the follow-up was; positive feedback and leadership by example. Gathered here as one
``Digest``, rendered as HTML (Jinja2, every value escaped) and as plain text, and sent as
one multipart mail over SMTP with the settings ``GOODWILL_SMTP_*``.
"""

from __future__ import annotations

import smtplib
import ssl
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from goodwill.config import Settings, get_settings
from goodwill.errors import Invalid
from goodwill.models import (
    Account,
    AccountKind,
    HealthWeek,
    Member,
    PlanItem,
    PlanStatus,
    Program,
    Role,
    Touch,
)
from goodwill.programs.schemas import OutcomeOut, ResponseOut
from goodwill.programs.service import measure_program, responses_between
from goodwill.promises.kept import KeptBy, KeptRatioRow, kept_ratio
from goodwill.quotes.schemas import HitRatioBy, HitRatioRow
from goodwill.quotes.service import hit_ratio


class MemberActs(BaseModel):
    """What one member did in the week: plan items done, touches logged, acts for customers."""

    member: str
    items_done: int
    touches: int
    customer_acts: int


class ResponseFollowUp(BaseModel):
    """A response received in the week and the first touch at the account after it."""

    response: ResponseOut
    follow_up: str | None


class ProgramLine(BaseModel):
    """A running or recent program and its uplift so far."""

    id: int
    name: str
    outcome: OutcomeOut


class ArrowChange(BaseModel):
    """A top account whose arrow changed since the week before."""

    account_id: int
    account: str
    before: str
    after: str
    health: float
    revenue_365_minor: int


class Digest(BaseModel):
    """The team's week, Monday to Sunday."""

    start: date
    end: date
    currency: str
    acts: list[MemberActs]
    items_done: int
    touches: int
    responses: list[ResponseFollowUp]
    programs: list[ProgramLine]
    arrows: list[ArrowChange]
    promises: KeptRatioRow
    quotes: HitRatioRow


def week_bounds(day: date) -> tuple[date, date]:
    """The Monday and Sunday of the week of ``day``."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _acts(session: Session, start: date, end: date) -> list[MemberActs]:
    done: dict[int, int] = defaultdict(int)
    customer: dict[int, int] = defaultdict(int)
    for member_id, kind, n in session.execute(
        select(PlanItem.member_id, Account.kind, func.count())
        .join(Account, Account.id == PlanItem.account_id)
        .where(PlanItem.day >= start, PlanItem.day <= end, PlanItem.status == PlanStatus.DONE)
        .group_by(PlanItem.member_id, Account.kind)
    ):
        done[member_id] += int(n)
        if kind == AccountKind.CUSTOMER:
            customer[member_id] += int(n)
    touches: dict[int, int] = {
        int(m or 0): int(n)
        for m, n in session.execute(
            select(Touch.member_id, func.count())
            .where(
                Touch.member_id.is_not(None),
                Touch.happened_at >= _moment(start),
                Touch.happened_at < _moment(end + timedelta(days=1)),
            )
            .group_by(Touch.member_id)
        )
    }
    ids = set(done) | set(touches)
    names = dict(session.execute(select(Member.id, Member.name).where(Member.id.in_(ids))).all())
    rows = [
        MemberActs(
            member=names[m],
            items_done=done.get(m, 0),
            touches=touches.get(m, 0),
            customer_acts=customer.get(m, 0),
        )
        for m in ids
    ]
    return sorted(rows, key=lambda r: (-r.items_done - r.touches, r.member))


def _follow_ups(session: Session, responses: Sequence[ResponseOut]) -> list[ResponseFollowUp]:
    out = []
    for response in responses:
        touch = session.scalars(
            select(Touch)
            .where(
                Touch.account_id == response.account_id,
                Touch.happened_at >= _moment(response.responded_on),
            )
            .order_by(Touch.happened_at)
            .limit(1)
        ).first()
        follow_up = None
        if touch is not None:
            when = touch.happened_at.astimezone(UTC).date()
            follow_up = f"{when} {touch.channel.value.replace('_', ' ')}: {touch.summary}"
        out.append(ResponseFollowUp(response=response, follow_up=follow_up))
    return out


def _arrows(session: Session, end: date, limit: int = 10) -> list[ArrowChange]:
    weeks = list(
        session.scalars(
            select(HealthWeek.week_on)
            .where(HealthWeek.week_on <= end)
            .distinct()
            .order_by(HealthWeek.week_on.desc())
            .limit(2)
        )
    )
    if len(weeks) < 2:
        return []
    now, before = aliased(HealthWeek), aliased(HealthWeek)
    rows = session.execute(
        select(now, before.arrow, Account.name)
        .join(before, and_(before.account_id == now.account_id, before.week_on == weeks[1]))
        .join(Account, Account.id == now.account_id)
        .where(now.week_on == weeks[0], now.top.is_(True), now.arrow != before.arrow)
        .order_by(now.revenue_365_minor.desc(), now.account_id)
        .limit(limit)
    )
    return [
        ArrowChange(
            account_id=row.account_id,
            account=name,
            before=arrow,
            after=row.arrow,
            health=round(row.health, 1),
            revenue_365_minor=row.revenue_365_minor,
        )
        for row, arrow, name in rows
    ]


def weekly_digest(session: Session, day: date, today: date | None = None) -> Digest:
    """Gather the digest of the week (Monday to Sunday) that holds ``day``."""
    start, end = week_bounds(day)
    as_of = min(end, today or end)
    acts = _acts(session, start, end)
    programs = [
        ProgramLine(id=p.id, name=p.name, outcome=measure_program(session, p, as_of))
        for p in session.scalars(
            select(Program).where(Program.starts_on <= end).order_by(Program.id.desc()).limit(10)
        )
    ]
    return Digest(
        start=start,
        end=end,
        currency=get_settings().currency,
        acts=acts,
        items_done=sum(a.items_done for a in acts),
        touches=sum(a.touches for a in acts),
        responses=_follow_ups(session, responses_between(session, start, end)),
        programs=programs,
        arrows=_arrows(session, end),
        promises=kept_ratio(session, start, end, as_of, KeptBy.MEMBER).total,
        quotes=hit_ratio(session, start, end, HitRatioBy.TEAM).total,
    )


def _money(minor: int | float, currency: str) -> str:
    return f"{Decimal(round(minor)).scaleb(-2):,.2f} {currency}"


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


_ENVIRONMENT: Environment | None = None


def _environment() -> Environment:
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        _ENVIRONMENT = Environment(
            loader=PackageLoader("goodwill.programs", "templates"),
            autoescape=select_autoescape(["html"], default_for_string=True, default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        _ENVIRONMENT.filters["money"] = _money
        _ENVIRONMENT.filters["percent"] = _percent
    return _ENVIRONMENT


def subject(digest: Digest) -> str:
    """The mail's subject line."""
    return f"Goodwill weekly review, {digest.start} to {digest.end}"


def digest_html(digest: Digest) -> str:
    """The digest as an HTML page (every stored text escaped)."""
    return _environment().get_template("digest.html").render(d=digest, title=subject(digest))


def digest_text(digest: Digest) -> str:
    """The digest as plain text."""
    env = _environment()
    template = env.get_template("digest.txt")  # .txt: not escaped, it is not HTML
    return template.render(d=digest, title=subject(digest))


def digest_recipients(session: Session) -> list[str]:
    """Who gets the digest by default: the active managers and admins."""
    return list(
        session.scalars(
            select(Member.email)
            .where(Member.active.is_(True), Member.role.in_((Role.MANAGER, Role.ADMIN)))
            .order_by(Member.email)
        )
    )


def digest_message(digest: Digest, recipients: Sequence[str], sender: str) -> EmailMessage:
    """The digest as one mail: plain text, with the HTML as the alternative."""
    message = EmailMessage()
    message["Subject"] = subject(digest)
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "goodwill.local")
    message.set_content(digest_text(digest))
    message.add_alternative(digest_html(digest), subtype="html")
    return message


def send_digest(
    digest: Digest, recipients: Sequence[str], settings: Settings | None = None
) -> EmailMessage:
    """Send the digest over SMTP as the settings say (host, port, TLS, credentials)."""
    settings = settings or get_settings()
    if not settings.smtp_host:
        raise Invalid("GOODWILL_SMTP_HOST is not set: there is no mail server to send through")
    if not recipients:
        raise Invalid("nobody to send the digest to: no active manager or admin, and no --to")
    message = digest_message(digest, recipients, settings.mail_from)
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.smtp_tls == "ssl":
        smtp = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, context=context)
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
    try:
        if settings.smtp_tls == "starttls":
            smtp.starttls(context=context)
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message, to_addrs=list(recipients))
    except smtplib.SMTPException as exc:
        raise Invalid(f"the mail server {settings.smtp_host} refused the digest: {exc}") from exc
    finally:
        if smtp.sock is not None:
            smtp.quit()
    return message
