"""Today: a member's plan for the day, and doing, snoozing or dismissing its items."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from goodwill.agenda import service as agenda
from goodwill.agenda.schemas import DayPlan, PlanItemOut
from goodwill.models import Channel, Value
from goodwill.scoring.rollups import today_utc
from goodwill.web.api.common import MAX_ID, Day, Id, PathId, Strict, now
from goodwill.web.deps import AnyMember, DbSession, shown_plan

router = APIRouter(prefix="/today", tags=["today"])


class Done(BaseModel):
    """The touch that did the item: what happened, and how it went."""

    summary: str = Field(max_length=4000)
    channel: Channel | None = Field(default=None, description="Default: the item's channel.")
    value: Value = Value.NONE
    sentiment: int = Field(default=0, ge=-2, le=2)
    contact_ids: list[Id] = Field(default_factory=list, max_length=50)
    kept_promise: bool = Field(
        default=False,
        description="The touch kept the promise the item is about (a promise rule's item).",
    )


class Snooze(BaseModel):
    """Put the item off until a later day."""

    until: Day
    note: str = Field(default="", max_length=2000)


class Dismiss(BaseModel):
    """Drop the item, saying why."""

    reason: str = Field(max_length=2000)


@router.get("", summary="The plan for the day", response_model=DayPlan)
def today_plan(
    session: DbSession,
    caller: AnyMember,
    strict: Strict,
    member: Annotated[
        int | None,
        Query(ge=1, le=MAX_ID, description="Whose plan (a manager's review); default yours."),
    ] = None,
    day: Annotated[Day | None, Query(description="Default: today (UTC).")] = None,
) -> DayPlan:
    """Who to contact, why (with the evidence), how, and what to bring."""
    return shown_plan(session, caller, member, day or today_utc())


@router.post("/items/{item_id}/done", summary="Do a plan item", response_model=PlanItemOut)
def item_done(session: DbSession, caller: AnyMember, item_id: PathId, body: Done) -> PlanItemOut:
    """Log the touch the item asked for, linked to its quote or promise."""
    return agenda.complete_item(
        session,
        item_id,
        caller.member,
        body.summary,
        happened_at=now(),
        channel=body.channel,
        value=body.value,
        sentiment=body.sentiment,
        contact_ids=body.contact_ids,
        kept_promise=body.kept_promise,
    )


@router.post("/items/{item_id}/snooze", summary="Snooze a plan item", response_model=PlanItemOut)
def item_snooze(
    session: DbSession, caller: AnyMember, item_id: PathId, body: Snooze
) -> PlanItemOut:
    """Put the item off: its account stays off every plan until then."""
    return agenda.snooze_item(session, item_id, caller.member, body.until, body.note)


@router.post("/items/{item_id}/dismiss", summary="Dismiss a plan item", response_model=PlanItemOut)
def item_dismiss(
    session: DbSession, caller: AnyMember, item_id: PathId, body: Dismiss
) -> PlanItemOut:
    """Drop the item with a reason; its advice stays away from the account for a while."""
    return agenda.dismiss_item(session, item_id, caller.member, body.reason)
