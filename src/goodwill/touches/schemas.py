"""Shapes of a touch going in and out."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field

from goodwill.models import Channel, Direction, Value


class TouchIn(BaseModel):
    """A touch to record: who acted, with whom, how, when, and what it gave."""

    account_id: int
    member_id: int
    summary: str
    channel: Channel = Channel.CALL
    direction: Direction = Direction.OUTBOUND
    value: Value = Value.NONE
    sentiment: int = Field(default=0, ge=-2, le=2)
    happened_at: AwareDatetime
    contact_ids: list[int] = Field(default_factory=list)
    quote_id: int | None = None
    promise_id: int | None = None


class TouchOut(BaseModel):
    """One interaction, as the timeline shows it."""

    id: int
    account_id: int
    happened_at: datetime
    channel: Channel
    direction: Direction
    member: str | None
    value: Value
    sentiment: int
    summary: str
    contacts: list[str]
    quote_id: int | None
    promise_id: int | None
