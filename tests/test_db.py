"""Storage guarantees: audit log, append-only, no lost updates under concurrent writers."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from goodwill import schema
from goodwill.db import session_scope
from goodwill.models import Account, AuditEvent


def test_schema_is_at_head_after_upgrade(engine: Engine) -> None:
    assert schema.is_current(engine)
    schema.upgrade(engine)  # a second upgrade is a no-op
    assert schema.is_current(engine)


def test_every_change_is_audited_with_who_before_and_after(engine: Engine) -> None:
    with session_scope(actor="ann@example.com", engine=engine) as s:
        account = Account(name="Acme Tools", external_id="A-1")
        s.add(account)
        s.flush()
        account_id = account.id
    with session_scope(actor="bob@example.com", engine=engine) as s:
        account = s.get_one(Account, account_id)
        account.tier = "A"
    with session_scope(actor="cy@example.com", engine=engine) as s:
        s.delete(s.get_one(Account, account_id))

    with Session(engine) as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.table_name == "account").order_by(AuditEvent.id)
        ).all()
    assert [(e.action, e.actor) for e in events] == [
        ("insert", "ann@example.com"),
        ("update", "bob@example.com"),
        ("delete", "cy@example.com"),
    ]
    assert all(e.row_id == account_id for e in events)
    assert events[0].before is None
    assert events[0].after is not None
    assert events[0].after["name"] == "Acme Tools"
    assert events[1].before == {"tier": "C"}
    assert events[1].after == {"tier": "A"}
    assert events[2].before is not None
    assert events[2].before["tier"] == "A"
    assert events[2].after is None


def test_a_failed_transaction_leaves_no_audit_and_no_change(engine: Engine) -> None:
    def add_then_fail() -> None:
        with session_scope(engine=engine) as s:
            s.add(Account(name="Never stored"))
            s.flush()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        add_then_fail()
    with Session(engine) as s:
        assert s.scalar(select(Account).limit(1)) is None
        assert s.scalar(select(AuditEvent).limit(1)) is None


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_event SET actor = 'x'", "DELETE FROM audit_event"]
)
def test_the_audit_log_is_append_only(engine: Engine, statement: str) -> None:
    with session_scope(engine=engine) as s:
        s.add(Account(name="Acme"))
    with pytest.raises(DBAPIError, match="append-only"), session_scope(engine=engine) as s:
        s.execute(text(statement))
    with Session(engine) as s:
        assert s.scalars(select(AuditEvent.actor)).all() == ["system"]


def test_concurrent_read_modify_write_loses_no_update(engine: Engine) -> None:
    """Many writers each read a counter and write it back plus one; none is lost."""
    with session_scope(engine=engine) as s:
        account = Account(name="Counter", tier="0")
        s.add(account)
        s.flush()
        account_id = account.id
    writers, rounds = 4, 25
    errors: list[BaseException] = []

    def bump() -> None:
        try:
            for _ in range(rounds):
                with session_scope(engine=engine) as s:
                    row = s.execute(
                        select(Account).where(Account.id == account_id).with_for_update()
                    ).scalar_one()
                    row.tier = str(int(row.tier) + 1)
        except BaseException as exc:  # reported below, in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Session(engine) as s:
        assert s.get_one(Account, account_id).tier == str(writers * rounds)


def test_sqlite_connections_read_through_the_configured_memory_map(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from goodwill.config import get_settings
    from goodwill.db import make_engine

    for mib, expected in (("0", 0), ("64", 64 * 1024 * 1024)):
        monkeypatch.setenv("GOODWILL_SQLITE_MMAP_MIB", mib)
        get_settings.cache_clear()
        engine = make_engine(f"sqlite:///{tmp_path}/mmap-{mib}.db")
        try:
            with engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA mmap_size").scalar_one() == expected
        finally:
            engine.dispose()
    get_settings.cache_clear()
