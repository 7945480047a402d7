"""The team: everyone may list it; admins add members, change roles and deactivate."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from goodwill.members.schemas import MemberOut
from goodwill.members.service import add_member, change_member, get_member, list_members
from goodwill.models import Role
from goodwill.web.api.common import Page, Pages, PathId
from goodwill.web.deps import Admin, AnyMember, DbSession

router = APIRouter(prefix="/members", tags=["members"])


class NewMember(BaseModel):
    """A person to add to the team (they sign in once given a password)."""

    name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    role: Role = Role.MEMBER


class MemberChange(BaseModel):
    """A new role, or active false to deactivate (true to bring them back)."""

    role: Role | None = None
    active: bool | None = None


@router.get("", summary="List the team", response_model=Page[MemberOut])
def members_list(session: DbSession, caller: AnyMember, pages: Pages) -> Page[MemberOut]:
    """Everyone on the team, by name."""
    return pages.cut(list_members(session))


@router.get("/{member_id}", summary="Get a member", response_model=MemberOut)
def member_get(session: DbSession, caller: AnyMember, member_id: PathId) -> MemberOut:
    """One member of the team."""
    return MemberOut.model_validate(get_member(session, member_id))


@router.post("", summary="Add a member (admin)", response_model=MemberOut, status_code=201)
def member_add(session: DbSession, caller: Admin, body: NewMember) -> MemberOut:
    """Add a person to the team; their e-mail must be valid and not taken."""
    return add_member(session, body.name, body.email, body.role)


@router.patch(
    "/{member_id}",
    summary="Change a member's role or deactivate them (admin)",
    response_model=MemberOut,
)
def member_change(
    session: DbSession, caller: Admin, member_id: PathId, body: MemberChange
) -> MemberOut:
    """Change a member's role or (de)activate them; the team always keeps an active admin."""
    return change_member(session, member_id, role=body.role, active=body.active)
