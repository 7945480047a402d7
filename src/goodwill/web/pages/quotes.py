"""Quotes: open quotes by age with their follow-up, decided inline; the hit ratio as charts.

Deciding a quote swaps its row for the decided row (HTMX) or, without script, comes back
to the page. The hit ratio counts quotes in the month they were decided (see
``quotes.service.hit_ratio``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from goodwill.accounts.service import find_account
from goodwill.errors import NotFound
from goodwill.members.service import list_members
from goodwill.models import Member, QuoteStatus, Role
from goodwill.quotes.schemas import HitRatioBy, HitRatioOut, QuoteIn
from goodwill.quotes.service import add_quote, amount_minor, decide_quote, hit_ratio, open_quotes
from goodwill.scoring.rollups import today_utc
from goodwill.web.deps import AnyMember, DbSession
from goodwill.web.templating import is_htmx, render

router = APIRouter()

LISTED = 200  # open quotes shown at most; the oldest come first
PERIODS = (3, 6, 12, 24)


def months_back(today: date, months: int) -> date:
    """The first day of the month ``months - 1`` months before today's (a period of N months)."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def _ratio_chart(report: HitRatioOut, label: str) -> dict[str, Any]:
    return {
        "type": "bar",
        "labels": [row.key for row in report.rows],
        "datasets": [
            {
                "label": label,
                "data": [
                    round(row.ratio * 100, 1) if row.ratio is not None else None
                    for row in report.rows
                ],
                "backgroundColor": "rgba(47,111,79,.75)",
            }
        ],
        "scales": {"y": {"min": 0, "max": 100, "title": {"display": True, "text": "% won"}}},
    }


@router.get("/quotes", response_class=HTMLResponse)
def quotes_page(
    request: Request,
    session: DbSession,
    caller: AnyMember,
    member: str = "",
    months: int = 12,
) -> Response:
    """Open quotes by age with follow-ups, and the hit ratio by member and by month.

    Whose open quotes: ``member`` (an id, ``mine`` or ``team``); by default a manager's
    are the team's, anyone else's their own.
    """
    today = today_utc()
    if not member:
        member = "team" if caller.may(Role.MANAGER) else "mine"
    whose: Member | None = caller.member
    if member == "team":
        whose = None
    elif member.isdigit() and int(member) != caller.member.id:
        whose = session.get(Member, int(member))
        if whose is None:
            raise NotFound(f"no member {member}")
    period = months if months in PERIODS else 12
    start = months_back(today, period)
    listed = open_quotes(session, today, member_id=whose.id if whose else None, limit=LISTED + 1)
    by_member = hit_ratio(session, start, today, HitRatioBy.MEMBER)
    by_month = hit_ratio(session, start, today, HitRatioBy.MONTH)
    return render(
        request,
        "quotes/quotes.html",
        {
            "quotes": listed[:LISTED],
            "more": len(listed) > LISTED,
            "whose": whose,
            "member_choice": "team" if whose is None else str(whose.id),
            "team": list_members(session),
            "months": period,
            "periods": PERIODS,
            "start": start,
            "today": today,
            "by_member": by_member,
            "by_month": by_month,
            "member_chart": _ratio_chart(by_member, "hit ratio"),
            "month_chart": _ratio_chart(by_month, "hit ratio"),
            "due_needed": sum(1 for q in listed if q.needs_follow_up),
        },
    )


@router.post("/quotes/{quote_id}/decide", response_class=HTMLResponse)
def quote_decide(
    request: Request,
    session: DbSession,
    caller: AnyMember,
    quote_id: int,
    outcome: Annotated[QuoteStatus, Form()],
) -> Response:
    """Record that an open quote was won, lost or expired today."""
    decided = decide_quote(session, quote_id, outcome, today_utc())
    if is_htmx(request):
        response = render(request, "quotes/decided.html", {"q": decided})
        response.headers["HX-Trigger"] = "quotes-changed"  # the counts at the top follow
        return response
    return RedirectResponse("/quotes", status_code=303)


@router.post("/quotes")
def quote_add(
    session: DbSession,
    caller: AnyMember,
    account: Annotated[str, Form(max_length=200)],
    amount: Annotated[str, Form(max_length=40)],
    description: Annotated[str, Form(max_length=2000)] = "",
    quoted_on: Annotated[date | None, Form()] = None,
    external_id: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Record a quote given to an account (named, or by external id) by the caller."""
    found = find_account(session, account)
    add_quote(
        session,
        QuoteIn(
            account_id=found.id,
            member_id=caller.member.id,
            quoted_on=quoted_on or today_utc(),
            amount_minor=amount_minor(amount),
            description=description,
            external_id=external_id or None,
        ),
    )
    return RedirectResponse("/quotes", status_code=303)
