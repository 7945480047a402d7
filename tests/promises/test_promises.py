"""The promises ledger: make, keep (on time or late), break, cancel, list; services and CLI."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.errors import Conflict, Invalid
from goodwill.models import AuditEvent, Promise, PromiseStatus
from goodwill.promises.schemas import PromiseIn
from goodwill.promises.service import (
    break_promise,
    cancel_promise,
    keep_promise,
    make_promise,
    open_promises,
)
from tests.accounts import factories as f
from tests.accounts.commands import as_json, failure, ok

ANN = "ann@example.com"
BOB = "bob@example.com"
TODAY = date(2026, 3, 10)


@pytest.fixture
def world(session: Session) -> dict[str, int]:
    ann = f.member(session, "Ann Smith", ANN)
    bob = f.member(session, "Bob Jones", BOB)
    acme = f.account(session, "Acme Tools", "A-1")
    jane = f.contact(session, acme, "Jane Roe")
    session.commit()
    return {"ann": ann.id, "bob": bob.id, "acme": acme.id, "jane": jane.id}


def promise(session: Session, world: dict[str, int], due: date, member: str = "ann") -> int:
    made = make_promise(
        session,
        PromiseIn(
            account_id=world["acme"],
            member_id=world[member],
            what=f"due {due}",
            made_on=date(2026, 3, 1),
            due_on=due,
        ),
    )
    return made.id


def test_done_by_the_due_date_is_kept_after_it_kept_late(
    session: Session, world: dict[str, int]
) -> None:
    on_time = promise(session, world, date(2026, 3, 5))
    late = promise(session, world, date(2026, 3, 5))
    assert keep_promise(session, on_time, date(2026, 3, 5)).status == PromiseStatus.KEPT
    kept_late = keep_promise(session, late, date(2026, 3, 6))
    assert (kept_late.status, kept_late.done_on) == (PromiseStatus.KEPT_LATE, date(2026, 3, 6))


def test_a_settled_promise_cannot_be_settled_again(session: Session, world: dict[str, int]) -> None:
    done, cancelled, broken = (promise(session, world, date(2026, 3, 5)) for _ in range(3))
    keep_promise(session, done, TODAY)
    cancel_promise(session, cancelled, TODAY)
    assert break_promise(session, broken, TODAY).status == PromiseStatus.BROKEN
    with pytest.raises(Conflict, match="already kept late on 2026-03-10"):
        keep_promise(session, done, TODAY)
    with pytest.raises(Conflict, match="already cancelled"):
        keep_promise(session, cancelled, TODAY)
    with pytest.raises(Conflict, match="already broken"):
        cancel_promise(session, broken, TODAY)
    stored = session.get_one(Promise, done)
    assert (stored.status, stored.done_on) == (PromiseStatus.KEPT_LATE, TODAY)


def test_bad_dates_are_refused(session: Session, world: dict[str, int]) -> None:
    with pytest.raises(Invalid, match="before the day it was made"):
        promise(session, world, date(2026, 2, 1))
    pid = promise(session, world, date(2026, 3, 5))
    with pytest.raises(Invalid, match="before it was made"):
        keep_promise(session, pid, date(2026, 2, 1))


def test_listing_open_promises_by_member_due_window_and_overdue(
    session: Session, world: dict[str, int]
) -> None:
    overdue = promise(session, world, date(2026, 3, 9))
    due_today = promise(session, world, date(2026, 3, 10), member="bob")
    in_a_week = promise(session, world, date(2026, 3, 17))
    later = promise(session, world, date(2026, 4, 30))
    keep_promise(session, promise(session, world, date(2026, 3, 2)), TODAY)  # not open

    def ids(**kw: object) -> list[int]:
        return [p.id for p in open_promises(session, TODAY, **kw)]  # type: ignore[arg-type]

    assert ids() == [overdue, due_today, in_a_week, later]
    assert ids(overdue_only=True) == [overdue]
    assert ids(due_within_days=7) == [overdue, due_today, in_a_week]
    assert ids(due_within_days=0) == [overdue, due_today]
    assert ids(member_id=world["bob"]) == [due_today]
    flags = {p.id: p.overdue for p in open_promises(session, TODAY)}
    assert flags == {overdue: True, due_today: False, in_a_week: False, later: False}


def test_the_promise_lifecycle_from_the_command_line(
    configured: str, engine: Engine, world: dict[str, int]
) -> None:
    made = as_json(
        "promise",
        "add",
        "acme",
        "Send the catalogue",
        "--due",
        "2026-03-05",
        "--contact",
        "jane",
        "--made",
        "2026-03-01",
        member=ANN,
    )
    assert (made["status"], made["contact"], made["member"]) == ("open", "Jane Roe", "Ann Smith")
    ok(
        "promise",
        "add",
        "A-1",
        "Call back",
        "--due",
        "2026-03-20",
        "--made",
        "2026-03-01",
        member=BOB,
    )

    listed = as_json("promise", "list", "--today", "2026-03-10")
    assert [(p["what"], p["overdue"]) for p in listed] == [
        ("Send the catalogue", True),
        ("Call back", False),
    ]
    assert [
        p["what"] for p in as_json("promise", "list", "--overdue", "--today", "2026-03-10")
    ] == ["Send the catalogue"]
    assert [p["what"] for p in as_json("promise", "list", "--member", "Bob Jones")] == ["Call back"]
    assert [
        p["what"] for p in as_json("promise", "list", "--due-within", "7", "--today", "2026-03-10")
    ] == ["Send the catalogue"]
    assert "OVERDUE" in ok("promise", "list", "--today", "2026-03-10").stdout

    assert (
        "kept late on 2026-03-06"
        in ok("promise", "done", str(made["id"]), "--on", "2026-03-06").stdout
    )
    message = failure("promise", "done", str(made["id"]))
    assert message.startswith(f"promise {made['id']} is already kept late on 2026-03-06")
    second = listed[1]["id"]
    assert "broken" in ok("promise", "broken", str(second)).stdout
    assert "already broken" in failure("promise", "cancel", str(second))
    assert "no promise with id 999" in failure("promise", "done", "999")
    assert as_json("promise", "list") == []

    with Session(engine) as s:
        statuses = {p.id: p.status for p in s.scalars(select(Promise))}
        actors = set(s.scalars(select(AuditEvent.actor).where(AuditEvent.table_name == "promise")))
    assert statuses == {made["id"]: PromiseStatus.KEPT_LATE, second: PromiseStatus.BROKEN}
    assert {ANN, BOB} <= actors


def test_promise_add_errors_are_one_line(configured: str, world: dict[str, int]) -> None:
    assert "no member is acting" in failure("promise", "add", "A-1", "x", "--due", "2026-03-05")
    assert "--due '5 March' is not a date" in failure(
        "promise", "add", "A-1", "x", "--due", "5 March", member=ANN
    )
    assert "no contact 'Zed'" in failure(
        "promise", "add", "A-1", "x", "--due", "2026-12-01", "--contact", "Zed", member=ANN
    )
