"""Column types shared by the tables."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Enum, Integer, TypeDecorator

# A 64-bit key for tables that grow with history (orders, audit); SQLite's rowid alias
# must be spelled INTEGER to auto-increment, and is 64-bit anyway.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """A moment in time, stored as UTC and always read back timezone-aware.

    SQLite keeps no zone, so values are normalised to UTC on the way in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give a timezone-aware moment")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


def str_enum(enum_class: type[enum.StrEnum], name: str) -> Enum:
    """A column holding an enum's *values* as text, checked by a CHECK constraint."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_class),
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
    )
