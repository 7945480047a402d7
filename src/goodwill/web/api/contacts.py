"""The people at an account: list, get, add and change (every member keeps them current)."""

from __future__ import annotations

from fastapi import APIRouter

from goodwill.contacts.schemas import ContactChange, ContactIn, ContactOut
from goodwill.contacts.service import account_contacts, add_contact, change_contact, get_contact
from goodwill.web.api.common import Page, Pages, PathId
from goodwill.web.deps import AnyMember, DbSession

router = APIRouter(tags=["contacts"])


@router.get(
    "/accounts/{account_id}/contacts",
    summary="People at an account",
    response_model=Page[ContactOut],
)
def contacts_list(
    session: DbSession, caller: AnyMember, account_id: PathId, pages: Pages
) -> Page[ContactOut]:
    """The people at the account, by name."""
    return pages.cut(account_contacts(session, account_id))


@router.post(
    "/accounts/{account_id}/contacts",
    summary="Add a person at an account",
    response_model=ContactOut,
    status_code=201,
)
def contact_add(
    session: DbSession, caller: AnyMember, account_id: PathId, body: ContactIn
) -> ContactOut:
    """Add a person at the account, with how to reach them well."""
    return add_contact(session, account_id, body)


@router.get("/contacts/{contact_id}", summary="Get a person", response_model=ContactOut)
def contact_get(session: DbSession, caller: AnyMember, contact_id: PathId) -> ContactOut:
    """One person at an account."""
    return get_contact(session, contact_id)


@router.patch("/contacts/{contact_id}", summary="Change a person", response_model=ContactOut)
def contact_change(
    session: DbSession, caller: AnyMember, contact_id: PathId, body: ContactChange
) -> ContactOut:
    """Change the fields given of a person's record."""
    return change_contact(session, contact_id, body)
