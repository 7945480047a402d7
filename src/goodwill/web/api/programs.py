"""Outreach programs, their targets, responses and report; the note cards; the weekly review.

The same services as ``goodwill program``, ``goodwill notes print`` and ``goodwill digest``.
Managers and admins start and stop programs and read the digest; everyone reads programs,
and a member records responses for the targets the program put in their own plan.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from goodwill.errors import Invalid
from goodwill.models import AccountKind, Arm, Channel, ProgramKind, ResponseKind
from goodwill.programs.cards import NoteCard, note_cards
from goodwill.programs.digest import Digest, weekly_digest
from goodwill.programs.schemas import ProgramIn, ProgramOut, ProgramReport, ResponseOut, TargetOut
from goodwill.programs.service import (
    check_may_respond,
    count_targets,
    create_program,
    get_program,
    list_programs,
    program_report,
    program_targets,
    record_response,
    stop_program,
)
from goodwill.scoring.rollups import today_utc
from goodwill.web.api.common import MAX_ID, Day, Page, Pages, PathId, Strict
from goodwill.web.deps import AnyMember, DbSession, Manager, notes_pdf_response, plans_made

router = APIRouter(tags=["programs"])

NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold a NUL character


class NewProgram(BaseModel):
    """A program to start. Left out, ``condition``, ``channel``, ``action`` and ``reason``
    take the kind's defaults, and ``seed`` is drawn (it is recorded either way)."""

    name: str = Field(min_length=1, max_length=120, pattern=NO_NUL)
    kind: ProgramKind = ProgramKind.THANK_YOU_NOTE
    condition: str | None = Field(
        default=None,
        max_length=1000,
        pattern=NO_NUL,
        description="Who is eligible: a playbook condition, e.g. `days_since_order >= 180`.",
    )
    recipient_kinds: list[AccountKind] = Field(
        default_factory=lambda: [AccountKind.CUSTOMER], min_length=1, max_length=3
    )
    channel: Channel | None = None
    action: str | None = Field(default=None, max_length=200, pattern=NO_NUL)
    reason: str | None = Field(
        default=None,
        max_length=500,
        pattern=NO_NUL,
        description="Why, shown on the plan; may quote `{feature}`s.",
    )
    daily_quota: int = Field(default=1, ge=1, le=50, description="Per member per day.")
    starts_on: Day | None = Field(default=None, description="Default: today.")
    ends_on: Day | None = None
    holdout_fraction: float = Field(default=0.10, ge=0.01, le=0.9)
    outcome_window_days: Literal[30, 60, 90] = 60
    seed: int | None = Field(default=None, ge=0, lt=2**63)


class NewResponse(BaseModel):
    """What came back from a target, and when (default today)."""

    kind: ResponseKind
    responded_on: Day | None = Field(default=None, description="Default: today.")
    note: str = Field(default="", max_length=2000, pattern=NO_NUL)


@router.get("/programs", summary="Every program, newest first", response_model=Page[ProgramOut])
def programs_list(session: DbSession, caller: AnyMember, pages: Pages) -> Page[ProgramOut]:
    """Programs with their counts: assigned, held out, planned, done, responses."""
    return pages.cut(list_programs(session))


@router.post(
    "/programs",
    summary="Start a program (manager)",
    response_model=ProgramOut,
    status_code=201,
)
def program_create(session: DbSession, caller: Manager, body: NewProgram) -> ProgramOut:
    """Pick who is eligible today and split them at random into assigned and held out."""
    today = today_utc()
    entry = ProgramIn(**body.model_dump(exclude={"starts_on"}), starts_on=body.starts_on or today)
    return create_program(session, entry, caller.member, today)


@router.get("/programs/{program_id}", summary="A program", response_model=ProgramOut)
def program_get(session: DbSession, caller: AnyMember, program_id: PathId) -> ProgramOut:
    """The program: who is eligible, its draw (with the value tiers), how far it got."""
    return get_program(session, program_id)


@router.post(
    "/programs/{program_id}/stop", summary="Stop a program (manager)", response_model=ProgramOut
)
def program_stop(session: DbSession, caller: Manager, program_id: PathId) -> ProgramOut:
    """No more of its accounts go into plans; its outcome is still measured."""
    return stop_program(session, program_id, caller.member, today_utc())


@router.get(
    "/programs/{program_id}/report",
    summary="A program's outcome against its holdout",
    response_model=ProgramReport,
)
def program_report_get(
    session: DbSession,
    caller: AnyMember,
    strict: Strict,
    program_id: PathId,
    as_of: Annotated[Day | None, Query(description="Default: today (UTC).")] = None,
) -> ProgramReport:
    """Who ordered within the window, assigned against held out (intention to treat), the
    uplift with its 95% interval, the chart's points, the plain sentence, the responses."""
    return program_report(session, program_id, as_of or today_utc())


@router.get(
    "/programs/{program_id}/targets",
    summary="A program's targets",
    response_model=Page[TargetOut],
)
def program_targets_list(
    session: DbSession,
    caller: AnyMember,
    pages: Pages,
    program_id: PathId,
    arm: Arm | None = None,
    member: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only those planned for this member.")
    ] = None,
) -> Page[TargetOut]:
    """Targets in planning order: side, value tier, planned for whom, done, responses."""
    items = program_targets(
        session, program_id, arm=arm, member_id=member, limit=pages.limit, offset=pages.offset
    )
    return pages.page(items, count_targets(session, program_id, arm=arm, member_id=member))


@router.post(
    "/programs/targets/{target_id}/responses",
    summary="Record a response",
    response_model=ResponseOut,
    status_code=201,
)
def target_response(
    session: DbSession, caller: AnyMember, target_id: PathId, body: NewResponse
) -> ResponseOut:
    """Record what came back from a target the program reached (or that nothing did)."""
    today = today_utc()
    check_may_respond(session, target_id, caller.member)
    day = body.responded_on or today
    if day > today:
        raise Invalid(f"a response on {day} has not come yet (today is {today})")
    return record_response(session, target_id, body.kind, caller.member, day, body.note)


@router.get("/digest", summary="The weekly review (manager)", response_model=Digest)
def digest_get(
    session: DbSession,
    caller: Manager,
    strict: Strict,
    week: Annotated[Day | None, Query(description="A day of the week; default today.")] = None,
) -> Digest:
    """Acts done, responses and their follow-ups, programs and their uplift, top accounts
    whose arrow changed, promises kept and broken, the quote hit ratio; Monday to Sunday."""
    today = today_utc()
    return weekly_digest(session, week or today, today)


@router.get("/notes", summary="Your thank-you notes of a day", response_model=Page[NoteCard])
def notes_list(
    session: DbSession,
    caller: AnyMember,
    pages: Pages,
    day: Annotated[Day | None, Query(description="Default: today (UTC).")] = None,
) -> Page[NoteCard]:
    """The notes on the caller's plan of the day: to whom, where, and the writer's crib."""
    which = day or today_utc()
    plans_made(session, which)  # the day's notes are on its plans: make them if need be
    return pages.cut(note_cards(session, caller.member, which))


@router.get(
    "/notes/cards.pdf",
    summary="Your note cards to print (PDF)",
    response_class=Response,
    responses={
        200: {
            "description": "For each note: the card, its envelope, the writer's crib.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def notes_pdf(
    session: DbSession,
    caller: AnyMember,
    strict: Strict,
    day: Annotated[Day | None, Query(description="Default: today (UTC).")] = None,
) -> Response:
    """The caller's notes of the day as a PDF; 422 when the plan holds none."""
    return notes_pdf_response(session, caller, day or today_utc())
