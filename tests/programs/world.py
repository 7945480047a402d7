"""A crafted world for programs: a team of three, 30 neglected customers, 10 recent, 2 suppliers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from goodwill.models import (
    Account,
    AccountKind,
    Arm,
    Channel,
    Contact,
    Fact,
    FactKind,
    Member,
    Order,
    Program,
    ProgramKind,
    ProgramTarget,
    Role,
)
from goodwill.scoring import rollups
from tests.agenda.world import person

DAY = date(2026, 11, 23)


@dataclass
class ProgramWorld:
    """The people and accounts of the crafted world."""

    ann: Member
    mia: Member
    ola: Member
    neglected: list[Account]
    recent: list[Account]
    suppliers: list[Account]


def neglected_customer(session: Session, n: int, day: date, owners: list[Member]) -> Account:
    """Customer number ``n``, last ordered 200 days before ``day`` (for 100.00 times ``n``),
    with a postal address, a buyer to write to and a goal on record."""
    account = Account(
        name=f"Neglected {n:02d}",
        kind=AccountKind.CUSTOMER,
        address_line1=f"{n} Mill Road",
        city="Springfield",
        postal_code="12345",
        country="US",
    )
    account.owners = owners
    session.add(account)
    session.flush()
    session.add(
        Order(
            account_id=account.id,
            external_id="o1",
            ordered_on=day - timedelta(days=200),
            amount_minor=10_000 * n,
        )
    )
    session.add(
        Contact(
            account_id=account.id,
            name=f"Pat Buyer {n}",
            address_line1=f"Attn. Pat, {n} Mill Road",
            city="Springfield",
            postal_code="12345",
        )
    )
    session.add(
        Fact(
            account_id=account.id,
            kind=FactKind.GOAL,
            text=f"secret goal {n}: open a second plant",
            learned_on=day - timedelta(days=30),
        )
    )
    return account


def build(session: Session) -> ProgramWorld:
    """Ann owns the first ten neglected customers; the rest are nobody's.

    Neglected customers last ordered 200 days ago, for 100.00 times their number (so their
    12-month revenue differs, giving value tiers); recent ones ordered 10 days ago.
    """
    ann = person(session, "Ann Smith")
    mia = person(session, "Mia Jones", Role.MANAGER)
    ola = person(session, "Ola Berg")
    neglected: list[Account] = []
    recent: list[Account] = []
    for n in range(1, 31):
        neglected.append(neglected_customer(session, n, DAY, [ann] if n <= 10 else []))
    for n in range(1, 11):
        a = Account(name=f"Recent {n:02d}", kind=AccountKind.CUSTOMER)
        session.add(a)
        recent.append(a)
    suppliers = [Account(name=f"Supplier {n}", kind=AccountKind.SUPPLIER) for n in (1, 2)]
    session.add_all(suppliers)
    session.flush()
    for a in recent:
        session.add(
            Order(
                account_id=a.id,
                external_id="o1",
                ordered_on=DAY - timedelta(days=10),
                amount_minor=50_000,
            )
        )
    session.flush()
    rollups.rebuild(session, as_of=DAY)
    return ProgramWorld(ann, mia, ola, neglected, recent, suppliers)


def crafted_program(
    session: Session,
    start: date,
    *,
    ends_on: date | None = None,
    created_by: Member | None = None,
    planned_for: dict[int, Member] | None = None,
) -> Program:
    """Crafted: 20 assigned (8 order in the window, 150.00 each) and 10 held out (2 order),
    with exact amounts; ``planned_for`` puts targets (by number) into members' plans on the
    first day.

    Noise the window must ignore: an order on the opening day, one a day after it closes.
    """
    program = Program(
        name="Crafted",
        kind=ProgramKind.THANK_YOU_NOTE,
        condition="kind = 'customer'",
        recipient_kinds="customer",
        channel=Channel.NOTE,
        action="Write a note",
        reason="crafted",
        starts_on=start,
        ends_on=ends_on,
        outcome_window_days=60,
        seed=1,
        created_by_id=created_by.id if created_by else None,
    )
    session.add(program)
    session.flush()
    for n in range(30):
        arm = Arm.ASSIGNED if n < 20 else Arm.HOLDOUT
        account = Account(name=f"Crafted {n:02d}", kind=AccountKind.CUSTOMER)
        session.add(account)
        session.flush()
        member = (planned_for or {}).get(n)
        session.add(
            ProgramTarget(
                program_id=program.id,
                account_id=account.id,
                arm=arm,
                stratum="low",
                assigned_on=start,
                member_id=member.id if member else None,
                planned_on=start if member else None,
            )
        )
        orders: list[tuple[int, int]] = []  # (days after the start, amount in cents)
        if n < 8:
            orders = [(10 + n, 100_000), (50, 50_000)]  # 150.00 x 8 in the window
        elif n in (20, 21):
            orders = [(30, 60_000)]
        elif n == 8:
            orders = [(0, 999_999), (61, 999_999)]  # outside the window: not counted
        for k, (days, amount) in enumerate(orders):
            session.add(
                Order(
                    account_id=account.id,
                    external_id=f"c{n}-{k}",
                    ordered_on=start + timedelta(days=days),
                    amount_minor=amount,
                )
            )
    session.flush()
    return program
