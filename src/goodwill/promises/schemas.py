"""Shapes of a promise going in and out."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from goodwill.models import PromiseStatus


class PromiseIn(BaseModel):
    """A promise to record: what, to whom, by when, made by which member."""

    account_id: int
    member_id: int
    what: str
    made_on: date
    due_on: date
    contact_id: int | None = None


class PromiseOut(BaseModel):
    """A promise and where it stands; ``overdue`` is as of the day it was read."""

    id: int
    account_id: int
    account: str
    what: str
    made_on: date
    due_on: date
    done_on: date | None
    status: PromiseStatus
    contact: str | None
    member: str | None
    overdue: bool
