"""Scores: top accounts with arrows and flags, an account's health and its history, rescoring."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from goodwill.errors import Forbidden, NotFound
from goodwill.members.service import get_member
from goodwill.models import Role
from goodwill.scoring.rollups import today_utc
from goodwill.scoring.schemas import HealthOut, ScoreReport, TopReport
from goodwill.scoring.service import account_health, health_history, latest_run, score, top_accounts
from goodwill.web.api.common import MAX_ID, Day, PathId, Strict
from goodwill.web.deps import AnyMember, DbSession, Manager

router = APIRouter(tags=["scores"])


class HealthWeekOut(BaseModel):
    """An account's health in one scored week."""

    week_on: date
    health: float


class HealthWithHistory(BaseModel):
    """An account's health in its newest scored week, and its recent weeks, oldest first."""

    health: HealthOut
    history: list[HealthWeekOut]


class Rescore(BaseModel):
    """Score every customer as of a day (default today); rebuild recomputes every rollup."""

    as_of: Day | None = None
    rebuild: bool = False


@router.get(
    "/scores/top", summary="Top accounts with arrows, flags and reasons", response_model=TopReport
)
def scores_top(
    session: DbSession,
    caller: AnyMember,
    strict: Strict,
    n: Annotated[int, Query(ge=1, le=500, description="How many accounts.")] = 10,
    member: Annotated[
        int | None,
        Query(ge=1, le=MAX_ID, description="Only accounts this member owns; team-wide: manager."),
    ] = None,
    as_of: Annotated[Day | None, Query(description="Default: the newest scored week.")] = None,
) -> TopReport:
    """The top accounts by 12-month revenue (a member sees the accounts they own)."""
    if member is None and not caller.may(Role.MANAGER):
        member = caller.member.id  # the team-wide review is a manager's
    if member is not None and member != caller.member.id and not caller.may(Role.MANAGER):
        raise Forbidden("only a manager can review someone else's top accounts")
    if latest_run(session, as_of) is None:  # a GET never scores: that is POST /scores
        raise NotFound("that week has not been scored yet (POST /api/v1/scores)")
    email = get_member(session, member).email if member is not None else None
    return top_accounts(session, as_of=as_of, today=today_utc(), n=n, member=email)


@router.get(
    "/accounts/{account_id}/health",
    summary="An account's health, with its history",
    response_model=HealthWithHistory,
)
def account_health_get(
    session: DbSession,
    caller: AnyMember,
    account_id: PathId,
    strict: Strict,
    weeks: Annotated[int, Query(ge=1, le=520, description="Weeks of history.")] = 26,
) -> HealthWithHistory:
    """The newest scored week's health with its components and reason, and the weeks before."""
    health = account_health(session, account_id)
    history = health_history(session, account_id, weeks=weeks)
    return HealthWithHistory(
        health=health, history=[HealthWeekOut(week_on=w, health=h) for w, h in history]
    )


@router.post("/scores", summary="Rescore every customer (manager)", response_model=ScoreReport)
def scores_run(session: DbSession, caller: Manager, body: Rescore) -> ScoreReport:
    """Score every customer's health as of a day and store it as that week's row."""
    return score(session, body.as_of or today_utc(), rebuild=body.rebuild)
