"""Shapes of a team member going in and out."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from goodwill.models import Role


class MemberOut(BaseModel):
    """A member as the team sees them."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    email: str
    role: Role
    active: bool
