"""Finding, adding and changing the people at an account."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.accounts.names import fuzzy_match
from goodwill.accounts.service import cleaned, cleaned_address, get_account_record
from goodwill.contacts import queries
from goodwill.contacts.schemas import ContactChange, ContactIn, ContactOut
from goodwill.errors import Conflict, Invalid, NotFound
from goodwill.members.service import normalized_email
from goodwill.models import Account, Contact


def find_contact(session: Session, account: Account, name: str) -> Contact:
    """The person at the account a typed name (or e-mail, or external id) means."""
    wanted = name.strip().lower()
    if not wanted:
        raise Invalid("contact name must not be empty")
    people = list(session.scalars(queries.contacts_of(account.id)))
    exact = [
        c
        for c in people
        if wanted in (c.name.lower(), (c.email or "").lower(), (c.external_id or "").lower())
    ]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        listed = ", ".join(f"{c.name} (id {c.id})" for c in exact)
        raise Invalid(f"{name!r} matches several people at {account.name}: {listed}")
    by_id = {c.id: c for c in people}
    match = fuzzy_match(name, {c.id: c.name for c in people})
    if match.chosen is not None:
        return by_id[match.chosen]
    if match.candidates:
        listed = ", ".join(by_id[key].name for key, _score in match.candidates)
        raise Invalid(f"{name!r} matches several people at {account.name}: did you mean {listed}?")
    known = ", ".join(c.name for c in people[:10]) or "nobody yet"
    raise NotFound(f"no contact {name!r} at account {account.name} (people there: {known})")


def contact_out(contact: Contact) -> ContactOut:
    """A stored person as they go out."""
    return ContactOut.model_validate(contact, from_attributes=True)


def account_contacts(session: Session, account_id: int) -> list[ContactOut]:
    """The people at an account, by name."""
    get_account_record(session, account_id)
    return [contact_out(c) for c in session.scalars(queries.contacts_of(account_id))]


def get_contact(session: Session, contact_id: int) -> ContactOut:
    """One person, or NotFound."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"no contact with id {contact_id}")
    return contact_out(contact)


def _check_external_id(
    session: Session, account_id: int, external_id: str | None, contact_id: int | None
) -> None:
    if external_id is None:
        return
    taken = session.scalar(
        select(Contact).where(Contact.account_id == account_id, Contact.external_id == external_id)
    )
    if taken is not None and taken.id != contact_id:
        raise Conflict(f"{taken.name} (contact {taken.id}) already has external id {external_id!r}")


def _reachable(fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {n: cleaned(fields[n]) for n in ("title", "phone") if n in fields}
    if "email" in fields:
        email = cleaned(fields["email"])
        out["email"] = normalized_email(email, "contact e-mail") if email else None
    return out


def add_contact(session: Session, account_id: int, entry: ContactIn) -> ContactOut:
    """Add a person at an account, with how to reach them well."""
    account = get_account_record(session, account_id)
    name = entry.name.strip()
    if not name:
        raise Invalid("contact name must not be empty")
    external_id = cleaned(entry.external_id)
    _check_external_id(session, account.id, external_id, None)
    given = entry.model_dump()
    contact = Contact(
        account_id=account.id,
        name=name,
        external_id=external_id,
        birthday=entry.birthday,
        preferred_channel=entry.preferred_channel,
        **_reachable(given),
        **cleaned_address(given),
    )
    session.add(contact)
    session.flush()
    return contact_out(contact)


def change_contact(session: Session, contact_id: int, change: ContactChange) -> ContactOut:
    """Change what we have on a person: only the fields given change."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"no contact with id {contact_id}")
    given = change.model_dump(exclude_unset=True)
    if "name" in given:
        name = cleaned(given["name"])
        if name is None:
            raise Invalid("contact name must not be empty")
        contact.name = name
    if "external_id" in given:
        external_id = cleaned(given["external_id"])
        _check_external_id(session, contact.account_id, external_id, contact.id)
        contact.external_id = external_id
    for name in ("birthday", "preferred_channel"):
        if name in given:
            setattr(contact, name, given[name])
    for name, value in {**_reachable(given), **cleaned_address(given)}.items():
        setattr(contact, name, value)
    session.flush()
    return contact_out(contact)
