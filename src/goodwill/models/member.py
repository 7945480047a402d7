"""Team members: the people who use Goodwill."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from goodwill.db import Base
from goodwill.models.types import UtcDateTime, str_enum, utcnow


class Role(enum.StrEnum):
    """What a member may do: admins run the system, managers review the team."""

    ADMIN = "admin"
    MANAGER = "manager"
    MEMBER = "member"


class Member(Base):
    """A person on the team."""

    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), default=Role.MEMBER)
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
