"""Today: the member's plan for the day, done, snoozed or dismissed inline.

Doing an item is logging the touch it asked for, in the item's own little form; the card
is swapped for its settled form by HTMX, and the rest of the plan stays where it was.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from goodwill.agenda import service as agenda
from goodwill.members.service import list_members
from goodwill.models import Channel, Role, Value
from goodwill.scoring.rollups import today_utc
from goodwill.web.deps import AnyMember, DbSession, shown_plan
from goodwill.web.templating import render

router = APIRouter()


@router.get("/today", response_class=HTMLResponse)
def today_page(
    request: Request,
    session: DbSession,
    caller: AnyMember,
    member: int | None = None,
    day: date | None = None,
) -> Response:
    """The member's plan for the day: who, why, how and what to bring."""
    today = today_utc()
    plan = shown_plan(session, caller, member, day or today)
    team = list_members(session) if caller.may(Role.MANAGER) else []
    return render(
        request,
        "today/today.html",
        {
            "plan": plan,
            "team": team,
            "today": today,
            "is_today": plan.day == today,
            "tomorrow": plan.day + timedelta(days=1),
        },
    )


def _item_card(request: Request, session: DbSession, item_id: int) -> Response:
    item = agenda.get_item(session, item_id)
    context = {"item": item, "tomorrow": item.day + timedelta(days=1)}
    response = render(request, "today/item.html", context)
    response.headers["HX-Trigger"] = "plan-changed"  # the counts at the top follow
    return response


@router.get("/today/summary", response_class=HTMLResponse)
def today_summary(
    request: Request,
    session: DbSession,
    caller: AnyMember,
    member: int | None = None,
    day: date | None = None,
) -> Response:
    """The line at the top of Today: how many items are left and whether the act is done."""
    plan = shown_plan(session, caller, member, day or today_utc())
    return render(request, "today/summary.html", {"plan": plan})


@router.post("/today/items/{item_id}/done", response_class=HTMLResponse)
def item_done(
    request: Request,
    session: DbSession,
    caller: AnyMember,
    item_id: int,
    summary: Annotated[str, Form(max_length=4000)],
    channel: Annotated[Channel | None, Form()] = None,
    value: Annotated[Value, Form()] = Value.NONE,
    sentiment: Annotated[int, Form(ge=-2, le=2)] = 0,
    contact_id: Annotated[int | None, Form()] = None,  # "": nobody in particular
    kept_promise: Annotated[bool, Form()] = False,
) -> Response:
    """Do an item: log the touch it asked for (linked to its quote or promise, with the
    person reached, and keeping the promise when it did)."""
    agenda.complete_item(
        session,
        item_id,
        caller.member,
        summary,
        happened_at=datetime.now().astimezone(),
        channel=channel,
        value=value,
        sentiment=sentiment,
        contact_ids=[contact_id] if contact_id else [],
        kept_promise=kept_promise,
    )
    return _item_card(request, session, item_id)


@router.post("/today/items/{item_id}/snooze", response_class=HTMLResponse)
def item_snooze(
    request: Request,
    session: DbSession,
    caller: AnyMember,
    item_id: int,
    until: Annotated[date, Form()],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Put an item off to a later day."""
    agenda.snooze_item(session, item_id, caller.member, until, note)
    return _item_card(request, session, item_id)


@router.post("/today/items/{item_id}/dismiss", response_class=HTMLResponse)
def item_dismiss(
    request: Request,
    session: DbSession,
    caller: AnyMember,
    item_id: int,
    reason: Annotated[str, Form(max_length=2000)],
) -> Response:
    """Drop an item, saying why; its advice stays away from the account for a while."""
    agenda.dismiss_item(session, item_id, caller.member, reason)
    return _item_card(request, session, item_id)
