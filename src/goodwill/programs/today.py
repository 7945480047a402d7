"""Programs in Today: each day, a program's assigned accounts go into members' plans.

``agenda.service.ensure_plans`` asks for the day's picks before it fills the plans from
the playbook, so a program's items take their place first (they are the team's daily act,
"one thank-you note each day") and their accounts leave the playbook's candidates. Holdout
targets are never picked, and ``held_out`` keeps the playbook's rules of the program's channel
away from them while the program can still be measured.

Who gets a target, per program and day, up to its quota per member and within each
member's daily capacity: an owner first (the one with the fewest picks so far, if several);
then accounts nobody on today's plans owns, dealt to the lightest plan; then owned accounts
whose owners had no room, to whoever has room, because "relationships cannot be owned by
anyone" and work on an account is open to the whole team.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy import update
from sqlalchemy.orm import Session

from goodwill.agenda.playbook import Rule
from goodwill.models import Channel, Program, ProgramKind, ProgramTarget
from goodwill.models.audit import audit_event
from goodwill.programs import queries

RULE_PREFIX = "program-"
"""Plan items a program made carry the rule ``program-<id>``."""


def program_rule(program: Program) -> Rule:
    """The program as a playbook rule: its items' title, action, channel and reason."""
    return Rule(
        name=f"{RULE_PREFIX}{program.id or 0}",  # 0 while it is being checked, unsaved
        title=program.name,
        when=program.condition,
        action=program.action,
        channel=program.channel,
        reason=program.reason,
        priority=5,
        source=f"program {program.name}",
    )


def program_id_of(rule: str) -> int | None:
    """The program a plan item's rule names, if a program made it."""
    tail = rule.removeprefix(RULE_PREFIX)
    return int(tail) if tail != rule and tail.isdigit() else None


def is_quote_follow_up(session: Session, rule: str) -> bool:
    """Whether a plan item's rule is a quote follow-up program's (so the touch links the quote)."""
    program_id = program_id_of(rule)
    if program_id is None:
        return False
    program = session.get(Program, program_id)
    return program is not None and program.kind == ProgramKind.QUOTE_FOLLOW_UP


def held_out(session: Session, day: date) -> dict[Channel, set[int]]:
    """Held-out accounts the playbook must not reach on ``day`` by a program's channel.

    A holdout is the program's comparison: had the playbook's own "neglected customer" rule
    sent its held-out customers the same thank-you notes, the program would be measured
    against people who got them too. So, per channel, the accounts held out of a program
    still running, or whose outcome window is still open, on ``day``. Other channels (a
    call that is due, a promise coming due) still reach them.
    """
    held: dict[Channel, set[int]] = defaultdict(set)
    for account_id, channel, starts_on, window, running in session.execute(
        queries.recent_holdouts(day)
    ):
        if running or (day - starts_on).days <= window:
            held[channel].add(account_id)
    return held


@dataclass(frozen=True)
class Pick:
    """One target put into one member's plan today."""

    member_id: int
    account_id: int
    target_id: int
    program: Program


def pick_targets(
    session: Session,
    day: date,
    member_ids: Sequence[int],
    capacity: int,
    blocked: set[int],
    features: pl.DataFrame,
) -> list[Pick]:
    """The program targets that go into today's plans of ``member_ids`` (see the module)."""
    if not member_ids or capacity <= 0:
        return []
    programs = {p.id: p for p in session.scalars(queries.running_programs(day))}
    if not programs:
        return []
    waiting = [
        (target_id, program_id, account_id)
        for target_id, program_id, account_id in session.execute(queries.plannable_targets(day))
        if account_id not in blocked
    ]
    if not waiting:
        return []
    accounts = list({a for _, _, a in waiting})
    owned = features.filter(pl.col("account_id").is_in(accounts)).select("account_id", "owners")
    owners = {row["account_id"]: row["owners"] for row in owned.iter_rows(named=True)}
    active = set(member_ids)
    load: dict[int, int] = dict.fromkeys(member_ids, 0)
    taken: dict[tuple[int, int], int] = defaultdict(int)  # (program, member) -> picks
    picked: set[int] = set()
    picks: list[Pick] = []

    def room(program: Program, member: int) -> bool:
        return load[member] < capacity and taken[(program.id, member)] < program.daily_quota

    def give(program: Program, member: int, target_id: int, account_id: int) -> None:
        load[member] += 1
        taken[(program.id, member)] += 1
        picked.add(account_id)
        picks.append(Pick(member, account_id, target_id, program))

    by_program: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for target_id, program_id, account_id in waiting:
        by_program[program_id].append((target_id, account_id))
    for program_id, rows in sorted(by_program.items()):
        program = programs[program_id]
        overflow: list[tuple[int, int]] = []
        unowned: list[tuple[int, int]] = []
        for target_id, account_id in rows:
            if account_id in picked:
                continue
            mine = [m for m in owners.get(account_id, []) if m in active]
            if not mine:
                unowned.append((target_id, account_id))
                continue
            with_room = [m for m in mine if room(program, m)]
            if with_room:
                give(program, min(with_room, key=lambda m: (load[m], m)), target_id, account_id)
            else:
                overflow.append((target_id, account_id))
        for target_id, account_id in unowned + overflow:
            with_room = [m for m in member_ids if room(program, m)]
            if not with_room:
                break
            if account_id not in picked:
                give(program, min(with_room, key=lambda m: (load[m], m)), target_id, account_id)
    return picks


def link_targets(session: Session, day: date, picks: Sequence[Pick]) -> None:
    """Record on each picked target the plan item made for it today, and for whom."""
    if not picks:
        return
    found = session.execute(queries.plan_items_on(day, [p.account_id for p in picks]))
    items = {account_id: item_id for item_id, account_id in found}
    session.execute(
        update(ProgramTarget),
        [
            {
                "id": p.target_id,
                "plan_item_id": items[p.account_id],
                "planned_on": day,
                "member_id": p.member_id,
            }
            for p in picks
        ],
    )
    for obj in list(session.identity_map.values()):
        if isinstance(obj, ProgramTarget):
            session.expire(obj)  # the bulk update went past the ORM's copies
    audit_event(
        session,
        "plan",
        ProgramTarget.__tablename__,
        after={"day": day.isoformat(), "targets": [p.target_id for p in picks]},
    )
