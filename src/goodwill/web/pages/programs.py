"""Outreach programs, thank-you notes on paper, and the weekly review, as pages.

``/programs`` lists the programs with their uplift so far; a program's page has its report
(the plain sentence, the chart, assigned against held out), its targets, and an inline form
to record what came back. Managers and admins start and stop programs. ``/notes`` is the
caller's notes of a day with the printable cards; ``/digest`` is the team's week, with a
button that mails it (``GOODWILL_SMTP_*``).
"""

from __future__ import annotations

import smtplib
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from goodwill.config import get_settings
from goodwill.errors import GoodwillError, Invalid
from goodwill.models import AccountKind, Arm, ProgramKind, ProgramStatus, ResponseKind, Role
from goodwill.programs.cards import note_cards
from goodwill.programs.digest import (
    Digest,
    digest_recipients,
    send_digest,
    week_bounds,
    weekly_digest,
)
from goodwill.programs.schemas import OutcomeOut, ProgramIn, TargetOut
from goodwill.programs.service import (
    KIND_DEFAULTS,
    WINDOWS,
    check_may_respond,
    count_targets,
    create_program,
    get_target,
    list_programs,
    program_outcomes,
    program_report,
    program_targets,
    record_response,
    stop_program,
)
from goodwill.scoring.rollups import today_utc
from goodwill.web.deps import AnyMember, Caller, DbSession, Manager, notes_pdf_response, plans_made
from goodwill.web.templating import is_htmx, render

router = APIRouter()

TARGETS_PER_PAGE = 100
KIND_WORDS = {
    ProgramKind.THANK_YOU_NOTE: "thank-you notes",
    ProgramKind.CALL_WEEK: "call week",
    ProgramKind.QUOTE_FOLLOW_UP: "quote follow-up",
}
RESPONSE_WORDS = {
    ResponseKind.CALLED_BACK: "called back",
    ResponseKind.ORDER_PLACED: "order placed",
    ResponseKind.ORDER_INCREASED: "order increased",
    ResponseKind.NEW_QUOTE: "new quote asked",
    ResponseKind.NOTHING: "nothing",
}
ASSIGNED_COLOUR = "#2f6f4f"
HOLDOUT_COLOUR = "#9a7b2f"


