"""The promises ledger: open ones due and overdue, make one, keep, cancel or break it, ratio."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from goodwill.errors import Forbidden
from goodwill.models import Role
from goodwill.promises.kept import KeptBy, KeptRatioOut, kept_ratio
from goodwill.promises.schemas import PromiseIn, PromiseOut
from goodwill.promises.service import (
    break_promise,
    cancel_promise,
    count_open_promises,
    get_promise,
    keep_promise,
    make_promise,
    open_promises,
    require_promise_maker,
)
from goodwill.scoring.rollups import today_utc
from goodwill.web.api.common import Day, Id, Page, Pages, PathId, QueryId, Strict, twelve_months_to
from goodwill.web.deps import AnyMember, DbSession

router = APIRouter(prefix="/promises", tags=["promises"])


class NewPromise(BaseModel):
    """A commitment the caller made to an account, due on a day."""

    account_id: Id
    what: str = Field(max_length=2000)
    due_on: Day
    made_on: Day | None = Field(default=None, description="Default: today.")
    contact_id: Id | None = None


class Kept(BaseModel):
    """The day the promise was done (default today): after its due day it is kept late."""

    done_on: Day | None = None


@router.get("", summary="Open promises, due and overdue", response_model=Page[PromiseOut])
def promises_open(
    session: DbSession,
    caller: AnyMember,
    pages: Pages,
    member: QueryId = None,
    account: QueryId = None,
    due_within: Annotated[
        int | None, Query(ge=0, le=3660, description="Only those due within N days.")
    ] = None,
    overdue: Annotated[bool, Query(description="Only those past their due day.")] = False,
) -> Page[PromiseOut]:
    """Open promises, soonest due first."""
    today = today_utc()
    found = open_promises(
        session,
        today,
        member_id=member,
        account_id=account,
        due_within_days=due_within,
        overdue_only=overdue,
        limit=pages.limit,
        offset=pages.offset,
    )
    total = count_open_promises(
        session,
        today,
        member_id=member,
        account_id=account,
        due_within_days=due_within,
        overdue_only=overdue,
    )
    return pages.page(found, total)


@router.get("/ratio", summary="Promises kept on time", response_model=KeptRatioOut)
def promises_ratio(
    session: DbSession,
    caller: AnyMember,
    strict: Strict,
    by: KeptBy = KeptBy.ACCOUNT,
    start: Annotated[Day | None, Query(description="Default: twelve whole months back.")] = None,
    end: Annotated[Day | None, Query(description="Default: today.")] = None,
) -> KeptRatioOut:
    """Kept on time / settled over promises due in the period; by member is a manager's review."""
    if by == KeptBy.MEMBER and not caller.may(Role.MANAGER):
        raise Forbidden("the kept-on-time ratio by member is a manager's review")
    today = today_utc()
    last = end or today
    return kept_ratio(session, start or twelve_months_to(last), last, today, by)


@router.get("/{promise_id}", summary="Get a promise", response_model=PromiseOut)
def promise_get(session: DbSession, caller: AnyMember, promise_id: PathId) -> PromiseOut:
    """One promise and where it stands."""
    return get_promise(session, promise_id, today_utc())


@router.post("", summary="Make a promise", response_model=PromiseOut, status_code=201)
def promise_make(session: DbSession, caller: AnyMember, body: NewPromise) -> PromiseOut:
    """Record a commitment the caller made to an account."""
    return make_promise(
        session,
        PromiseIn(
            account_id=body.account_id,
            member_id=caller.member.id,
            what=body.what,
            made_on=body.made_on or today_utc(),
            due_on=body.due_on,
            contact_id=body.contact_id,
        ),
    )


@router.post("/{promise_id}/kept", summary="Keep a promise", response_model=PromiseOut)
def promise_keep(
    session: DbSession, caller: AnyMember, promise_id: PathId, body: Kept
) -> PromiseOut:
    """Mark the caller's promise done (a manager may mark anyone's)."""
    require_promise_maker(session, promise_id, caller.member)
    return keep_promise(session, promise_id, body.done_on or today_utc())


@router.post("/{promise_id}/cancel", summary="Cancel a promise", response_model=PromiseOut)
def promise_cancel(session: DbSession, caller: AnyMember, promise_id: PathId) -> PromiseOut:
    """Withdraw an open promise the customer no longer needs."""
    require_promise_maker(session, promise_id, caller.member)
    return cancel_promise(session, promise_id, today_utc())


@router.post("/{promise_id}/broken", summary="Record a broken promise", response_model=PromiseOut)
def promise_break(session: DbSession, caller: AnyMember, promise_id: PathId) -> PromiseOut:
    """Record that an open promise was not kept."""
    require_promise_maker(session, promise_id, caller.member)
    return break_promise(session, promise_id, today_utc())
