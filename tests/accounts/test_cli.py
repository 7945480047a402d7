"""``goodwill account``: the overview in words and in JSON."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from goodwill.models import Fact, FactKind
from tests.accounts import factories as f
from tests.accounts.commands import as_json, failure, ok


def seed(session: Session) -> None:
    ann = f.member(session, "Ann Smith", "ann@example.com")
    acme = f.account(session, "Acme Tools", "A-1")
    f.account(session, "Acme Supply Co", "A-2")
    jane = f.contact(session, acme, "Jane Roe", title="Buyer")
    session.add(
        Fact(
            account_id=acme.id,
            kind=FactKind.GOAL,
            text="Open a [bold]second[/] warehouse",
            learned_on=date(2025, 11, 15),
            learned_by_id=ann.id,
            period="2025-Q4",
        )
    )
    t = f.touch(session, acme, ann, datetime(2026, 2, 1, 15, tzinfo=UTC))
    t.contacts = [jane]
    session.commit()


def test_account_json_holds_the_overview(configured: str, session: Session) -> None:
    seed(session)
    view = as_json("account", "a-1", "--today", "2026-02-15")
    assert view["name"] == "Acme Tools"
    assert view["today"] == "2026-02-15"
    assert view["people"][0]["name"] == "Jane Roe"
    assert view["facts"][0]["kind"] == "goal"
    assert view["facts"][0]["facts"][0]["stale"] is True
    assert view["touch_count"] == 1
    assert view["touches"][0]["contacts"] == ["Jane Roe"]
    assert view["orders"]["count"] == 0
    assert set(view) >= {"promises_open", "promises_recent", "quotes_open", "quotes_decided"}


def test_account_reads_well_and_shows_user_text_literally(
    configured: str, session: Session
) -> None:
    seed(session)
    out = ok("account", "Acme Tools", "--today", "2026-02-15").stdout
    assert "Acme Tools" in out
    assert "Jane Roe" in out
    assert "Open a [bold]second[/] warehouse" in out  # markup in our data is not interpreted
    assert "learned 3 months ago by Ann Smith" in out
    assert "stale" in out


def test_ambiguous_and_unknown_accounts_fail_in_one_line(configured: str, session: Session) -> None:
    seed(session)
    message = failure("account", "acme")
    assert "did you mean Acme Tools (A-1), Acme Supply Co (A-2)?" in message
    assert "no account matches 'Globex'" in failure("account", "Globex")
