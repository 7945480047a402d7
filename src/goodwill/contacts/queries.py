"""The SQL for contacts."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select

from goodwill.models import Account, Contact


def contacts_of(account_id: int) -> Select[Contact]:
    """The people at one account, by name."""
    return (
        select(Contact).where(Contact.account_id == account_id).order_by(Contact.name, Contact.id)
    )


def contacts_with_account() -> Select[Contact, Account]:
    """Every contact with its account, by account name then contact name."""
    return (
        select(Contact, Account)
        .join(Account, Account.id == Contact.account_id)
        .order_by(Account.name, Account.id, Contact.name, Contact.id)
    )


@cache
def contacts_bound() -> Select[Any]:
    """:func:`contacts_of` as rows, built once and bound by account_id (the account page)."""
    c = Contact.__table__.c
    return (
        select(*Contact.__table__.c)
        .where(c.account_id == bindparam("account_id"))
        .order_by(c.name, c.id)
    )
