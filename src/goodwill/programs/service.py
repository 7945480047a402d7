"""Outreach programs: start one, follow it, record what came back, stop it, measure it.

A program's eligible accounts are chosen once, when it is made, with the playbook's
condition language over the same features Today reads; they are split at random (seeded,
the seed recorded, stratified by value tier: ``programs.assign``) into assigned and
holdout. Today then puts the assigned ones into plans a few a day (``programs.today``);
the holdout is never put in anyone's plan by the program. The outcome is read from the
orders (``programs.outcomes``), never from what anyone remembers.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.agenda.features import features_frame, latest_scored_week
from goodwill.agenda.playbook import expression
from goodwill.bulk import insert_rows
from goodwill.errors import Conflict, Forbidden, Invalid, NotFound
from goodwill.models import (
    AccountKind,
    Arm,
    Channel,
    Member,
    PlanStatus,
    Program,
    ProgramKind,
    ProgramResponse,
    ProgramStatus,
    ProgramTarget,
    ResponseKind,
    Role,
)
from goodwill.models.audit import audit_event
from goodwill.models.program import OUTCOME_WINDOWS
from goodwill.programs import queries
from goodwill.programs.assign import STRATA, split, value_strata
from goodwill.programs.outcomes import measure
from goodwill.programs.schemas import (
    OutcomeOut,
    ProgramIn,
    ProgramOut,
    ProgramReport,
    ResponseOut,
    StratumCount,
    TargetOut,
)
from goodwill.programs.today import program_rule
from goodwill.scoring.service import score, week_of

WINDOWS = OUTCOME_WINDOWS
"""The outcome windows a program may be measured over, in days."""


@dataclass(frozen=True)
class KindDefaults:
    """What a kind of program does unless told otherwise, and how its sentence says it."""

    condition: str
    channel: Channel
    action: str
    reason: str
    treated: str
    days: int | None  # how long it runs by default (None: until every target is planned)


KIND_DEFAULTS: dict[ProgramKind, KindDefaults] = {
    # Sid Chadwick's CSRs: one thank-you note each day to a neglected customer, one who had
    # not bought in over six months (or to a supplier, or a colleague who helped).
    ProgramKind.THANK_YOU_NOTE: KindDefaults(
        condition="days_since_order >= 180 OR days_since_order IS NULL",
        channel=Channel.NOTE,
        action="Write a handwritten thank-you note",
        reason="thank-you note program: last order {days_since_order} days ago",
        treated="sent a note",
        days=None,
    ),
    # "Pick up the phone and start the journey today" (Make a Difference): a week of calls.
    ProgramKind.CALL_WEEK: KindDefaults(
        condition="kind = 'customer'",
        channel=Channel.CALL,
        action="Call to ask how they are and what they are planning",
        reason="call week: last touch {days_since_touch} days ago",
        treated="called",
        days=7,
    ),
    # Quote follow-up calls "for raising the Quote Hit-Ratio".
    ProgramKind.QUOTE_FOLLOW_UP: KindDefaults(
        condition="open_quote_days > 7",
        channel=Channel.CALL,
        action="Call to follow up the open quote",
        reason="quote follow-up program: a quote open {open_quote_days} days",
        treated="whose quote was followed up",
        days=None,
    ),
}

_ELIGIBLE_KINDS = {k.value for k in AccountKind}


def _kinds(program: Program) -> list[AccountKind]:
    return [AccountKind(k) for k in program.recipient_kinds.split(",") if k]


def _who(program: Program) -> str:
    kinds = _kinds(program)
    if kinds == [AccountKind.CUSTOMER]:
        return "customers"
    if kinds == [AccountKind.SUPPLIER]:
        return "suppliers"
    return "accounts"


def _can_run_programs(actor: Member, verb: str) -> None:
    if actor.role not in (Role.MANAGER, Role.ADMIN):
        raise Forbidden(f"only a manager or an admin can {verb} a program")


def _programs_out(session: Session, rows: Sequence[tuple[Program, str | None]]) -> list[ProgramOut]:
    ids = [p.id for p, _ in rows]
    counts = (
        {row[0]: row[1:] for row in session.execute(queries.program_counts(ids))} if ids else {}
    )
    responses: dict[int, int] = defaultdict(int)
    if ids:
        for program_id, _, n in session.execute(queries.response_counts(ids)):
            responses[program_id] += int(n)
    out = []
    for program, creator in rows:
        assigned, holdout, planned, done = (int(n) for n in counts.get(program.id, (0, 0, 0, 0)))
        strata = []
        if len(rows) == 1:  # the tiers are shown for one program, not in lists
            found = {
                s: (int(a), int(h))
                for s, a, h in session.execute(queries.strata_counts(program.id))
            }
            strata = [
                StratumCount(stratum=s, assigned=found[s][0], holdout=found[s][1])
                for s in STRATA
                if s in found
            ]
        out.append(
            ProgramOut(
                id=program.id,
                name=program.name,
                kind=program.kind,
                condition=program.condition,
                recipient_kinds=_kinds(program),
                channel=program.channel,
                action=program.action,
                reason=program.reason,
                daily_quota=program.daily_quota,
                starts_on=program.starts_on,
                ends_on=program.ends_on,
                holdout_fraction=program.holdout_fraction,
                outcome_window_days=program.outcome_window_days,
                seed=program.seed,
                status=program.status,
                stopped_on=program.stopped_on,
                created_by=creator,
                assigned=assigned,
                holdout=holdout,
                planned=planned,
                done=done,
                responses=responses[program.id],
                strata=strata,
            )
        )
    return out


def get_program(session: Session, program_id: int) -> ProgramOut:
    """One program with its counts and value tiers, or NotFound."""
    row = session.execute(
        queries.programs_with_creator().where(Program.id == program_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no program {program_id} (see: goodwill program list)")
    return _programs_out(session, [(row[0], row[1])])[0]


def find_program(session: Session, text: str) -> Program:
    """The program a typed id or name (any case) means, or NotFound."""
    wanted = text.strip()
    if wanted.isdigit():
        found = session.get(Program, int(wanted))
        if found is not None:
            return found
    named = session.scalars(queries.programs_named(wanted)).first()
    if named is None:
        raise NotFound(f"no program {wanted!r} (see: goodwill program list)")
    return named


def list_programs(session: Session) -> list[ProgramOut]:
    """Every program, newest first, with its counts."""
    rows = [(p, c) for p, c in session.execute(queries.programs_with_creator())]
    return _programs_out(session, rows)


def create_program(session: Session, entry: ProgramIn, actor: Member, today: date) -> ProgramOut:
    """Start a program: pick the eligible accounts and split them into assigned and holdout."""
    _can_run_programs(actor, "start")
    name = entry.name.strip()
    if not name:
        raise Invalid("a program needs a name")
    if session.scalars(queries.programs_named(name)).first() is not None:
        raise Conflict(f"a program named {name!r} already exists")
    if entry.outcome_window_days not in WINDOWS:
        raise Invalid(f"the outcome window is 30, 60 or 90 days, not {entry.outcome_window_days}")
    defaults = KIND_DEFAULTS[entry.kind]
    ends_on = entry.ends_on
    if ends_on is None and defaults.days is not None:
        ends_on = date.fromordinal(entry.starts_on.toordinal() + defaults.days - 1)
    if ends_on is not None and ends_on < entry.starts_on:
        raise Invalid(f"the program ends ({ends_on}) before it starts ({entry.starts_on})")
    kinds = sorted({k.value for k in entry.recipient_kinds})
    if not kinds:
        raise Invalid("name at least one kind of recipient: customer, supplier or partner")
    program = Program(
        name=name,
        kind=entry.kind,
        condition=(entry.condition or defaults.condition).strip(),
        recipient_kinds=",".join(kinds),
        channel=entry.channel or defaults.channel,
        action=(entry.action or defaults.action).strip(),
        reason=(entry.reason or defaults.reason).strip(),
        daily_quota=entry.daily_quota,
        starts_on=entry.starts_on,
        ends_on=ends_on,
        holdout_fraction=entry.holdout_fraction,
        outcome_window_days=entry.outcome_window_days,
        seed=entry.seed if entry.seed is not None else secrets.randbits(63),
        status=ProgramStatus.ACTIVE,
        created_by_id=actor.id,
    )
    try:
        program_rule(program)  # the condition and reason must be valid playbook text
    except ValidationError as exc:
        error = exc.errors()[0]
        field = {"when": "condition"}.get(str(error["loc"][0]), str(error["loc"][0]))
        message = str(error["msg"]).removeprefix("Value error, ")
        raise Invalid(f"the program's {field}: {message}") from exc
    eligible = _eligible(session, program.condition, kinds, today)
    if eligible.height == 0:
        raise Invalid(
            f"no {' or '.join(kinds)} account meets the condition {program.condition!r} "
            f"on {today}: nothing to run the program on"
        )
    session.add(program)
    session.flush()
    ids = eligible["account_id"].to_list()
    strata = value_strata(ids, eligible["value_12m"].to_list())
    draws = split(strata, program.holdout_fraction, program.seed)
    made = insert_rows(
        session,
        ProgramTarget.__tablename__,
        ["program_id", "account_id", "arm", "stratum", "assigned_on"],
        (
            (
                program.id,
                d.account_id,
                (Arm.HOLDOUT if d.holdout else Arm.ASSIGNED).value,
                d.stratum,
                program.starts_on.isoformat(),
            )
            for d in draws
        ),
    )
    audit_event(
        session,
        "assign",
        ProgramTarget.__tablename__,
        row_id=program.id,
        after={
            "program": program.id,
            "targets": made,
            "holdout": sum(d.holdout for d in draws),
            "seed": program.seed,
        },
    )
    return get_program(session, program.id)


def _eligible(session: Session, condition: str, kinds: list[str], today: date) -> pl.DataFrame:
    """The accounts that meet ``condition`` today, with their 12-month value."""
    if latest_scored_week(session, today) != week_of(today):
        score(session, today)  # the condition reads this week's scores: make them first
    features = features_frame(session, today)
    try:
        return (
            features.filter(
                pl.col("kind").is_in(kinds) & expression(condition).fill_null(value=False)
            )
            .select("account_id", "value_12m")
            .sort("account_id")
        )
    except pl.exceptions.PolarsError as exc:  # parses, but cannot be computed (types)
        raise Invalid(f"the program's condition cannot be computed: {exc}") from exc


def stop_program(session: Session, program_id: int, actor: Member, today: date) -> ProgramOut:
    """Stop a program: it puts no more accounts into plans; its outcome is still measured."""
    _can_run_programs(actor, "stop")
    program = session.get(Program, program_id, with_for_update=True)
    if program is None:
        raise NotFound(f"no program {program_id} (see: goodwill program list)")
    if program.status == ProgramStatus.STOPPED:
        raise Conflict(f"program {program.name!r} was already stopped on {program.stopped_on}")
    program.status = ProgramStatus.STOPPED
    program.stopped_on = today
    session.flush()
    return get_program(session, program_id)


def _targets_out(session: Session, rows: Sequence[tuple[object, ...]]) -> list[TargetOut]:
    ids = [t.id for t, *_ in rows]  # type: ignore[attr-defined]
    kinds: dict[int, list[ResponseKind]] = defaultdict(list)
    if ids:
        for target_id, kind in session.execute(queries.responses_of_targets(ids)):
            kinds[target_id].append(kind)
    out = []
    for target, account, member, status in rows:
        assert isinstance(target, ProgramTarget)
        out.append(
            TargetOut(
                id=target.id,
                program_id=target.program_id,
                account_id=target.account_id,
                account=str(account),
                arm=target.arm,
                stratum=target.stratum,
                assigned_on=target.assigned_on,
                member_id=target.member_id,
                member=member if isinstance(member, str) else None,
                planned_on=target.planned_on,
                plan_item_id=target.plan_item_id,
                done=status == PlanStatus.DONE,
                responses=kinds[target.id],
            )
        )
    return out


def program_targets(
    session: Session,
    program_id: int,
    *,
    arm: Arm | None = None,
    limit: int | None = None,
    member_id: int | None = None,
    offset: int = 0,
) -> list[TargetOut]:
    """A program's targets in the order they are planned, with where each stands.

    ``member_id`` keeps those planned for one member; ``offset`` and ``limit`` cut a page.
    """
    if session.get(Program, program_id) is None:
        raise NotFound(f"no program {program_id} (see: goodwill program list)")
    query = queries.targets(program_id, arm, limit, member_id=member_id, offset=offset)
    rows = [tuple(r) for r in session.execute(query)]
    return _targets_out(session, rows)


def get_target(session: Session, target_id: int) -> TargetOut:
    """One program target and where it stands, or NotFound."""
    target = session.get(ProgramTarget, target_id)
    if target is None:
        raise NotFound(f"no program target {target_id} (see: goodwill program show PROGRAM)")
    query = queries.targets(target.program_id, None, None).where(ProgramTarget.id == target_id)
    return _targets_out(session, [tuple(r) for r in session.execute(query)])[0]


def count_targets(
    session: Session, program_id: int, *, arm: Arm | None = None, member_id: int | None = None
) -> int:
    """How many targets ``program_targets`` lists with these filters and no limit."""
    return int(session.scalar(queries.target_total(program_id, arm, member_id)) or 0)


def check_may_respond(session: Session, target_id: int, actor: Member) -> None:
    """Forbidden unless the actor may record a response for the target.

    A member records what came back from the targets the program put in their own plan;
    a manager or an admin, for any target (they hear from customers too).
    """
    target = session.get(ProgramTarget, target_id)
    if target is None:
        raise NotFound(f"no program target {target_id} (see: goodwill program show PROGRAM)")
    if actor.role in (Role.MANAGER, Role.ADMIN) or target.member_id == actor.id:
        return
    raise Forbidden(
        f"target {target_id} was not put in your plan: its member, a manager or an admin "
        "records its responses"
    )


def _response_out(row: tuple[object, ...]) -> ResponseOut:
    response, target, program, account, member = row
    assert isinstance(response, ProgramResponse)
    assert isinstance(target, ProgramTarget)
    return ResponseOut(
        id=response.id,
        target_id=target.id,
        program_id=target.program_id,
        program=str(program),
        account_id=target.account_id,
        account=str(account),
        kind=response.kind,
        responded_on=response.responded_on,
        note=response.note,
        member=member if isinstance(member, str) else None,
    )


def record_response(
    session: Session,
    target_id: int,
    kind: ResponseKind,
    actor: Member,
    responded_on: date,
    note: str = "",
) -> ResponseOut:
    """Record what came back from an account the program reached (or that nothing did)."""
    target = session.get(ProgramTarget, target_id)
    if target is None:
        raise NotFound(f"no program target {target_id} (see: goodwill program show PROGRAM)")
    if target.arm == Arm.HOLDOUT:
        raise Invalid(
            f"target {target_id} is held out: the program sent it nothing to respond to "
            "(its orders are counted in the report all the same)"
        )
    program = session.get(Program, target.program_id)
    assert program is not None  # the foreign key holds
    if responded_on < program.starts_on:
        raise Invalid(
            f"a response on {responded_on} comes before the program started ({program.starts_on})"
        )
    response = ProgramResponse(
        target_id=target.id,
        kind=kind,
        responded_on=responded_on,
        note=note.strip(),
        member_id=actor.id,
    )
    session.add(response)
    session.flush()
    row = session.execute(queries.responses(response_id=response.id)).one()
    return _response_out(tuple(row))


def responses_between(session: Session, start: date, end: date) -> list[ResponseOut]:
    """Responses recorded for days from ``start`` to ``end``, oldest first."""
    return [
        _response_out(tuple(r)) for r in session.execute(queries.responses(start=start, end=end))
    ]


def _window(program: Program, as_of: date) -> tuple[date, date]:
    """The days whose orders count: after the opening day, to the close or ``as_of``."""
    opens = program.starts_on
    closes = date.fromordinal(opens.toordinal() + program.outcome_window_days)
    return opens, min(closes, as_of)


def measure_program(session: Session, program: Program, as_of: date) -> OutcomeOut:
    """The program's outcome as of ``as_of``, from the orders (see ``programs.outcomes``)."""
    opens, until = _window(program, as_of)
    rows = session.execute(queries.window_orders(program.id, opens, until))
    return _measured(program, [(arm, first_on, amount) for _, arm, first_on, amount in rows], as_of)


