"""``goodwill quote ...`` and ``goodwill promise ratio`` from the command line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.models import AuditEvent, Promise, PromiseStatus, Quote, QuoteStatus
from tests.accounts import factories as f
from tests.accounts.commands import as_json, failure, invoke, ok

ANN = "ann@example.com"
BOB = "bob@example.com"


@pytest.fixture
def world(session: Session) -> dict[str, int]:
    ann = f.member(session, "Ann Smith", ANN)
    bob = f.member(session, "Bob Jones", BOB)
    acme = f.account(session, "Acme Tools", "A-1")
    beta = f.account(session, "Beta Corp", "B-1")
    session.commit()
    return {"ann": ann.id, "bob": bob.id, "acme": acme.id, "beta": beta.id}


def test_a_quote_from_add_to_decision(
    configured: str, engine: Engine, world: dict[str, int]
) -> None:
    added = as_json(
        "quote",
        "add",
        "acme",
        "1,234.56",
        "--on",
        "2026-03-01",
        "--description",
        "Lathe",
        "--id",
        "Q-1",
        "--as",
        ANN,
    )
    assert (added["amount_minor"], added["external_id"], added["member"]) == (
        123456,
        "Q-1",
        "Ann Smith",
    )
    assert (added["status"], added["quoted_on"], added["account"]) == (
        "open",
        "2026-03-01",
        "Acme Tools",
    )
    shown = ok("quote", "add", "B-1", "99.5", "--on", "2026-03-08", member=BOB).stdout
    assert "to Beta Corp: 99.50 USD, quoted 2026-03-08, open" in shown

    assert "won on 2026-03-10" in ok("quote", "won", str(added["id"]), "--on", "2026-03-10").stdout
    lost = as_json("quote", "lost", str(added["id"] + 1), "--on", "2026-03-09")
    assert (lost["status"], lost["decided_on"]) == ("lost", "2026-03-09")

    with Session(engine) as s:
        stored = {q.id: (q.status, q.amount_minor) for q in s.scalars(select(Quote))}
        actors = set(s.scalars(select(AuditEvent.actor).where(AuditEvent.table_name == "quote")))
    assert stored == {
        added["id"]: (QuoteStatus.WON, 123456),
        added["id"] + 1: (QuoteStatus.LOST, 9950),
    }
    assert {ANN, BOB} <= actors


def test_expired_and_the_errors_are_one_line(configured: str, world: dict[str, int]) -> None:
    qid = as_json("quote", "add", "acme", "500", "--on", "2026-03-01", "--id", "Q-7", member=ANN)[
        "id"
    ]
    expired = as_json("quote", "expired", str(qid), "--on", "2026-04-01")
    assert expired["status"] == "expired"
    assert failure("quote", "won", str(qid)) == (
        f"quote {qid} is already expired on 2026-04-01; only an open quote can be decided "
        "(a decision is not reopened)"
    )
    assert failure("quote", "add", "acme", "12,34", member=ANN) == (
        "amount '12,34' is not an amount: type it like 1234.56 or 1,234.56"
    )
    assert "more than 2 decimal places" in failure("quote", "add", "acme", "1.005", member=ANN)
    assert "already has a quote 'Q-7'" in failure(
        "quote", "add", "acme", "5", "--id", "Q-7", member=ANN
    )
    assert "no member is acting" in failure("quote", "add", "acme", "5")
    assert "no quote with id 999" in failure("quote", "lost", "999")
    qid2 = as_json("quote", "add", "acme", "5", "--on", "2026-03-05", member=ANN)["id"]
    assert "before it was quoted" in failure("quote", "won", str(qid2), "--on", "2026-03-04")
    # A typo in the command is a usage error (exit 2), not a traceback.
    assert invoke("quote", "won", "not-a-number").exit_code == 2


def test_quote_list_oldest_first_with_follow_ups(
    configured: str, session: Session, world: dict[str, int]
) -> None:
    old = as_json("quote", "add", "acme", "500", "--on", "2026-03-01", member=ANN)["id"]
    followed = as_json(
        "quote", "add", "beta", "700", "--on", "2026-03-05", "--id", "Q-2", member=BOB
    )["id"]
    young = as_json("quote", "add", "acme", "900", "--on", "2026-03-15", member=ANN)["id"]
    ok(
        "log",
        "beta",
        "Called about the quote",
        "--quote",
        "Q-2",
        "--at",
        "2026-03-09T10:00:00+00:00",
        "--channel",
        "visit",
        member=ANN,
    )

    listed = as_json("quote", "list", "--today", "2026-03-20")
    assert [(q["id"], q["age_days"], q["needs_follow_up"]) for q in listed] == [
        (old, 19, True),
        (followed, 15, False),
        (young, 5, False),
    ]
    assert listed[1]["follow_up"]["channel"] == "visit"
    assert listed[1]["follow_up"]["member"] == "Ann Smith"
    assert listed[0]["follow_up"] is None
    assert [
        q["id"] for q in as_json("quote", "list", "--member", "Bob Jones", "--today", "2026-03-20")
    ] == [followed]
    assert [
        q["id"]
        for q in as_json("quote", "list", "--account", "Acme Tools", "--today", "2026-03-20")
    ] == [old, young]

    table = ok("quote", "list", "--today", "2026-03-20").stdout
    assert "not followed up" in table
    assert "visit by Ann Smith" in table
    assert "1 open longer than 7 days with no follow-up" in table
    assert "500.00 USD" in table
    ok("quote", "won", str(old))
    assert as_json("quote", "list", "--account", "A-1", "--today", "2026-03-20")[0]["id"] == young
    assert (
        "No open quotes."
        in ok("quote", "list", "--member", "Bob Jones", "--today", "2026-03-01").stdout
    )


def test_quote_ratio_by_member_team_and_month(configured: str, world: dict[str, int]) -> None:
    def decided(member: str, amount: str, quoted: str, verb: str, on: str) -> None:
        qid = as_json("quote", "add", "acme", amount, "--on", quoted, member=member)["id"]
        ok("quote", verb, str(qid), "--on", on)

    decided(ANN, "1,000.00", "2026-01-02", "won", "2026-01-10")
    decided(ANN, "50", "2026-01-02", "lost", "2026-02-10")
    decided(BOB, "20", "2026-01-02", "expired", "2026-02-11")
    decided(BOB, "30.25", "2026-02-02", "won", "2026-03-01")
    decided(BOB, "40", "2026-02-02", "won", "2026-04-01")  # after the period
    period = ("--from", "2026-01-01", "--to", "2026-03-31")

    by_member = as_json("quote", "ratio", *period)
    assert [
        (r["key"], r["decided"], r["won"], r["won_amount_minor"]) for r in by_member["rows"]
    ] == [
        ("Ann Smith", 2, 1, 100_000),
        ("Bob Jones", 2, 1, 3_025),
    ]
    assert by_member["total"]["ratio"] == 0.5
    team = as_json("quote", "ratio", "--by", "team", *period)
    assert [(r["key"], r["decided"], r["won"], r["lost"], r["expired"]) for r in team["rows"]] == [
        ("team", 4, 2, 1, 1)
    ]
    months = as_json("quote", "ratio", "--by", "month", *period)
    assert [(r["key"], r["decided"], r["ratio"]) for r in months["rows"]] == [
        ("2026-01", 1, 1.0),
        ("2026-02", 2, 0.0),
        ("2026-03", 1, 1.0),
    ]
    # The default period is the twelve whole months up to today.
    default = as_json("quote", "ratio", "--by", "team", "--today", "2026-04-15")
    assert (default["start"], default["end"], default["total"]["decided"]) == (
        "2025-05-01",
        "2026-04-15",
        5,
    )

    table = ok("quote", "ratio", *period).stdout
    assert "Ann Smith" in table
    assert "50.0%" in table
    assert "1,030.25 USD" in table  # won in all
    assert "2026-02" in ok("quote", "ratio", "--by", "month", *period).stdout
    assert "--to 2026-01-01 is before --from 2026-02-01" in failure(
        "quote", "ratio", "--from", "2026-02-01", "--to", "2026-01-01"
    )


def test_promise_ratio(configured: str, session: Session, world: dict[str, int]) -> None:
    def promise(member: str, account: str, due: str, status: PromiseStatus) -> None:
        day = datetime.fromisoformat(due).replace(tzinfo=UTC).date()
        session.add(
            Promise(
                account_id=world[account],
                member_id=world[member],
                what=f"due {due}",
                made_on=day,
                due_on=day,
                done_on=day if status in (PromiseStatus.KEPT, PromiseStatus.KEPT_LATE) else None,
                status=status,
            )
        )

    promise("ann", "acme", "2026-02-01", PromiseStatus.KEPT)
    promise("ann", "acme", "2026-02-02", PromiseStatus.KEPT)
    promise("ann", "beta", "2026-02-03", PromiseStatus.BROKEN)
    promise("bob", "beta", "2026-02-04", PromiseStatus.KEPT_LATE)
    promise("bob", "beta", "2026-03-01", PromiseStatus.OPEN)
    promise("bob", "beta", "2026-03-02", PromiseStatus.CANCELLED)
    session.commit()
    period = ("--from", "2026-01-01", "--to", "2026-03-31", "--today", "2026-03-10")

    by_member = as_json("promise", "ratio", *period)
    assert [
        (r["key"], r["kept"], r["kept_late"], r["broken"], r["overdue"], r["ratio"])
        for r in by_member["rows"]
    ] == [
        ("Ann Smith", 2, 0, 1, 0, pytest.approx(2 / 3)),
        ("Bob Jones", 0, 1, 0, 1, 0.0),
    ]
    by_account = as_json("promise", "ratio", "--by", "account", *period)
    assert [(r["key"], r["settled"], r["overdue"]) for r in by_account["rows"]] == [
        ("Acme Tools", 2, 0),
        ("Beta Corp", 2, 1),
    ]
    assert (by_account["total"]["settled"], by_account["total"]["ratio"]) == (4, 0.5)

    table = ok("promise", "ratio", *period).stdout
    assert "66.7%" in table
    assert "Bob Jones" in table
    assert "Beta Corp" in ok("promise", "ratio", "--by", "account", *period).stdout
