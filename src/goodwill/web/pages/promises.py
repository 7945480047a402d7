"""Promises: what is due and overdue, kept inline, and the kept-on-time ratio.

A member sees their own promises; a manager anyone's or the team's. Keeping one swaps its
row (HTMX) for the kept row; the account page's form (``/promises/{id}/kept``) does the
same without script.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from goodwill.errors import Forbidden, NotFound
from goodwill.members.service import list_members
from goodwill.models import Account, Member, Role
from goodwill.promises.kept import KeptBy, kept_ratio
from goodwill.promises.service import keep_promise, open_promises
from goodwill.scoring.rollups import today_utc
from goodwill.web.deps import AnyMember, DbSession
from goodwill.web.templating import render

router = APIRouter()

WINDOWS = (7, 14, 30, 90)
PERIODS = (90, 180, 365)
LISTED = 300


def _whose(session: DbSession, caller: AnyMember, member: str) -> Member | None:
    """The member whose promises are shown (None: the team's); others' need a manager."""
    if member in ("", "mine") or member == str(caller.member.id):
        return caller.member
    if not caller.may(Role.MANAGER):
        raise Forbidden("only a manager can list someone else's or the team's promises")
    if member == "team":
        return None
    found = session.get(Member, int(member)) if member.isdigit() else None
    if found is None:
        raise NotFound(f"no member {member}")
    return found


@router.get("/promises", response_class=HTMLResponse)
def promises_page(
    request: Request,
    session: DbSession,
    caller: AnyMember,
    member: str = "mine",
    within: int = 14,
    days: int = 365,
    account: int | None = None,
) -> Response:
    """Open promises due soon or overdue, and the kept-on-time ratio by member and account."""
    today = today_utc()
    whose = _whose(session, caller, member)
    window = within if within in WINDOWS else 14
    period = days if days in PERIODS else 365
    start = today - timedelta(days=period)
    due = open_promises(
        session,
        today,
        member_id=whose.id if whose else None,
        due_within_days=window,
        limit=LISTED + 1,
    )
    by_member = kept_ratio(session, start, today, today, KeptBy.MEMBER)
    context: dict[str, Any] = {
        "promises": due[:LISTED],
        "more": len(due) > LISTED,
        "overdue": sum(1 for p in due if p.overdue),
        "whose": whose,
        "member_choice": "team" if whose is None else str(whose.id),
        "team": list_members(session) if caller.may(Role.MANAGER) else [],
        "within": window,
        "windows": WINDOWS,
        "days": period,
        "periods": PERIODS,
        "start": start,
        "today": today,
        "by_member": by_member,
        "chart": {
            "type": "bar",
            "labels": [r.key for r in by_member.rows],
            "datasets": [
                {
                    "label": "kept on time",
                    "data": [
                        round(r.ratio * 100, 1) if r.ratio is not None else None
                        for r in by_member.rows
                    ],
                    "backgroundColor": "rgba(47,111,79,.75)",
                }
            ],
            "scales": {
                "y": {"min": 0, "max": 100, "title": {"display": True, "text": "% on time"}}
            },
        },
        "due_accounts": {p.account_id: p.account for p in due[:LISTED]},
        "account": None,
        "account_row": None,
        "account_open": [],
    }
    if account is not None:
        found = session.get(Account, account)
        if found is None:
            raise NotFound(f"no account {account}")
        by_account = kept_ratio(session, start, today, today, KeptBy.ACCOUNT)
        context["account"] = found
        context["account_row"] = next((r for r in by_account.rows if r.id == found.id), None)
        context["account_open"] = open_promises(session, today, account_id=found.id)
    return render(request, "promises/promises.html", context)


@router.post("/promises/{promise_id}/keep", response_class=HTMLResponse)
def promise_keep(
    request: Request, session: DbSession, caller: AnyMember, promise_id: int
) -> Response:
    """Mark a promise kept today (on time if by its due date, else late)."""
    kept = keep_promise(session, promise_id, today_utc())
    if request.headers.get("hx-request") == "true":
        response = render(request, "promises/kept.html", {"p": kept})
        response.headers["HX-Trigger"] = "promises-changed"  # the counts at the top follow
        return response
    return RedirectResponse("/promises", status_code=303)
