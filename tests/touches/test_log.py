"""``goodwill log`` and the touch service: one line records a touch, its people and its audit."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.config import get_settings
from goodwill.errors import Invalid
from goodwill.models import AuditEvent, Channel, Promise, Quote, Touch, Value, touch_contact
from goodwill.touches.schemas import TouchIn
from goodwill.touches.service import log_touch
from tests.accounts import factories as f
from tests.accounts.commands import as_json, failure, ok

ANN = "ann@example.com"


@pytest.fixture
def world(session: Session) -> dict[str, int]:
    ann = f.member(session, "Ann Smith", ANN)
    acme = f.account(session, "Acme Tools", "A-1")
    other = f.account(session, "Globex", "G-1")
    jane = f.contact(session, acme, "Jane Roe", email="jane@acme.test")
    joe = f.contact(session, acme, "Joe Bloggs")
    hank = f.contact(session, other, "Hank Scorpio")
    quote = Quote(
        account_id=acme.id, external_id="Q-7", quoted_on=date(2026, 1, 5), amount_minor=100
    )
    promise = Promise(
        account_id=acme.id,
        member_id=ann.id,
        what="Send samples",
        made_on=date(2026, 1, 5),
        due_on=date(2026, 2, 5),
    )
    session.add_all([quote, promise])
    session.commit()
    return {
        "ann": ann.id,
        "acme": acme.id,
        "jane": jane.id,
        "joe": joe.id,
        "hank": hank.id,
        "globex": other.id,
        "quote": quote.id,
        "promise": promise.id,
    }


def counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(Touch)) or 0,
            s.scalar(select(func.count()).select_from(touch_contact)) or 0,
            s.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.table_name == "touch")
            )
            or 0,
        )


def test_log_writes_the_touch_its_people_and_an_audit_row(
    configured: str, engine: Engine, world: dict[str, int]
) -> None:
    out = as_json(
        "log",
        "acme tool",
        "Brought the new catalogue",
        "--channel",
        "visit",
        "--contact",
        "jane",
        "--contact",
        "Joe Bloggs",
        "--value",
        "information",
        "--sentiment",
        "2",
        "--at",
        "2026-02-01T14:30:00+01:00",
        "--direction",
        "inbound",
        "--quote",
        "Q-7",
        "--promise",
        str(world["promise"]),
        member=ANN,
    )
    assert out["contacts"] == ["Jane Roe", "Joe Bloggs"]
    assert out["member"] == "Ann Smith"
    with Session(engine) as s:
        touch = s.get_one(Touch, out["id"])
        assert touch.account_id == world["acme"]
        assert touch.member_id == world["ann"]
        assert touch.channel == Channel.VISIT
        assert touch.value == Value.INFORMATION
        assert touch.sentiment == 2
        assert touch.happened_at == datetime(2026, 2, 1, 13, 30, tzinfo=UTC)
        assert touch.quote_id == world["quote"]
        assert touch.promise_id == world["promise"]
        assert {c.id for c in touch.contacts} == {world["jane"], world["joe"]}
        audit = s.scalars(
            select(AuditEvent).where(
                AuditEvent.table_name == "touch", AuditEvent.row_id == touch.id
            )
        ).one()
        assert audit.action == "insert"
        assert audit.actor == ANN
    assert counts(engine) == (1, 2, 1)


def test_log_takes_the_member_from_goodwill_member(
    configured: str, engine: Engine, world: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOODWILL_MEMBER", ANN)
    get_settings.cache_clear()
    assert "Logged call at Acme Tools" in ok("log", "A-1", "Quick check-in").stdout
    assert counts(engine)[0] == 1


@pytest.mark.parametrize(
    ("args", "member", "expected"),
    [
        (["log", "Initech", "hello"], ANN, "no account matches 'Initech'"),
        (["log", "A-1", "hello", "--contact", "Nobody Known"], ANN, "no contact 'Nobody Known'"),
        (["log", "A-1", "hello", "--contact", "Hank Scorpio"], ANN, "no contact 'Hank Scorpio'"),
        (["log", "A-1", "hello"], "bob@example.com", "no member with e-mail 'bob@example.com'"),
        (["log", "A-1", "hello"], None, "no member is acting"),
        (["log", "A-1", "hello", "--quote", "Q-404"], ANN, "has no quote 'Q-404'"),
        (["log", "A-1", "hello", "--at", "yesterday"], ANN, "--at 'yesterday' is not a moment"),
        (["log", "A-1", "   "], ANN, "summary must not be empty"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    configured: str,
    engine: Engine,
    world: dict[str, int],
    args: list[str],
    member: str | None,
    expected: str,
) -> None:
    assert expected in failure(*args, member=member)
    assert counts(engine) == (0, 0, 0)


def test_the_service_refuses_a_contact_or_promise_of_another_account(
    session: Session, world: dict[str, int]
) -> None:
    entry = TouchIn(
        account_id=world["acme"],
        member_id=world["ann"],
        summary="x",
        happened_at=datetime(2026, 2, 1, tzinfo=UTC),
        contact_ids=[world["hank"]],
    )
    with pytest.raises(Invalid, match="contact Hank Scorpio is not at account Acme Tools"):
        log_touch(session, entry)
    theirs = Promise(
        account_id=world["globex"],
        member_id=world["ann"],
        what="Globex's",
        made_on=date(2026, 1, 1),
        due_on=date(2026, 1, 2),
    )
    session.add(theirs)
    session.flush()
    entry = entry.model_copy(update={"contact_ids": [], "promise_id": theirs.id})
    with pytest.raises(Invalid, match="is not a promise to Acme Tools"):
        log_touch(session, entry)


def test_a_real_process_prints_one_error_line(configured: str, world: dict[str, int]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOODWILL_")}
    env |= {"GOODWILL_DATABASE_URL": configured, "GOODWILL_MEMBER": ANN, "COLUMNS": "120"}
    result = subprocess.run(
        [sys.executable, "-m", "goodwill", "log", "A-1", "hi", "--contact", "Nobody"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: no contact 'Nobody' at account Acme Tools")
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_quote_a_touch_follows_up_can_be_named_by_its_number(
    configured: str, engine: Engine, world: dict[str, int]
) -> None:
    out = as_json(
        "log", "A-1", "Called about the quote", "--quote", str(world["quote"]), member=ANN
    )
    assert out["quote_id"] == world["quote"]
