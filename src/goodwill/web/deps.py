"""What every route shares: its transaction, who calls it, their role, and the CSRF check.

One transaction per request: the session commits when the route returns and rolls back when
it raises, before the response is sent (so a failed commit is a failed request).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from goodwill.agenda.schemas import DayPlan
from goodwill.auth import service as auth
from goodwill.db import session_scope
from goodwill.errors import Forbidden, Invalid
from goodwill.models import Member, Role, WebSession

SESSION_COOKIE = "goodwill_session"
SIGNIN_COOKIE = "goodwill_signin"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NotSignedIn(Exception):
    """The request carries no valid session or API token."""


class CsrfFailed(Exception):
    """A state-changing request from a browser without the session's CSRF token."""


def db(request: Request) -> Iterator[Session]:
    """The request's transaction: a reading one for GET and HEAD (no state changes there)."""
    with session_scope(actor="web", read_only=request.method in SAFE_METHODS) as session:
        yield session


def plans_made(session: Session, day: date) -> None:
    """Make the day's plans, if they are not made yet, in a transaction of their own.

    A GET reads in a deferred transaction; making the plans writes a lot, so it is done
    (once a day) in a writing transaction first, and the reading one starts afresh to see it.
    Only today's plans are made so: a look at another day (any member may ask for one)
    reads what is stored and writes nothing, neither plans nor that day's scores.
    """
    from goodwill.agenda.queries import members_without_plan_bound
    from goodwill.agenda.service import ensure_plans
    from goodwill.scoring.rollups import today_utc

    if day != today_utc():
        return
    if session.execute(members_without_plan_bound(), {"day": day}).first() is None:
        return
    with session_scope(actor=str(session.info.get("actor", "web"))) as writer:
        ensure_plans(writer, day)
    session.commit()  # end the reading snapshot: the next query sees the new plans


def shown_plan(session: Session, caller: Caller, member_id: int | None, day: date) -> DayPlan:
    """The plan a page or the API shows: the caller's, or for a manager anyone's.

    Today's plans are made first (in their own transaction, see ``plans_made``); another
    day's are read as stored.
    """
    from goodwill.agenda.service import member_plan
    from goodwill.members.service import get_member

    whose = caller.member
    if member_id is not None and member_id != caller.member.id:
        if not caller.may(Role.MANAGER):
            raise Forbidden("only a manager can open someone else's plan")
        whose = get_member(session, member_id)
    plans_made(session, day)
    return member_plan(session, whose, day, make=False)


DbSession = Annotated[Session, Depends(db, scope="function")]


@dataclass
class Caller:
    """Who is calling: the member (for the services) and a snapshot for the pages.

    The snapshot (name, role, CSRF token) stays readable after the request's transaction
    rolled back, so an error page can still show whose menu it is.
    """

    member: Member
    name: str
    email: str
    role: Role
    csrf_token: str  # "" for an API token: browsers never send those on their own
    via_token: bool

    @classmethod
    def of(cls, member: Member, web_session: WebSession | None) -> Caller:
        """The caller signed in through a web session, or an API token (None)."""
        return cls(
            member=member,
            name=member.name,
            email=member.email,
            role=member.role,
            csrf_token=web_session.csrf_token if web_session is not None else "",
            via_token=web_session is None,
        )

    def may(self, role: Role | str) -> bool:
        """Whether the caller's role reaches ``role``."""
        return auth.may(self.role, Role(role))


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


async def _check_csrf(request: Request, caller: Caller) -> None:
    if request.method in SAFE_METHODS or caller.via_token:
        return  # API tokens are not sent by browsers on their own: no CSRF to fear
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, caller.csrf_token):
        raise CsrfFailed


class Needs:
    """A route's requirement: a signed-in caller whose role reaches ``role``.

    Every route depends on one of these; the route x role test reads ``role`` back.
    """

    def __init__(self, role: Role) -> None:
        self.role = role

    async def __call__(self, request: Request, session: DbSession) -> Caller:
        # The database work runs in the thread pool, as sync routes do: on the event loop
        # it would stall every request, and with the pool's connections all taken by
        # requests that wait for the loop, it would never finish.
        caller = await run_in_threadpool(_identify, request, session)
        if caller is None:
            raise NotSignedIn
        session.info["actor"] = caller.email
        request.state.caller = caller
        await _check_csrf(request, caller)
        if not caller.may(self.role):
            raise Forbidden(f"this needs the {self.role.value} role; you are a {caller.role.value}")
        return caller


def _identify(request: Request, session: Session) -> Caller | None:
    token = _bearer(request)
    if token is not None:
        member = auth.api_member(session, token)
        return Caller.of(member, None) if member is not None else None
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    found = auth.session_member(session, cookie)
    if found is None:
        return None
    return Caller.of(found[0], found[1])


def optional_caller(request: Request, session: Session) -> Caller | None:
    """The caller if signed in (for pages such as sign-in that everyone may see)."""
    return _identify(request, session)


AnyMember = Annotated[Caller, Depends(Needs(Role.MEMBER))]
Manager = Annotated[Caller, Depends(Needs(Role.MANAGER))]
Admin = Annotated[Caller, Depends(Needs(Role.ADMIN))]


def required_role(dependant: Any) -> Role | None:
    """The role a route's dependencies ask for (None if it is open to everyone)."""
    for sub in dependant.dependencies:
        if isinstance(sub.call, Needs):
            return sub.call.role
        found = required_role(sub)
        if found is not None:
            return found
    return None


def export_csv_response(session: Session, kind: str) -> Response:
    """Every record of a kind as a CSV download (the Export page's and the API's)."""
    from goodwill.transfer.export import export_csv

    return Response(
        export_csv(session, kind),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{kind}.csv"'},
    )


def notes_pdf_response(session: Session, caller: Caller, day: date) -> Response:
    """The caller's handwritten notes of the day as a PDF download (the page's and the API's);
    Invalid (422) when the plan holds none."""
    from goodwill.programs.cards import cards_pdf, note_cards

    plans_made(session, day)
    cards = note_cards(session, caller.member, day)
    if not cards:
        raise Invalid(f"{caller.name} has no handwritten notes on the plan of {day}")
    return Response(
        cards_pdf(cards, caller.name, day),
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="notes-{day.isoformat()}.pdf"'},
    )