def program_outcomes(
    session: Session, program_ids: Sequence[int], as_of: date
) -> dict[int, OutcomeOut]:
    """The outcomes of several programs as of ``as_of``, by program id, in two queries."""
    if not program_ids:
        return {}
    programs = list(session.scalars(select(Program).where(Program.id.in_(program_ids))))
    windows = [(p.id, *_window(p, as_of)) for p in programs]
    rows: dict[int, list[tuple[Arm, object, int]]] = defaultdict(list)
    for program_id, _, arm, first_on, amount in session.execute(queries.windows_orders(windows)):
        rows[program_id].append((arm, first_on, amount))
    return {p.id: _measured(p, rows[p.id], as_of) for p in programs}


def _measured(program: Program, rows: Sequence[tuple[Arm, object, int]], as_of: date) -> OutcomeOut:
    """The outcome from each target's arm, first order day in the window, and revenue."""
    opens = program.starts_on
    first: dict[Arm, list[float]] = {Arm.ASSIGNED: [], Arm.HOLDOUT: []}
    revenue: dict[Arm, list[int]] = {Arm.ASSIGNED: [], Arm.HOLDOUT: []}
    for arm, first_on, amount in rows:
        if isinstance(first_on, str):  # SQLite may hand MIN() of a date back as text
            first_on = date.fromisoformat(first_on)
        assert first_on is None or isinstance(first_on, date)
        first[arm].append(np.nan if first_on is None else float((first_on - opens).days))
        revenue[arm].append(int(amount))
    defaults = KIND_DEFAULTS[program.kind]
    return measure(
        assigned_first_day=np.array(first[Arm.ASSIGNED], dtype=np.float64),
        assigned_revenue=np.array(revenue[Arm.ASSIGNED], dtype=np.int64),
        holdout_first_day=np.array(first[Arm.HOLDOUT], dtype=np.float64),
        holdout_revenue=np.array(revenue[Arm.HOLDOUT], dtype=np.int64),
        window_days=program.outcome_window_days,
        opens_on=opens,
        as_of=as_of,
        who=_who(program),
        treated=defaults.treated,
    )


def program_report(session: Session, program_id: int, as_of: date) -> ProgramReport:
    """A program's outcome against its holdout, with its responses counted by kind."""
    program = session.get(Program, program_id)
    if program is None:
        raise NotFound(f"no program {program_id} (see: goodwill program list)")
    outcome = measure_program(session, program, as_of)
    by_kind = dict.fromkeys(ResponseKind, 0)
    for _, kind, n in session.execute(queries.response_counts([program_id])):
        by_kind[kind] = int(n)
    return ProgramReport(
        program=get_program(session, program_id), outcome=outcome, responses_by_kind=by_kind
    )


def target_count(session: Session, program_id: int, arm: Arm) -> int:
    """How many targets of a program fell on one side."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(ProgramTarget)
            .where(ProgramTarget.program_id == program_id, ProgramTarget.arm == arm)
        )
        or 0
    )
