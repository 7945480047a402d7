"""Touches: the account's timeline of interactions, and logging a new one as the caller."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from goodwill.models import Channel, Direction, Value
from goodwill.touches.schemas import TouchIn, TouchOut
from goodwill.touches.service import account_touches, log_touch
from goodwill.web.api.common import Id, Moment, Page, Pages, PathId, now
from goodwill.web.deps import AnyMember, DbSession

router = APIRouter(tags=["touches"])


class NewTouch(BaseModel):
    """What just happened with the account, in one line, and how it went."""

    summary: str = Field(max_length=4000)
    channel: Channel = Channel.CALL
    direction: Direction = Direction.OUTBOUND
    value: Value = Value.NONE
    sentiment: int = Field(default=0, ge=-2, le=2)
    happened_at: Moment | None = Field(default=None, description="Default: now.")
    contact_ids: list[Id] = Field(default_factory=list, max_length=50)
    quote_id: Id | None = None
    promise_id: Id | None = None


@router.get(
    "/accounts/{account_id}/touches",
    summary="Touches of an account",
    response_model=Page[TouchOut],
)
def touches_list(
    session: DbSession, caller: AnyMember, account_id: PathId, pages: Pages
) -> Page[TouchOut]:
    """The account's touches, newest first."""
    total, touches = account_touches(session, account_id, offset=pages.offset, limit=pages.limit)
    return pages.page(touches, total)


@router.post(
    "/accounts/{account_id}/touches",
    summary="Log a touch",
    response_model=TouchOut,
    status_code=201,
)
def touch_log(
    session: DbSession, caller: AnyMember, account_id: PathId, body: NewTouch
) -> TouchOut:
    """Record an interaction with the account, made by the caller."""
    return log_touch(
        session,
        TouchIn(
            account_id=account_id,
            member_id=caller.member.id,
            summary=body.summary,
            channel=body.channel,
            direction=body.direction,
            value=body.value,
            sentiment=body.sentiment,
            happened_at=body.happened_at or now(),
            contact_ids=body.contact_ids,
            quote_id=body.quote_id,
            promise_id=body.promise_id,
        ),
    )
