"""Signing in and out, web sessions, API tokens and what each role may do.

Passwords are hashed with argon2id (argon2-cffi's defaults follow RFC 9106). Session and API
tokens are 256-bit random strings; only their SHA-256 is stored, so a stolen copy of the
database signs nobody in. Sign-in is throttled per account and per address from the
``signin_attempt`` table, so every app process sees the same count (app processes hold no
state). Session bookkeeping uses Core statements, which the audit log does not copy.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.auth.schemas import ApiTokenOut
from goodwill.config import Settings, get_settings
from goodwill.db import READ_ONLY
from goodwill.errors import Forbidden, Invalid, NotFound
from goodwill.members.queries import member_by_email
from goodwill.members.schemas import MemberOut
from goodwill.members.service import add_member
from goodwill.models import ApiToken, Member, Role, SigninAttempt, WebSession
from goodwill.models.types import utcnow

MIN_PASSWORD_LENGTH = 12
THROTTLE_WINDOW = timedelta(minutes=15)
# A session's last-seen moment is written at most this often (each write takes the lock).
TOUCH_EVERY = timedelta(minutes=1)

_hasher = PasswordHasher()
# Verified when the e-mail is unknown, so a wrong address costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

RANK = {Role.MEMBER: 0, Role.MANAGER: 1, Role.ADMIN: 2}


def may(role: Role, needed: Role) -> bool:
    """Whether a member of ``role`` may do what ``needed`` may (admin > manager > member)."""
    return RANK[role] >= RANK[needed]


def require_role(member: Member, needed: Role) -> None:
    """Forbidden unless the member's role reaches ``needed``."""
    if not may(member.role, needed):
        raise Forbidden(f"this needs the {needed.value} role; you are a {member.role.value}")


def token_hash(token: str) -> str:
    """The stored form of a session or API token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    """The argon2id hash of an acceptable password; Invalid if it is too weak."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > 1024:
        raise Invalid("a password may have at most 1024 characters")
    return _hasher.hash(password)


