"""Programs on SQLite and PostgreSQL: the draw, Today's quotas, the holdout, responses."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.agenda import service as agenda_service
from goodwill.agenda.playbook import default_playbook
from goodwill.agenda.service import complete_item, member_plan
from goodwill.config import get_settings
from goodwill.errors import Conflict, Forbidden, Invalid
from goodwill.models import (
    AccountKind,
    Arm,
    Channel,
    PlanItem,
    ProgramKind,
    ProgramTarget,
    ResponseKind,
    Touch,
)
from goodwill.programs.schemas import ProgramIn
from goodwill.programs.service import (
    create_program,
    list_programs,
    program_report,
    program_targets,
    record_response,
    stop_program,
)
from tests.agenda.world import NOON
from tests.programs.world import DAY, ProgramWorld, build


@pytest.fixture
def world(session: Session) -> ProgramWorld:
    """The crafted world (see tests/programs/world.py)."""
    return build(session)


def notes(**changes: object) -> ProgramIn:
    """A thank-you note program over neglected customers and suppliers, from DAY."""
    fields: dict[str, object] = {
        "name": "Thank-you notes",
        "kind": ProgramKind.THANK_YOU_NOTE,
        "recipient_kinds": [AccountKind.CUSTOMER, AccountKind.SUPPLIER],
        "starts_on": DAY,
        "holdout_fraction": 0.2,
        "seed": 42,
    }
    fields.update(changes)
    return ProgramIn.model_validate(fields)


def arms(session: Session, program_id: int) -> dict[int, tuple[Arm, str]]:
    rows = session.execute(
        select(ProgramTarget.account_id, ProgramTarget.arm, ProgramTarget.stratum).where(
            ProgramTarget.program_id == program_id
        )
    )
    return {a: (arm, s) for a, arm, s in rows}


def test_the_draw_is_stratified_seeded_and_holds_out_the_fraction(
    session: Session, world: ProgramWorld
) -> None:
    program = create_program(session, notes(), world.mia, DAY)
    # 30 neglected customers and 2 suppliers (never ordered) are eligible; recent ones are not.
    assert program.assigned + program.holdout == 32
    assert program.holdout == round(32 * 0.2)
    assert program.seed == 42
    drawn = arms(session, program.id)
    assert {a.id for a in world.recent}.isdisjoint(drawn)
    assert all(drawn[s.id][1] == "none" for s in world.suppliers)
    # Ten neglected customers per revenue tertile, each tier with its share held out (2 each).
    by_tier = {s.stratum: (s.assigned, s.holdout) for s in program.strata}
    assert by_tier["low"] == (8, 2)
    assert by_tier["mid"] == (8, 2)
    assert by_tier["high"] == (8, 2)
    assert sum(by_tier["none"]) == 2
    tiers = {a.id: drawn[a.id][1] for a in world.neglected}
    assert tiers[world.neglected[0].id] == "low"
    assert tiers[world.neglected[-1].id] == "high"
    # The same seed over the same accounts draws the same holdout.
    again = create_program(session, notes(name="Again"), world.mia, DAY)
    assert arms(session, again.id) == drawn
    other = create_program(session, notes(name="Other seed", seed=7), world.mia, DAY)
    assert arms(session, other.id) != drawn


def test_only_managers_start_programs_and_names_and_conditions_are_checked(
    session: Session, world: ProgramWorld
) -> None:
    with pytest.raises(Forbidden):
        create_program(session, notes(), world.ann, DAY)
    with pytest.raises(Invalid, match="unknown feature"):
        create_program(session, notes(condition="shoe_size > 3"), world.mia, DAY)
    with pytest.raises(Invalid, match="30, 60 or 90"):
        create_program(session, notes(outcome_window_days=45), world.mia, DAY)
    with pytest.raises(Invalid, match="no customer account meets"):
        create_program(
            session,
            notes(condition="days_since_order > 9000", recipient_kinds=[AccountKind.CUSTOMER]),
            world.mia,
            DAY,
        )
    create_program(session, notes(), world.mia, DAY)
    with pytest.raises(Conflict):
        create_program(session, notes(name="thank-you NOTES"), world.mia, DAY)


def test_today_takes_a_note_a_day_per_member_owners_first_and_never_the_holdout(
    session: Session, world: ProgramWorld
) -> None:
    program = create_program(session, notes(daily_quota=1), world.mia, DAY)
    drawn = arms(session, program.id)
    holdout = {a for a, (arm, _) in drawn.items() if arm == Arm.HOLDOUT}
    owned = {a.id for a in world.neglected[:10]}
    rule = f"program-{program.id}"
    seen: set[int] = set()
    assigned = {a for a, (arm, _) in drawn.items() if arm == Arm.ASSIGNED}
    assert len(assigned) == 26
    for offset in range(10):
        day = DAY + timedelta(days=offset)
        for member in (world.ann, world.mia, world.ola):
            member_plan(session, member, day)
        items = session.scalars(
            select(PlanItem).where(PlanItem.day == day, PlanItem.rule == rule)
        ).all()
        # One a day for each of the three members (quota 1) until the 26 assigned run out,
        # never a held-out account.
        assert len(items) == min(3, 26 - 3 * offset) if offset < 9 else len(items) == 0
        if offset < 8:
            assert {i.member_id for i in items} == {world.ann.id, world.mia.id, world.ola.id}
        assert not holdout & {i.account_id for i in items}
        assert all(i.channel == Channel.NOTE and i.position == 1 for i in items)
        # Ann gets her own accounts while she has any waiting.
        if offset < len(owned - holdout):
            ann_item = next(i for i in items if i.member_id == world.ann.id)
            assert ann_item.account_id in owned
        seen |= {i.account_id for i in items}
        for item in items:
            actor = world.ann if item.member_id == world.ann.id else world.mia
            at = NOON + timedelta(days=offset)
            complete_item(session, item.id, actor, "wrote the note", happened_at=at)
    assert seen == assigned
    report = program_report(session, program.id, DAY + timedelta(days=12))
    assert report.program.planned == 26
    assert report.program.done == 26
    note_touches = session.scalars(select(Touch).where(Touch.channel == Channel.NOTE)).all()
    assert len(note_touches) == 26


def test_quota_two_and_a_stopped_program_plans_nothing_more(
    session: Session, world: ProgramWorld
) -> None:
    program = create_program(session, notes(daily_quota=2), world.mia, DAY)
    plan = member_plan(session, world.ola, DAY)
    mine = [i for i in plan.items if i.rule == f"program-{program.id}"]
    assert len(mine) == 2
    assert [i.position for i in mine] == [1, 2]
    assert "thank-you note program" in mine[0].reason
    stop_program(session, program.id, world.mia, DAY)
    with pytest.raises(Conflict, match="already stopped"):
        stop_program(session, program.id, world.mia, DAY)
    later = member_plan(session, world.ola, DAY + timedelta(days=1))
    assert not [i for i in later.items if i.rule.startswith("program-")]
    assert list_programs(session)[0].status.value == "stopped"


def test_responses_are_recorded_for_assigned_targets_only(
    session: Session, world: ProgramWorld
) -> None:
    program = create_program(session, notes(), world.mia, DAY)
    targets = program_targets(session, program.id)
    assigned = next(t for t in targets if t.arm == Arm.ASSIGNED)
    held = next(t for t in targets if t.arm == Arm.HOLDOUT)
    response = record_response(
        session,
        assigned.id,
        ResponseKind.CALLED_BACK,
        world.ann,
        DAY + timedelta(days=3),
        "Pat called to say thanks",
    )
    assert response.account == assigned.account
    assert response.member == "Ann Smith"
    with pytest.raises(Invalid, match="held out"):
        record_response(session, held.id, ResponseKind.NOTHING, world.ann, DAY)
    with pytest.raises(Invalid, match="before the program started"):
        record_response(
            session, assigned.id, ResponseKind.NOTHING, world.ann, DAY - timedelta(days=1)
        )
    report = program_report(session, program.id, DAY)
    assert report.responses_by_kind[ResponseKind.CALLED_BACK] == 1
    assert report.program.responses == 1
    shown = next(t for t in program_targets(session, program.id) if t.id == assigned.id)
    assert shown.responses == [ResponseKind.CALLED_BACK]


def test_the_playbook_sends_the_holdout_nothing_of_the_programs_channel_while_it_is_measured(
    session: Session, world: ProgramWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default playbook's "neglected customer" rule writes notes to exactly the accounts a
    note program holds out; while the program runs and its window is open, it must not."""
    monkeypatch.setenv("GOODWILL_DAILY_CAPACITY", "20")  # room for every account of the world
    get_settings.cache_clear()
    program = create_program(session, notes(daily_quota=1), world.mia, DAY)
    holdout = {a for a, (arm, _) in arms(session, program.id).items() if arm == Arm.HOLDOUT}
    assert holdout

    note_rules = {r.name for r in default_playbook().rules if r.channel == Channel.NOTE}

    def notes_to_holdout(day: date) -> set[str]:
        for member in (world.ann, world.mia, world.ola):
            member_plan(session, member, day)
        items = session.scalars(
            select(PlanItem).where(PlanItem.day == day, PlanItem.account_id.in_(holdout))
        )
        # The advice each item gives, leading or alongside ("also"), that is a note.
        advice = {r for i in items for r in [i.rule, *i.also.split(",")] if r}
        return {r for r in advice if r in note_rules}

    # Without the guard the playbook would write them notes (the guard is what keeps them out).
    with monkeypatch.context() as patched:
        patched.setattr(agenda_service, "held_out", lambda _session, _day: {})
        assert notes_to_holdout(DAY - timedelta(days=1)) == {"neglected-customer"}
    for offset in (0, 5, 30, 60):  # running (10 days of notes), then within the 60-day window
        assert notes_to_holdout(DAY + timedelta(days=offset)) == set(), offset
    # Stopped and past its window: the playbook's notes may reach them again.
    stop_program(session, program.id, world.mia, DAY + timedelta(days=61))
    assert notes_to_holdout(DAY + timedelta(days=62)) == {"neglected-customer"}
    monkeypatch.delenv("GOODWILL_DAILY_CAPACITY")
    get_settings.cache_clear()
