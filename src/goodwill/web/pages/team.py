"""The team board (managers): each member's daily acts, streaks and what the acts brought."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from goodwill.agenda.board import STREAK_WINDOW_DAYS, team_board
from goodwill.scoring.rollups import today_utc
from goodwill.web.deps import DbSession, Manager
from goodwill.web.templating import render

router = APIRouter()

SPANS = (7, 14, 28)


@router.get("/team", response_class=HTMLResponse)
def team_page(request: Request, session: DbSession, caller: Manager, days: int = 14) -> Response:
    """Who did what for a customer each day, their streaks and the acts' outcomes."""
    span = days if days in SPANS else 14
    board = team_board(session, today_utc(), span)
    totals = {
        "done": sum(m.done for m in board.members),
        "value_acts": sum(m.value_acts for m in board.members),
        "touches": sum(m.touches for m in board.members),
        "value_touches": sum(m.value_touches for m in board.members),
        "acted_today": sum(1 for m in board.members if m.days and m.days[-1].customer_acts),
    }
    chart = {
        "type": "bar",
        "labels": [d.isoformat() for d in board.days],
        "datasets": [
            {
                "label": "acts done",
                "data": [sum(m.days[i].done for m in board.members) for i in range(span)],
                "backgroundColor": "rgba(47,111,79,.75)",
            },
            {
                "label": "of which gave value",
                "data": [sum(m.days[i].value_acts for m in board.members) for i in range(span)],
                "backgroundColor": "rgba(196,140,20,.75)",
            },
        ],
        "scales": {"y": {"beginAtZero": True, "ticks": {"precision": 0}}},
    }
    return render(
        request,
        "team/board.html",
        {
            "board": board,
            "span": span,
            "spans": SPANS,
            "totals": totals,
            "chart": chart,
            "window": STREAK_WINDOW_DAYS,
        },
    )
