"""A small crafted world for the page tests, dated from today (the pages read today)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from goodwill.models import (
    Account,
    AccountKind,
    Channel,
    Member,
    Order,
    PlanItem,
    Promise,
    Quote,
    QuoteStatus,
    Touch,
    Value,
)
from goodwill.models.plan import PlanStatus
from goodwill.models.types import utcnow
from goodwill.scoring import rollups
from goodwill.scoring.service import score


def today() -> date:
    """The day the pages read as today (UTC)."""
    return utcnow().date()


def at(day: date, hour: int = 10) -> datetime:
    """A moment on a day (UTC)."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


def customer(
    session: Session, name: str, *owners: Member, tier: str = "B", revenue: int = 100_000
) -> Account:
    """A customer with monthly orders over a year (``revenue`` cents each) and a recent touch."""
    a = Account(name=name, kind=AccountKind.CUSTOMER, tier=tier)
    a.owners = list(owners)
    session.add(a)
    session.flush()
    for i in range(12):
        session.add(
            Order(
                account_id=a.id,
                external_id=f"{name[:8]}-{i}",
                ordered_on=today() - timedelta(days=15 + 30 * i),
                amount_minor=revenue,
            )
        )
    session.add(
        Touch(
            account_id=a.id,
            member_id=owners[0].id if owners else None,
            channel=Channel.CALL,
            happened_at=at(today() - timedelta(days=6)),
            summary="checked in",
            value=Value.INFORMATION,
        )
    )
    session.flush()
    return a


def quote(
    session: Session,
    account: Account,
    by: Member,
    age_days: int,
    amount: int = 50_000,
    status: QuoteStatus = QuoteStatus.OPEN,
    description: str = "",
) -> Quote:
    """A quote given ``age_days`` ago (decided today when not open)."""
    q = Quote(
        account_id=account.id,
        member_id=by.id,
        quoted_on=today() - timedelta(days=age_days),
        amount_minor=amount,
        description=description or f"quote {age_days}d",
        status=status,
        decided_on=None if status == QuoteStatus.OPEN else today() - timedelta(days=age_days // 2),
    )
    session.add(q)
    session.flush()
    return q


def promise(session: Session, account: Account, by: Member, due_in: int, what: str = "") -> Promise:
    """An open promise made 20 days ago, due in ``due_in`` days (negative: overdue)."""
    p = Promise(
        account_id=account.id,
        member_id=by.id,
        what=what or f"promise due in {due_in}",
        made_on=today() - timedelta(days=20),
        due_on=today() + timedelta(days=due_in),
    )
    session.add(p)
    session.flush()
    return p


def plan_item(
    session: Session,
    account: Account,
    by: Member,
    day: date,
    status: PlanStatus = PlanStatus.DONE,
    value: Value = Value.NONE,
    position: int = 1,
) -> PlanItem:
    """A plan item of ``day``; a done one with the touch it logged."""
    touch_id = None
    if status == PlanStatus.DONE:
        t = Touch(
            account_id=account.id,
            member_id=by.id,
            channel=Channel.CALL,
            happened_at=at(day, 11),
            summary="done from the plan",
            value=value,
        )
        session.add(t)
        session.flush()
        touch_id = t.id
    item = PlanItem(
        member_id=by.id,
        day=day,
        position=position,
        account_id=account.id,
        rule="cadence-overdue",
        title="Overdue for a touch",
        action="Call to check in",
        channel=Channel.CALL,
        reason="last touch long ago",
        score=1.0,
        status=status,
        touch_id=touch_id,
        settled_at=at(day, 11) if status != PlanStatus.OPEN else None,
    )
    session.add(item)
    session.flush()
    return item


@dataclass
class PagesWorld:
    """The team (from the web fixtures) and their accounts."""

    member: Member
    manager: Member
    admin: Member
    mine: list[Account] = field(default_factory=list)  # the member's accounts
    theirs: list[Account] = field(default_factory=list)  # the manager's accounts


def build(
    session: Session, member_id: int, manager_id: int, admin_id: int, n: int = 3
) -> PagesWorld:
    """``n`` accounts owned by the member and ``n`` by the manager, scored as of today."""
    member = session.get(Member, member_id)
    manager = session.get(Member, manager_id)
    admin = session.get(Member, admin_id)
    assert member is not None
    assert manager is not None
    assert admin is not None
    world = PagesWorld(member, manager, admin)
    for i in range(n):
        world.mine.append(customer(session, f"Mine {i} <b>Co</b>", member, revenue=100_000 + i))
        world.theirs.append(customer(session, f"Theirs {i} Ltd", manager, revenue=200_000 + i))
    session.flush()
    rollups.rebuild(session, as_of=today())
    score(session, today())
    session.flush()
    return world
