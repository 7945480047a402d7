"""Accounts: the search that answers as you type, and the account page with its quick log."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import BeforeValidator

from goodwill.accounts import queries as account_queries
from goodwill.accounts.search import Flag, search_accounts, tiers
from goodwill.accounts.service import account_overview
from goodwill.agenda.brief import account_brief, brief_fragment
from goodwill.config import get_settings
from goodwill.errors import NotFound
from goodwill.members.service import list_members
from goodwill.models import AccountKind, Channel, Direction, Value
from goodwill.promises.schemas import PromiseIn
from goodwill.promises.service import keep_promise, make_promise
from goodwill.scoring.rollups import today_utc
from goodwill.scoring.service import account_health, health_history
from goodwill.touches.schemas import TouchIn
from goodwill.touches.service import log_touch
from goodwill.web.deps import AnyMember, DbSession
from goodwill.web.templating import is_htmx, local_path, render, see_other

router = APIRouter()


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


# The filter form sends every select, the unset ones as "": that means "any", not an error.
Blank = BeforeValidator(_blank_is_none)


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(
    request: Request,
    session: DbSession,
    caller: AnyMember,
    q: str = "",
    owner: Annotated[int | None, Blank] = None,
    tier: str | None = None,
    kind: Annotated[AccountKind | None, Blank] = None,
    arrow: str | None = None,
    flag: Annotated[Flag | None, Blank] = None,
    offset: int = 0,
) -> Response:
    """Every account, searched as you type and filtered by owner, tier, arrow and flags."""
    page = search_accounts(
        session,
        q[:200],
        owner_id=owner,
        tier=tier or None,
        kind=kind,
        arrow=arrow or None,
        flag=flag,
        offset=max(offset, 0),
        limit=50,
    )
    context: dict[str, Any] = {
        "page": page,
        "q": q,
        "filters": {
            "owner": owner,
            "tier": tier or "",
            "kind": kind.value if kind else "",
            "arrow": arrow or "",
            "flag": flag or "",
        },
    }
    if is_htmx(request):
        return render(request, "accounts/rows.html", context)
    context.update(members=list_members(session), tiers=tiers(session), kinds=list(AccountKind))
    return render(request, "accounts/list.html", context)


def _timeline(session: DbSession, view: Any) -> list[dict[str, Any]]:
    """Touches, orders and quotes, newest first."""
    events: list[dict[str, Any]] = []
    for t in view.touches:
        events.append({"on": t.happened_at.date(), "kind": "touch", "touch": t})
    orders = session.execute(
        account_queries.recent_orders_bound(), {"account_id": view.id, "limit": 10, "offset": 0}
    )
    for order in orders:
        events.append({"on": order.ordered_on, "kind": "order", "order": order})
    for quote in [*view.quotes_open, *view.quotes_decided]:
        events.append({"on": quote.quoted_on, "kind": "quote", "quote": quote})
    events.sort(key=lambda e: e["on"], reverse=True)
    return events


@router.get("/accounts/{account_id}", response_class=HTMLResponse)
def account_page(
    request: Request, session: DbSession, caller: AnyMember, account_id: int
) -> Response:
    """Everything we know about an account, and a form to log what just happened."""
    today = today_utc()
    view = account_overview(session, account_id, today)
    view.health = _health(session, account_id)
    view.health_history = health_history(session, account_id, weeks=26)
    chart = {
        "labels": [d.isoformat() for d, _ in view.health_history],
        "values": [round(v, 1) for _, v in view.health_history],
    }
    return render(
        request,
        "accounts/account.html",
        {
            "view": view,
            "timeline": _timeline(session, view),
            "chart": chart,
            "today": today,
            "due_default": today + timedelta(days=7),
            "directions": list(Direction),
        },
    )


def _health(session: DbSession, account_id: int) -> Any:
    """The account's health, or None: not scored yet, or not a customer."""
    try:
        return account_health(session, account_id)
    except NotFound:
        return None


@router.post("/accounts/{account_id}/touches")
def log_account_touch(
    request: Request,
    session: DbSession,
    caller: AnyMember,
    account_id: int,
    summary: Annotated[str, Form(max_length=4000)],
    channel: Annotated[Channel, Form()] = Channel.CALL,
    direction: Annotated[Direction, Form()] = Direction.OUTBOUND,
    value: Annotated[Value, Form()] = Value.NONE,
    sentiment: Annotated[int, Form(ge=-2, le=2)] = 0,
    contact_id: Annotated[int | None, Form()] = None,
) -> Response:
    """Log a touch from the account page (the quick log)."""
    log_touch(
        session,
        TouchIn(
            account_id=account_id,
            member_id=caller.member.id,
            summary=summary,
            channel=channel,
            direction=direction,
            value=value,
            sentiment=sentiment,
            happened_at=datetime.now().astimezone(),
            contact_ids=[contact_id] if contact_id else [],
        ),
    )
    return see_other(request, f"/accounts/{account_id}#timeline")


@router.post("/accounts/{account_id}/promises")
def add_account_promise(
    request: Request,
    session: DbSession,
    caller: AnyMember,
    account_id: int,
    what: Annotated[str, Form(max_length=2000)],
    due_on: Annotated[date, Form()],
    contact_id: Annotated[int | None, Form()] = None,
) -> Response:
    """Record a promise made to the account."""
    make_promise(
        session,
        PromiseIn(
            account_id=account_id,
            member_id=caller.member.id,
            what=what,
            made_on=today_utc(),
            due_on=due_on,
            contact_id=contact_id or None,
        ),
    )
    return see_other(request, f"/accounts/{account_id}#promises")


@router.post("/promises/{promise_id}/kept")
def promise_kept(
    request: Request,
    session: DbSession,
    caller: AnyMember,
    promise_id: int,
    back: Annotated[str, Form(max_length=300)] = "/promises",
) -> Response:
    """Mark a promise kept today."""
    keep_promise(session, promise_id, today_utc())
    return RedirectResponse(local_path(back, "/promises"), status_code=303)


@router.get("/accounts/{account_id}/brief", response_class=HTMLResponse)
def account_brief_page(
    request: Request, session: DbSession, caller: AnyMember, account_id: int
) -> Response:
    """The one-page brief for a sit-down: the standard questions and everything we know."""
    brief = account_brief(session, account_id, today_utc())
    body = Markup(brief_fragment(brief, get_settings().currency))
    return render(request, "accounts/brief.html", {"brief": brief, "body": body})
