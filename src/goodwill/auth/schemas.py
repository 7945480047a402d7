"""Shapes of API tokens going out (the plain token only once, when it is made)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class ApiTokenOut(BaseModel):
    """An API token as its member sees it: never the token itself, only its hash is kept."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    member_id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewApiTokenOut(ApiTokenOut):
    """A token just made: ``token`` is shown this once and cannot be read again."""

    token: str
