"""Rescoring a few accounts after a change: same figures as a full run, at a fraction of it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.models import Channel, HealthWeek, Member, Role, Touch, Value
from goodwill.scoring import core, service
from tests.scoring.test_score import DAY, at, customers


def _row(session: Session, account_id: int, week_on: date) -> dict[str, object]:
    """The stored row's values (a copy: the ORM object itself changes under us)."""
    session.expire_all()
    row = session.get(HealthWeek, (account_id, week_on))
    assert row is not None
    names = ("health", "top", "arrow", *core.COMPONENTS)
    return {name: getattr(row, name) for name in names}


def test_nothing_to_rescore_before_the_first_full_run(session: Session) -> None:
    accounts = customers(session, 5)
    assert service.rescore_accounts(session, [accounts[0].id], DAY) == 0
    assert session.scalars(select(HealthWeek)).first() is None


def test_a_touch_rescored_alone_gives_what_a_full_run_gives(session: Session) -> None:
    accounts = customers(session, 60)
    rep = Member(name="Rita Rep", email="rita@goodwill-test.com", role=Role.MEMBER)
    session.add(rep)
    report = service.score(session, DAY)
    target = accounts[7]
    before = _row(session, target.id, report.week_on)
    others = {
        a.id: _row(session, a.id, report.week_on)["health"] for a in accounts if a is not target
    }
    session.add(
        Touch(
            account_id=target.id,
            member_id=rep.id,
            channel=Channel.VISIT,
            happened_at=at(DAY),
            summary="Brought the new catalogue and their usage report",
            value=Value.INFORMATION,
        )
    )
    session.flush()

    assert service.rescore_accounts(session, [target.id], DAY) == 1
    after = _row(session, target.id, report.week_on)
    assert after["health"] > before["health"]  # type: ignore[operator]
    assert after["value"] > before["value"]  # type: ignore[operator]  # value delivered today
    assert after["engagement"] >= before["engagement"]  # type: ignore[operator]
    # No other account moved.
    for account_id, health in others.items():
        assert _row(session, account_id, report.week_on)["health"] == health

    # A full run over everyone agrees: the fits and the top threshold come from orders,
    # which did not change.
    service.score(session, DAY)
    full = _row(session, target.id, report.week_on)
    for name in ("health", *core.COMPONENTS):
        assert full[name] == pytest.approx(after[name], abs=1e-6)
    assert full["top"] == after["top"]
    assert full["arrow"] == after["arrow"]
