"""Finding the people at an account."""

from __future__ import annotations

from sqlalchemy.orm import Session

from goodwill.accounts.names import fuzzy_match
from goodwill.contacts import queries
from goodwill.errors import Invalid, NotFound
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
