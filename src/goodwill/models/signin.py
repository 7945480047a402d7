"""Signing in: server-side web sessions, API tokens and the sign-in attempts that throttle.

Only hashes of the secrets are stored (SHA-256 of a 256-bit random token), so a copy of the
database cannot be used to sign in. These tables are security records of their own and are
not copied to the audit log (a session's last-seen moment changes on every request).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from goodwill.db import Base
from goodwill.models.types import UtcDateTime, utcnow


class WebSession(Base):
    """A signed-in browser: revocable, with idle and absolute timeouts."""

    __tablename__ = "web_session"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    address: Mapped[str] = mapped_column(String(64), default="")


class ApiToken(Base):
    """A member's token for the REST API (sent as ``Authorization: Bearer ...``)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class SigninAttempt(Base):
    """One try to sign in, kept to throttle guessing per account and per address."""

    __tablename__ = "signin_attempt"
    __audited__ = False
    __table_args__ = (
        Index("ix_signin_attempt_email_at", "email", "at"),
        Index("ix_signin_attempt_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    succeeded: Mapped[bool] = mapped_column(default=False)


class TeamSetting(Base):
    """A setting an admin changed in the app (cadence per tier, health weights...).

    It takes precedence over the environment's value of the same name.
    """

    __tablename__ = "team_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    value: Mapped[str] = mapped_column(String(4000))  # JSON
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
