"""The documented columns of each kind of file (docs/import.md lists the same)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from goodwill.models import (
    AccountKind,
    Channel,
    Direction,
    FactKind,
    QuoteStatus,
    Value,
)

# Phone numbers written without a country code are read as numbers of this region.
# TODO(config): becomes the documented setting GOODWILL_PHONE_REGION once config.py has it.
DEFAULT_PHONE_REGION = "US"


@dataclass(frozen=True)
class Column:
    """One documented column: its header, the field it fills, how its text is read."""

    name: str
    type: str  # text, date, moment, amount, integer, enum, email, phone, country,
    #            account, member, members
    field: str | None = None  # the table's column; None: the header's name
    required: bool = False
    choices: tuple[str, ...] = ()
    default: str | int | None = None
    max_length: int | None = None
    low: int | None = None
    high: int | None = None

    @property
    def target(self) -> str:
        """The table column this one fills."""
        return self.field or self.name


@dataclass(frozen=True)
class KindSpec:
    """One kind of file: its table, its columns and how a row is matched to a record."""

    kind: str
    table: str
    columns: tuple[Column, ...]
    account_scoped: bool = True  # matched by (account, external_id); else by external_id
    # When external_id is blank the key is derived from these columns (docs/import.md):
    # all of them, or with ``identity_first`` the first that is not blank.
    identity: tuple[str, ...] = ()
    identity_first: bool = False
    # Identical rows may legitimately repeat (two equal orders on one day): the derived key
    # then also counts the occurrence, so the n-th copy matches the n-th copy next time.
    repeats: bool = False
    stamps_updates: bool = False  # the table has updated_at
    rolls_up: bool = False  # changes feed the per-account rollups

    def column(self, name: str) -> Column:
        """The column with this header."""
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        """The documented headers, in order."""
        return tuple(c.name for c in self.columns)

    @property
    def key(self) -> tuple[str, ...]:
        """The table columns that identify a row (the unique constraint upserts use)."""
        return ("account_id", "external_id") if self.account_scoped else ("external_id",)


def _choices(enum_class: type[object]) -> tuple[str, ...]:
    return tuple(m.value for m in enum_class)  # type: ignore[attr-defined]


def _address() -> tuple[Column, ...]:
    return (
        Column("address_line1", "text", max_length=200),
        Column("address_line2", "text", max_length=200),
        Column("city", "text", max_length=100),
        Column("region", "text", max_length=100),
        Column("postal_code", "text", max_length=20),
        Column("country", "country"),
    )


KEY = Column("external_id", "text", max_length=100)
ACCOUNT = Column("account", "account", field="account_id", required=True)

KINDS: dict[str, KindSpec] = {
    "accounts": KindSpec(
        "accounts",
        "account",
        (
            Column("external_id", "text", required=True, max_length=100),
            Column("name", "text", required=True, max_length=200),
            Column("kind", "enum", choices=_choices(AccountKind), default="customer"),
            Column("tier", "text", default="C", max_length=20),
            Column("phone", "phone"),
            Column("owners", "members", field="owners"),
            *_address(),
        ),
        account_scoped=False,
        stamps_updates=True,
    ),
    "contacts": KindSpec(
        "contacts",
        "contact",
        (
            ACCOUNT,
            KEY,
            Column("name", "text", required=True, max_length=200),
            Column("title", "text", max_length=200),
            Column("email", "email"),
            Column("phone", "phone"),
            Column("birthday", "date"),
            Column("preferred_channel", "enum", choices=_choices(Channel)),
            *_address(),
        ),
        identity=("email", "name"),
        identity_first=True,
        stamps_updates=True,
    ),
    "orders": KindSpec(
        "orders",
        "sales_order",
        (
            ACCOUNT,
            KEY,
            Column("ordered_on", "date", required=True),
            Column("amount", "amount", field="amount_minor", required=True),
            Column("quantity", "integer", low=0, high=2_147_483_647),
        ),
        identity=("ordered_on", "amount", "quantity"),
        repeats=True,
        rolls_up=True,
    ),
    "quotes": KindSpec(
        "quotes",
        "quote",
        (
            ACCOUNT,
            KEY,
            Column("quoted_on", "date", required=True),
            Column("amount", "amount", field="amount_minor", required=True),
            Column("status", "enum", choices=_choices(QuoteStatus), default="open"),
            Column("decided_on", "date"),
            Column("member", "member", field="member_id"),
            Column("description", "text", default=""),
        ),
        identity=("quoted_on", "amount"),
        repeats=True,
        rolls_up=True,
    ),
    "touches": KindSpec(
        "touches",
        "touch",
        (
            ACCOUNT,
            KEY,
            Column("happened_at", "moment", required=True),
            Column("channel", "enum", required=True, choices=_choices(Channel)),
            Column("direction", "enum", choices=_choices(Direction), default="outbound"),
            Column("member", "member", field="member_id"),
            Column("summary", "text", default=""),
            Column("value", "enum", choices=_choices(Value), default="none"),
            Column("sentiment", "integer", default=0, low=-2, high=2),
        ),
        identity=("happened_at", "channel"),
        repeats=True,
        rolls_up=True,
    ),
    "facts": KindSpec(
        "facts",
        "fact",
        (
            ACCOUNT,
            KEY,
            Column("kind", "enum", required=True, choices=_choices(FactKind)),
            Column("text", "text", required=True),
            Column("learned_on", "date", required=True),
            Column("learned_by", "member", field="learned_by_id"),
            Column("period", "text", max_length=20),
        ),
        identity=("kind", "text"),
        rolls_up=True,
    ),
}


class FileKind(enum.StrEnum):
    """A kind of record a file holds (the keys of ``KINDS``), for the API's paths."""

    ACCOUNTS = "accounts"
    CONTACTS = "contacts"
    ORDERS = "orders"
    QUOTES = "quotes"
    TOUCHES = "touches"
    FACTS = "facts"


assert {k.value for k in FileKind} == set(KINDS), "FileKind must list every kind of file"
