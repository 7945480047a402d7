"""Adding team members and finding who acts."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from goodwill.errors import Conflict, Invalid, NotFound
from goodwill.members import queries
from goodwill.members.schemas import MemberOut
from goodwill.models import Member, Role, WebSession
from goodwill.models.types import utcnow


def normalized_email(email: str, where: str = "e-mail") -> str:
    """The e-mail in its normal form (lower case), or Invalid saying why it is not one."""
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise Invalid(f"{where} {email!r} is not a valid e-mail address: {exc}") from exc
    return checked.normalized.lower()


def add_member(session: Session, name: str, email: str, role: Role = Role.MEMBER) -> MemberOut:
    """Add a person to the team; their e-mail must be valid and not taken."""
    name = name.strip()
    if not name:
        raise Invalid("member name must not be empty")
    address = normalized_email(email)
    if session.scalar(queries.member_by_email(address)) is not None:
        raise Conflict(f"a member with e-mail {address} already exists")
    member = Member(name=name, email=address, role=role)
    session.add(member)
    session.flush()
    return MemberOut.model_validate(member)


def list_members(session: Session) -> list[MemberOut]:
    """Everyone on the team, by name."""
    return [MemberOut.model_validate(m) for m in session.scalars(queries.members_by_name())]


def get_member(session: Session, member_id: int) -> Member:
    """The member with this id, or NotFound."""
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(f"no member with id {member_id} (see: goodwill member list)")
    return member


def change_member(
    session: Session, member_id: int, *, role: Role | None = None, active: bool | None = None
) -> MemberOut:
    """Change a member's role or (de)activate them; the team always keeps an active admin."""
    member = get_member(session, member_id)
    new_role = role if role is not None else member.role
    new_active = active if active is not None else member.active
    if member.role == Role.ADMIN and member.active and (new_role != Role.ADMIN or not new_active):
        admins = session.scalar(
            select(func.count()).where(Member.role == Role.ADMIN, Member.active.is_(True))
        )
        if (admins or 0) <= 1:
            raise Conflict(f"{member.name} is the only active admin: make another admin first")
    member.role = new_role
    member.active = new_active
    session.flush()
    return MemberOut.model_validate(member)


def member_by_email(session: Session, email: str) -> Member:
    """The member with this e-mail, or NotFound."""
    member = session.scalar(queries.member_by_email(email))
    if member is None:
        raise NotFound(f"no member with e-mail {email.strip()!r} (see: goodwill member list)")
    return member


def acting_member(session: Session, email: str | None) -> Member:
    """The member who acts (from --as or GOODWILL_MEMBER); Invalid if nobody is named."""
    if not email or not email.strip():
        raise Invalid("no member is acting: pass --as EMAIL or set GOODWILL_MEMBER")
    member = member_by_email(session, email)
    if not member.active:
        raise Invalid(f"member {member.email} is not active")
    return member


def find_member(session: Session, text: str) -> Member:
    """The member a typed e-mail or exact name (any case) means, or NotFound."""
    wanted = text.strip()
    member = session.scalar(queries.member_by_email(wanted))
    if member is not None:
        return member
    named = list(session.scalars(queries.members_named(wanted)))
    if len(named) == 1:
        return named[0]
    if named:
        listed = ", ".join(m.email for m in named)
        raise Invalid(f"several members are named {wanted!r}: use the e-mail ({listed})")
    raise NotFound(f"no member {wanted!r} (see: goodwill member list)")


def _other_member(session: Session, member_id: int, actor: Member, verb: str) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(f"no member with id {member_id}")
    if member.id == actor.id:
        # An admin who demoted or deactivated themselves could lock the team out.
        raise Invalid(f"you cannot {verb} yourself; ask another admin")
    return member


def change_role(session: Session, member_id: int, role: Role, actor: Member) -> MemberOut:
    """Give another member a new role."""
    member = _other_member(session, member_id, actor, "change the role of")
    member.role = role
    session.flush()
    return MemberOut.model_validate(member)


def set_active(session: Session, member_id: int, active: bool, actor: Member) -> MemberOut:
    """Deactivate another member (they can no longer sign in; their sessions end) or
    reactivate them."""
    member = _other_member(session, member_id, actor, "deactivate" if not active else "reactivate")
    member.active = active
    session.flush()
    if not active:
        session.execute(
            update(WebSession)
            .where(WebSession.member_id == member.id, WebSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )
    return MemberOut.model_validate(member)