def set_password(session: Session, member: Member, password: str) -> None:
    """Give a member a new password; every web session they had ends."""
    member.password_hash = hash_password(password)
    session.flush()
    session.execute(
        update(WebSession)
        .where(WebSession.member_id == member.id, WebSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def new_password() -> str:
    """A random password strong enough to print once (for the demo and new members)."""
    return secrets.token_urlsafe(12)


def add_member_who_signs_in(
    session: Session, name: str, email: str, role: Role = Role.MEMBER
) -> tuple[MemberOut, str]:
    """Add a member with a random first password: it is returned once and kept hashed."""
    added = add_member(session, name, email, role)
    member = session.get(Member, added.id)
    assert member is not None  # just added
    password = new_password()
    set_password(session, member, password)
    return added, password


def admin_count(session: Session) -> int:
    """How many admins the team has (the very first one may be made without an admin)."""
    return int(session.scalar(select(func.count()).where(Member.role == Role.ADMIN)) or 0)


def _password_matches(member: Member | None, password: str) -> bool:
    stored = member.password_hash if member is not None else None
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class SignedIn:
    """A new web session: the token goes into the cookie, only its hash is stored."""

    token: str
    member: Member
    web_session: WebSession


def _failures(session: Session, since: datetime, **where: str) -> int:
    conditions = [SigninAttempt.at >= since, SigninAttempt.succeeded.is_(False)]
    for column, value in where.items():
        conditions.append(getattr(SigninAttempt, column) == value)
    return int(session.scalar(select(func.count()).where(*conditions)) or 0)


def sign_in(
    session: Session,
    email: str,
    password: str,
    address: str,
    *,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> SignedIn | None:
    """Check the password and start a web session; None when it does not match.

    Forbidden when too many sign-ins failed lately for this account or this address.
    Every try is recorded, so callers must keep (commit) the session even on None.
    """
    settings = settings or get_settings()
    now = now or utcnow()
    email = email.strip().lower()[:320]
    address = address[:64]
    since = now - THROTTLE_WINDOW
    limit = settings.signin_max_failures
    if (
        _failures(session, since, email=email) >= limit
        or _failures(session, since, address=address) >= 4 * limit
    ):
        raise Forbidden("too many failed sign-ins: wait 15 minutes and try again")
    member = session.scalar(member_by_email(email)) if email else None
    ok = _password_matches(member, password) and member is not None and member.active
    session.add(SigninAttempt(email=email, address=address, at=now, succeeded=ok))
    session.flush()
    if not ok or member is None:
        return None
    if member.password_hash and _hasher.check_needs_rehash(member.password_hash):
        member.password_hash = _hasher.hash(password)
    token = secrets.token_urlsafe(32)
    web_session = WebSession(
        token_hash=token_hash(token),
        member_id=member.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        address=address,
    )
    session.add(web_session)
    session.flush()
    return SignedIn(token=token, member=member, web_session=web_session)


def session_member(
    session: Session,
    token: str,
    *,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> tuple[Member, WebSession] | None:
    """The member a session token belongs to, or None if it ended, idled out or expired."""
    settings = settings or get_settings()
    now = now or utcnow()
    found = session.execute(
        select(WebSession, Member)
        .join(Member, Member.id == WebSession.member_id)
        .where(WebSession.token_hash == token_hash(token))
    ).one_or_none()
    if found is None:
        return None
    web_session, member = found
    idle = timedelta(minutes=settings.session_idle_minutes)
    absolute = timedelta(hours=settings.session_max_hours)
    if (
        web_session.ended_at is not None
        or not member.active
        or now - web_session.last_seen_at > idle
        or now - web_session.created_at > absolute
    ):
        return None
    if now - web_session.last_seen_at > TOUCH_EVERY:
        _touch(
            session,
            update(WebSession).where(WebSession.id == web_session.id).values(last_seen_at=now),
        )
    return member, web_session


def _touch(session: Session, statement: Any) -> None:
    """Note when a session or token was last used.

    In a reading transaction (a web GET) this goes through a short writing transaction of
    its own, so the reader never has to upgrade its snapshot to the write lock.
    """
    bind = session.get_bind()
    if isinstance(bind, Engine) and bind.get_execution_options().get(READ_ONLY):
        with bind.execution_options(**{READ_ONLY: False}).begin() as connection:
            connection.execute(statement)
        return
    session.execute(statement)


def sign_out(session: Session, token: str) -> None:
    """End the web session of this token (nothing happens if it already ended)."""
    session.execute(
        update(WebSession)
        .where(WebSession.token_hash == token_hash(token), WebSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def create_api_token(session: Session, member: Member, name: str) -> tuple[str, ApiToken]:
    """A new API token for the member: the plain token is shown once, its hash is kept."""
    name = name.strip()
    if not name:
        raise Invalid("an API token needs a name (what it is for)")
    token = "gw_" + secrets.token_urlsafe(32)
    row = ApiToken(token_hash=token_hash(token), member_id=member.id, name=name[:100])
    session.add(row)
    session.flush()
    return token, row


def api_member(session: Session, token: str, *, now: datetime | None = None) -> Member | None:
    """The active member an API token belongs to, or None if it is unknown or revoked."""
    found = session.execute(
        select(ApiToken, Member)
        .join(Member, Member.id == ApiToken.member_id)
        .where(ApiToken.token_hash == token_hash(token), ApiToken.revoked_at.is_(None))
    ).one_or_none()
    if found is None or not found[1].active:
        return None
    api_token, member = found
    now = now or utcnow()
    if api_token.last_used_at is None or now - api_token.last_used_at > TOUCH_EVERY:
        _touch(
            session, update(ApiToken).where(ApiToken.id == api_token.id).values(last_used_at=now)
        )
    return member


def list_api_tokens(session: Session, member: Member) -> list[ApiTokenOut]:
    """The member's own API tokens, newest first (revoked ones too, marked)."""
    rows = session.scalars(
        select(ApiToken).where(ApiToken.member_id == member.id).order_by(ApiToken.id.desc())
    )
    return [ApiTokenOut.model_validate(row) for row in rows]


def revoke_api_token(session: Session, member: Member, token_id: int) -> None:
    """Revoke one of the member's API tokens (an admin may revoke anyone's)."""
    row = session.get(ApiToken, token_id)
    if row is None or (row.member_id != member.id and not may(member.role, Role.ADMIN)):
        raise NotFound(f"no API token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()


def signed(secret: str, value: str) -> str:
    """``value`` with an HMAC-SHA256 signature (for the sign-in form's CSRF token)."""
    mac = hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()
    return f"{value}.{mac}"


def check_signed(secret: str, text: str) -> str | None:
    """The value of a signed text, or None if the signature does not match."""
    value, _, _mac = text.rpartition(".")
    if not value or not hmac.compare_digest(signed(secret, value), text):
        return None
    return value


def secret_key(settings: Settings | None = None) -> str:
    """The key that signs tokens: the configured one, or in development one kept on disk.

    In production there is no fallback: a missing or short key refuses to start.
    """
    settings = settings or get_settings()
    if settings.secret_key:
        if len(settings.secret_key) < 32:
            raise Invalid("GOODWILL_SECRET_KEY must have at least 32 characters")
        return settings.secret_key
    if settings.env == "production":
        raise Invalid("GOODWILL_SECRET_KEY is not set: production refuses to start without one")
    path = settings.data_dir / "secret-key"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()
