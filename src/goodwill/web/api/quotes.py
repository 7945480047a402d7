"""Quotes tracked to their outcome: open ones by age with follow-ups, add, decide, hit ratio."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from goodwill.errors import Forbidden
from goodwill.models import QuoteStatus, Role
from goodwill.quotes.schemas import HitRatioBy, HitRatioOut, OpenQuoteOut, QuoteDetail, QuoteIn
from goodwill.quotes.service import (
    add_quote,
    count_open_quotes,
    decide_quote,
    get_quote,
    hit_ratio,
    open_quotes,
)
from goodwill.scoring.rollups import today_utc
from goodwill.web.api.common import Day, Id, Page, Pages, PathId, QueryId, Strict, twelve_months_to
from goodwill.web.deps import AnyMember, DbSession

router = APIRouter(prefix="/quotes", tags=["quotes"])


class NewQuote(BaseModel):
    """A price the caller gave an account. Amount in minor units (cents)."""

    account_id: Id
    amount_minor: int = Field(ge=1, le=10**15)
    quoted_on: Day | None = Field(default=None, description="Default: today.")
    description: str = Field(default="", max_length=4000)
    external_id: str | None = Field(default=None, max_length=100)


class Decision(BaseModel):
    """What became of the quote, and when (default today)."""

    outcome: Literal["won", "lost", "expired"]
    decided_on: Day | None = None


@router.get("", summary="Open quotes by age, with follow-ups", response_model=Page[OpenQuoteOut])
def quotes_open(
    session: DbSession,
    caller: AnyMember,
    pages: Pages,
    member: QueryId = None,
    account: QueryId = None,
) -> Page[OpenQuoteOut]:
    """Open quotes, oldest first, each with its latest follow-up touch."""
    today = today_utc()
    quotes = open_quotes(
        session,
        today,
        member_id=member,
        account_id=account,
        limit=pages.limit,
        offset=pages.offset,
    )
    total = count_open_quotes(session, today, member_id=member, account_id=account)
    return pages.page(quotes, total)


@router.get("/ratio", summary="Quote hit ratio", response_model=HitRatioOut)
def quotes_ratio(
    session: DbSession,
    caller: AnyMember,
    strict: Strict,
    by: HitRatioBy = HitRatioBy.TEAM,
    start: Annotated[Day | None, Query(description="Default: twelve whole months back.")] = None,
    end: Annotated[Day | None, Query(description="Default: today.")] = None,
) -> HitRatioOut:
    """Won / decided over quotes decided in the period; by member is a manager's review."""
    if by == HitRatioBy.MEMBER and not caller.may(Role.MANAGER):
        raise Forbidden("the hit ratio by member is a manager's review")
    last = end or today_utc()
    return hit_ratio(session, start or twelve_months_to(last), last, by)


@router.get("/{quote_id}", summary="Get a quote", response_model=QuoteDetail)
def quote_get(session: DbSession, caller: AnyMember, quote_id: PathId) -> QuoteDetail:
    """One quote, its account and where it stands."""
    return get_quote(session, quote_id)


@router.post("", summary="Record a quote", response_model=QuoteDetail, status_code=201)
def quote_add(session: DbSession, caller: AnyMember, body: NewQuote) -> QuoteDetail:
    """Record a price the caller gave an account."""
    return add_quote(
        session,
        QuoteIn(
            account_id=body.account_id,
            member_id=caller.member.id,
            quoted_on=body.quoted_on or today_utc(),
            amount_minor=body.amount_minor,
            description=body.description,
            external_id=body.external_id,
        ),
    )


@router.post(
    "/{quote_id}/decision",
    summary="Decide a quote: won, lost or expired",
    response_model=QuoteDetail,
)
def quote_decide(
    session: DbSession, caller: AnyMember, quote_id: PathId, body: Decision
) -> QuoteDetail:
    """Record what became of an open quote; a decision is final."""
    return decide_quote(
        session, quote_id, QuoteStatus(body.outcome), body.decided_on or today_utc()
    )
