"""Top accounts review: each member's and the team's top accounts by value, with arrows.

Reads the newest scored week and never scores on a GET (a GET changes nothing): with no
score yet the page says how to make one.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from goodwill.errors import Forbidden, NotFound
from goodwill.members.service import list_members
from goodwill.models import Member, Role
from goodwill.scoring.rollups import today_utc
from goodwill.scoring.service import latest_run, top_accounts
from goodwill.web.deps import AnyMember, DbSession
from goodwill.web.templating import render

router = APIRouter()

SIZES = (10, 20, 50)


@router.get("/top", response_class=HTMLResponse)
def top_page(
    request: Request,
    session: DbSession,
    caller: AnyMember,
    scope: str = "",
    member: str = "",
    n: int = 10,
) -> Response:
    """The top accounts of a member or of the team, sorted by value (default: a manager's
    is the team's, which they review; anyone else's is their own).

    ``member`` is a member's id, or ``team`` (as is ``scope=team``).
    """
    size = n if n in SIZES else 10
    if not scope and not member:
        scope = "team" if caller.may(Role.MANAGER) else "mine"
    whose: Member | None = caller.member
    if member == "team":
        scope, member = "team", ""
    wanted = int(member) if member.isdigit() else None
    if scope == "team" or (wanted is not None and wanted != caller.member.id):
        if not caller.may(Role.MANAGER):
            raise Forbidden("only a manager can review someone else's or the team's top accounts")
        if scope == "team":
            whose = None
        else:
            whose = session.get(Member, wanted)
            if whose is None:
                raise NotFound(f"no member {member}")
    context: dict[str, Any] = {
        "scope": "team" if whose is None else "member",
        "whose": whose,
        "n": size,
        "sizes": SIZES,
        "team": list_members(session) if caller.may(Role.MANAGER) else [],
        "report": None,
    }
    if latest_run(session) is not None:
        context["report"] = top_accounts(
            session,
            as_of=None,
            today=today_utc(),
            n=size,
            member=whose.email if whose is not None else None,
        )
    return render(request, "top/top.html", context)
