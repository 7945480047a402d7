"""A small crafted world for Today's tests: two owned accounts with something due, one neglected."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from goodwill.models import (
    Account,
    AccountKind,
    Channel,
    Contact,
    Fact,
    FactKind,
    Member,
    Order,
    Promise,
    Quote,
    Role,
    Touch,
    Value,
)
from goodwill.scoring import rollups

DAY = date(2026, 11, 23)
NOON = datetime(2026, 11, 23, 12, tzinfo=UTC)


def person(session: Session, name: str, role: Role = Role.MEMBER) -> Member:
    """A team member."""
    m = Member(name=name, email=f"{name.split()[0].lower()}@goodwill-demo.com", role=role)
    session.add(m)
    session.flush()
    return m


def customer(session: Session, name: str, *owners: Member, tier: str = "B") -> Account:
    """A customer account with a recent order and touch, so no rule fires on it by itself."""
    a = Account(name=name, kind=AccountKind.CUSTOMER, tier=tier)
    a.owners = list(owners)
    session.add(a)
    session.flush()
    session.add(
        Order(
            account_id=a.id,
            external_id="o1",
            ordered_on=DAY - timedelta(days=20),
            amount_minor=50_000,
        )
    )
    session.add(
        Touch(
            account_id=a.id,
            member_id=owners[0].id if owners else None,
            channel=Channel.CALL,
            happened_at=NOON - timedelta(days=5),
            summary="checked in",
            value=Value.INFORMATION,
        )
    )
    session.flush()
    return a


@dataclass
class World:
    """The crafted world's people and accounts."""

    ann: Member
    mia: Member
    ola: Member
    acme: Account
    birch: Account
    cedar: Account


def build_world(session: Session) -> World:
    """Ann (member) owns Acme (promise due tomorrow) and Birch (quote open 10 days); Cedar has no
    owner and last ordered 200 days ago; Mia is a manager, Ola another member."""
    ann = person(session, "Ann Smith")
    mia = person(session, "Mia Jones", Role.MANAGER)
    ola = person(session, "Ola Berg")
    acme = customer(session, "Acme Tools", ann)
    birch = customer(session, "Birch Supply", ann)
    cedar = customer(session, "Cedar Works")
    session.add(
        Contact(
            account_id=acme.id,
            name="Pat Lee",
            title="Buyer",
            phone="+1 555 0100",
            preferred_channel=Channel.EMAIL,
        )
    )
    session.add(
        Contact(
            account_id=acme.id,
            name="Sam Roe",
            title="Owner",
            phone="+1 555 0101",
            preferred_channel=Channel.CALL,
        )
    )
    session.add(
        Promise(
            account_id=acme.id,
            member_id=ann.id,
            what="send the torque specs",
            made_on=DAY - timedelta(days=10),
            due_on=DAY + timedelta(days=1),
        )
    )
    session.add(
        Quote(
            account_id=birch.id,
            external_id="Q-7",
            quoted_on=DAY - timedelta(days=10),
            amount_minor=120_000,
            member_id=ann.id,
            description="pallet racking",
        )
    )
    session.add(
        Fact(
            account_id=acme.id,
            kind=FactKind.GOAL,
            text="open a second plant <script>alert(1)</script>",
            learned_on=DAY - timedelta(days=40),
            period="2027-Q1",
        )
    )
    session.execute(
        update(Order)
        .where(Order.account_id == cedar.id)
        .values(ordered_on=DAY - timedelta(days=200))
    )
    session.flush()
    rollups.rebuild(session, as_of=DAY)
    return World(ann, mia, ola, acme, birch, cedar)