def _percent_points(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def curve_chart(outcome: OutcomeOut, treated: str) -> dict[str, Any]:
    """Share of each side that had ordered, by day of the window (Chart.js line chart)."""
    return {
        "type": "line",
        "labels": [f"day {p.day}" for p in outcome.curve],
        "datasets": [
            {
                "label": f"assigned ({treated})",
                "data": [_percent_points(p.assigned) for p in outcome.curve],
                "borderColor": ASSIGNED_COLOUR,
                "backgroundColor": ASSIGNED_COLOUR,
                "tension": 0.2,
            },
            {
                "label": "held out",
                "data": [_percent_points(p.holdout) for p in outcome.curve],
                "borderColor": HOLDOUT_COLOUR,
                "backgroundColor": HOLDOUT_COLOUR,
                "borderDash": [6, 4],
                "tension": 0.2,
            },
        ],
        "scales": {
            "y": {
                "min": 0,
                "suggestedMax": 50,
                "title": {"display": True, "text": "% that ordered"},
            },
            "x": {"title": {"display": True, "text": "days since the program started"}},
        },
    }


def uplift_chart(outcome: OutcomeOut) -> dict[str, Any] | None:
    """The uplift in points with its 95% interval: a floating bar and a point on it."""
    if outcome.uplift is None:
        return None
    low, estimate, high = (
        round(v * 100, 1)
        for v in (outcome.uplift.low, outcome.uplift.estimate, outcome.uplift.high)
    )
    return {
        "type": "bar",
        "labels": ["assigned minus held out"],
        "datasets": [
            {
                "type": "bar",
                "label": "95% interval",
                "data": [[low, high]],
                "backgroundColor": "rgba(47,111,79,.3)",
                "borderColor": ASSIGNED_COLOUR,
                "borderWidth": 1,
                "barPercentage": 0.35,
            },
            {
                "type": "line",
                "label": "uplift",
                "data": [estimate],
                "showLine": False,
                "pointRadius": 7,
                "borderColor": "#1d3d2c",
                "backgroundColor": "#1d3d2c",
            },
        ],
        "scales": {
            "y": {
                "suggestedMin": min(low, 0) - 5,
                "suggestedMax": max(high, 0) + 5,
                "title": {"display": True, "text": "points"},
            }
        },
    }


@router.get("/programs", response_class=HTMLResponse)
def programs_page(request: Request, session: DbSession, caller: AnyMember) -> Response:
    """Every program, newest first: who is in, on which side, and the uplift so far."""
    today = today_utc()
    programs = list_programs(session)
    outcomes = program_outcomes(session, [p.id for p in programs], today)
    return render(
        request,
        "programs/list.html",
        {"programs": programs, "outcomes": outcomes, "kinds": KIND_WORDS, "today": today},
    )


def _form_context(values: dict[str, Any], error: str | None = None) -> dict[str, Any]:
    return {
        "values": values,
        "error": error,
        "kinds": KIND_WORDS,
        "defaults": KIND_DEFAULTS,
        "recipient_kinds": list(AccountKind),
        "windows": WINDOWS,
    }


@router.get("/programs/new", response_class=HTMLResponse)
def program_form(request: Request, session: DbSession, caller: Manager) -> Response:
    """The form that starts a program (managers and admins)."""
    values = {
        "name": "",
        "kind": ProgramKind.THANK_YOU_NOTE.value,
        "condition": "",
        "recipient_kinds": [AccountKind.CUSTOMER.value],
        "daily_quota": 1,
        "starts_on": today_utc().isoformat(),
        "ends_on": "",
        "holdout_percent": 10,
        "outcome_window_days": 60,
    }
    return render(request, "programs/new.html", _form_context(values))


@router.post("/programs", response_class=HTMLResponse)
def program_create(
    request: Request,
    session: DbSession,
    caller: Manager,
    name: Annotated[str, Form(max_length=120)],
    kind: Annotated[ProgramKind, Form()] = ProgramKind.THANK_YOU_NOTE,
    condition: Annotated[str, Form(max_length=1000)] = "",
    recipient_kinds: Annotated[list[AccountKind] | None, Form()] = None,
    daily_quota: Annotated[int, Form(ge=1, le=50)] = 1,
    starts_on: Annotated[date | None, Form()] = None,
    ends_on: Annotated[date | None, Form()] = None,
    holdout_percent: Annotated[float, Form(gt=0, lt=100)] = 10,
    outcome_window_days: Annotated[int, Form()] = 60,
) -> Response:
    """Start a program: the eligible accounts are drawn today into assigned and held out."""
    today = today_utc()
    values = {
        "name": name,
        "kind": kind.value,
        "condition": condition,
        "recipient_kinds": [k.value for k in recipient_kinds or []],
        "daily_quota": daily_quota,
        "starts_on": (starts_on or today).isoformat(),
        "ends_on": ends_on.isoformat() if ends_on else "",
        "holdout_percent": holdout_percent,
        "outcome_window_days": outcome_window_days,
    }
    try:
        try:
            entry = ProgramIn(
                name=name,
                kind=kind,
                condition=condition.strip() or None,
                recipient_kinds=recipient_kinds or [],
                daily_quota=daily_quota,
                starts_on=starts_on or today,
                ends_on=ends_on,
                holdout_fraction=holdout_percent / 100,
                outcome_window_days=outcome_window_days,
            )
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"])
            raise Invalid(f"{where}: {error['msg']}") from exc
        program = create_program(session, entry, caller.member, today)
    except GoodwillError as exc:
        # Nothing of a refused program may stay (the draw may have scored the week first).
        session.rollback()
        return render(request, "programs/new.html", _form_context(values, str(exc)), 422)
    return RedirectResponse(f"/programs/{program.id}", status_code=303)


@router.get("/programs/{program_id}", response_class=HTMLResponse)
def program_page(
    request: Request,
    session: DbSession,
    caller: AnyMember,
    program_id: int,
    arm: Arm | None = None,
    mine: bool = False,
    offset: int = 0,
) -> Response:
    """A program's report against its holdout, its targets, and responses recorded inline."""
    today = today_utc()
    report = program_report(session, program_id, today)
    program = report.program
    member_id = caller.member.id if mine else None
    offset = max(offset, 0)
    targets = program_targets(
        session,
        program_id,
        arm=arm,
        member_id=member_id,
        limit=TARGETS_PER_PAGE,
        offset=offset,
    )
    total = count_targets(session, program_id, arm=arm, member_id=member_id)
    treated = KIND_DEFAULTS[program.kind].treated
    measured = report.outcome.as_of > report.outcome.window_opens_on
    query = {"arm": arm.value if arm else "", "mine": "1" if mine else ""}
    query = {k: v for k, v in query.items() if v}

    def page_url(start: int) -> str:
        return f"/programs/{program_id}?" + urlencode({**query, "offset": start}) + "#targets"

    return render(
        request,
        "programs/program.html",
        {
            "report": report,
            "program": program,
            "outcome": report.outcome,
            "curve": curve_chart(report.outcome, treated),
            # Before a day of the window has passed, an interval says nothing worth showing.
            "measured": measured,
            "uplift": uplift_chart(report.outcome) if measured else None,
            "targets": targets,
            "total": total,
            "offset": offset,
            "per_page": TARGETS_PER_PAGE,
            "previous_url": page_url(max(offset - TARGETS_PER_PAGE, 0)) if offset else None,
            "next_url": page_url(offset + TARGETS_PER_PAGE)
            if offset + TARGETS_PER_PAGE < total
            else None,
            "filters": {"arm": arm.value if arm else "", "mine": mine},
            "kinds": KIND_WORDS,
            "responses": RESPONSE_WORDS,
            "today": today,
            "active": program.status == ProgramStatus.ACTIVE,
        },
    )


@router.post("/programs/{program_id}/stop")
def program_stop(session: DbSession, caller: Manager, program_id: int) -> Response:
    """Stop a program: no more of its accounts go into plans; its outcome is still measured."""
    stop_program(session, program_id, caller.member, today_utc())
    return RedirectResponse(f"/programs/{program_id}", status_code=303)


def may_respond(caller: Caller, target: TargetOut) -> bool:
    """Whether the page offers the caller the form to record a response for the target."""
    if target.arm != Arm.ASSIGNED:
        return False
    return caller.may(Role.MANAGER) or target.member_id == caller.member.id


@router.post("/programs/targets/{target_id}/responses", response_class=HTMLResponse)
def target_response(
    request: Request,
    session: DbSession,
    caller: AnyMember,
    target_id: int,
    kind: Annotated[ResponseKind, Form()],
    responded_on: Annotated[date | None, Form()] = None,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Record what came back from a target (the member it was planned for, or a manager)."""
    today = today_utc()
    check_may_respond(session, target_id, caller.member)
    day = responded_on or today
    if day > today:
        raise Invalid(f"a response on {day} has not come yet (today is {today})")
    response = record_response(session, target_id, kind, caller.member, day, note)
    if not is_htmx(request):
        return RedirectResponse(
            f"/programs/{response.program_id}#target-{target_id}", status_code=303
        )
    return render(
        request,
        "programs/target_row.html",
        {
            "t": get_target(session, target_id),
            "responses": RESPONSE_WORDS,
            "today": today,
            "recorded": response,
        },
    )


# --- thank-you notes on paper --------------------------------------------------------------


@router.get("/notes", response_class=HTMLResponse)
def notes_page(
    request: Request, session: DbSession, caller: AnyMember, day: date | None = None
) -> Response:
    """The caller's handwritten notes of a day, with the printable cards."""
    which = day or today_utc()
    plans_made(session, which)  # the day's notes are on its plans: make them if need be
    cards = note_cards(session, caller.member, which)
    return render(
        request,
        "programs/notes.html",
        {
            "cards": cards,
            "day": which,
            "previous": which - timedelta(days=1),
            "next": which + timedelta(days=1),
            "is_today": which == today_utc(),
        },
    )


@router.get("/notes/cards.pdf")
def notes_pdf(session: DbSession, caller: AnyMember, day: date | None = None) -> Response:
    """The day's notes as a PDF to print: each card, its envelope, and the writer's crib."""
    return notes_pdf_response(session, caller, day or today_utc())


# --- the weekly review ------------------------------------------------------------------------


def _digest_page(
    request: Request,
    session: DbSession,
    digest: Digest,
    *,
    sent: int | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    settings = get_settings()
    return render(
        request,
        "programs/digest.html",
        {
            "d": digest,
            "previous": digest.start - timedelta(days=7),
            "next": digest.start + timedelta(days=7),
            "this_week": week_bounds(today_utc())[0] == digest.start,
            "smtp_host": settings.smtp_host,
            "recipients": digest_recipients(session),
            "responses": RESPONSE_WORDS,
            "sent": sent,
            "error": error,
        },
        status,
    )


@router.get("/digest", response_class=HTMLResponse)
def digest_page(
    request: Request,
    session: DbSession,
    caller: Manager,
    week: date | None = None,
    sent: int | None = None,
) -> Response:
    """The team's weekly review: acts, responses, programs, arrows, promises, quotes."""
    today = today_utc()
    digest = weekly_digest(session, week or today, today)
    return _digest_page(request, session, digest, sent=sent)


@router.post("/digest/send", response_class=HTMLResponse)
def digest_send(
    request: Request,
    session: DbSession,
    caller: Manager,
    week: Annotated[date | None, Form()] = None,
) -> Response:
    """Mail the weekly review to the active managers and admins (``GOODWILL_SMTP_*``)."""
    today = today_utc()
    digest = weekly_digest(session, week or today, today)
    settings = get_settings()
    recipients = digest_recipients(session)
    try:
        send_digest(digest, recipients, settings)
    except Invalid as exc:
        return _digest_page(request, session, digest, error=str(exc), status=422)
    except (OSError, smtplib.SMTPException) as exc:
        where = f"{settings.smtp_host}:{settings.smtp_port}"
        message = f"could not reach the mail server {where}: {exc}"
        return _digest_page(request, session, digest, error=message, status=502)
    query = urlencode({"week": digest.start.isoformat(), "sent": len(recipients)})
    return RedirectResponse(f"/digest?{query}", status_code=303)
