"""The SQL for members."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from goodwill.models import Member


def member_by_email(email: str) -> Select[Member]:
    """The member with this e-mail, compared without regard to case."""
    return select(Member).where(func.lower(Member.email) == email.strip().lower())


def members_by_name() -> Select[Member]:
    """Every member, by name."""
    return select(Member).order_by(Member.name, Member.id)


def members_named(name: str) -> Select[Member]:
    """Members with exactly this name, ignoring case."""
    return select(Member).where(func.lower(Member.name) == name.strip().lower())
