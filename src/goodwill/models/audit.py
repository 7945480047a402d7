"""The audit log: an append-only record of every change (who, when, what, before, after).

Database triggers refuse UPDATE and DELETE on this table (see the first migration).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, String, event, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from goodwill.db import Base
from goodwill.models.types import BigId, UtcDateTime, utcnow


class AuditEvent(Base):
    """One change to one record, or one bulk import."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_table_name_row_id", "table_name", "row_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(20))  # insert, update, delete, import
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


def _jsonable(value: Any) -> Any:
    """A column value as JSON: dates and moments as ISO text, enums as their value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj: Base) -> dict[str, Any]:
    state = inspect(obj)
    return {
        attr.key: _jsonable(getattr(obj, attr.key))
        for attr in state.mapper.column_attrs
        if attr.key in state.dict or not state.expired
    }


def _changes(obj: Base) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        before[attr.key] = _jsonable(old)
        after[attr.key] = _jsonable(new)
    return before, after


_REDACTED = frozenset({"password_hash", "token_hash", "csrf_token"})


def _audited(obj: object) -> bool:
    # Tables that are security records of their own (sessions, sign-in attempts) say
    # ``__audited__ = False``: a session's last-seen moment changes on every request.
    return (
        isinstance(obj, Base)
        and not isinstance(obj, AuditEvent)
        and getattr(obj, "__audited__", True)
    )


def audit_rows_for_flush(session: Session) -> list[dict[str, Any]]:
    """The audit rows describing what this flush changed."""
    actor = str(session.info.get("actor", "system"))
    now = utcnow()
    rows: list[dict[str, Any]] = []

    def add(action: str, obj: Base, before: Any, after: Any) -> None:
        table = obj.__table__.name  # type: ignore[attr-defined]
        # Secrets are never copied into the log, not even hashed.
        for side in (before, after):
            for key in _REDACTED.intersection(side or ()):
                side[key] = "(redacted)"
        rows.append(
            {
                "at": now,
                "actor": actor,
                "action": action,
                "table_name": table,
                "row_id": getattr(obj, "id", None),
                "before": before,
                "after": after,
            }
        )

    for obj in session.new:
        if _audited(obj):
            add("insert", obj, None, _row(obj))
    for obj in session.dirty:
        if _audited(obj):
            before, after = _changes(obj)
            if before or after:
                add("update", obj, before, after)
    for obj in session.deleted:
        if _audited(obj):
            add("delete", obj, _row(obj), None)
    return rows


@event.listens_for(Session, "after_flush")
def _write_audit(session: Session, _context: Any) -> None:
    # After the flush, new rows have their ids and attribute history is still there.
    rows = audit_rows_for_flush(session)
    if rows:
        session.connection().execute(insert(AuditEvent), rows)


def audit_event(session: Session, action: str, table_name: str, **fields: Any) -> None:
    """Record one event that no ORM flush describes (a bulk import, a bulk change)."""
    session.connection().execute(
        insert(AuditEvent),
        [
            {
                "at": utcnow(),
                "actor": str(session.info.get("actor", "system")),
                "action": action,
                "table_name": table_name,
                "row_id": fields.get("row_id"),
                "before": fields.get("before"),
                "after": fields.get("after"),
            }
        ],
    )
