"""Accounts and what we keep on them: the record, profile facts, orders and the meeting brief."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from goodwill.accounts.schemas import (
    AccountChange,
    AccountIn,
    AccountOut,
    AccountOverview,
    FactIn,
    FactOut,
    OrderOut,
)
from goodwill.accounts.search import AccountRow, Flag, search_accounts
from goodwill.accounts.service import (
    account_facts,
    account_orders,
    account_overview,
    add_fact,
    change_account,
    create_account,
)
from goodwill.agenda.brief import Brief, account_brief, brief_markdown
from goodwill.config import get_settings
from goodwill.models import AccountKind, FactKind
from goodwill.scoring.rollups import today_utc
from goodwill.web.api.common import Day, Id, Page, Pages, PathId, QueryId
from goodwill.web.deps import Admin, AnyMember, DbSession

router = APIRouter()

Arrow = Literal["up", "flat", "down"]


@router.get(
    "/accounts",
    summary="Search and filter accounts",
    response_model=Page[AccountRow],
    tags=["accounts"],
)
def accounts_list(
    session: DbSession,
    caller: AnyMember,
    pages: Pages,
    q: Annotated[
        str, Query(max_length=200, description="Fuzzy text: names, people, external ids.")
    ] = "",
    owner: QueryId = None,
    tier: Annotated[str | None, Query(max_length=20)] = None,
    kind: AccountKind | None = None,
    arrow: Arrow | None = None,
    flag: Flag | None = None,
) -> Page[AccountRow]:
    """Accounts matching the text and filters: best match first, else by name."""
    found = search_accounts(
        session,
        q,
        owner_id=owner,
        tier=tier or None,
        kind=kind,
        arrow=arrow,
        flag=flag,
        offset=pages.offset,
        limit=pages.limit,
    )
    return pages.page(found.rows, found.total)


@router.get(
    "/accounts/{account_id}",
    summary="Everything we know about an account",
    response_model=AccountOverview,
    tags=["accounts"],
)
def account_get(session: DbSession, caller: AnyMember, account_id: PathId) -> AccountOverview:
    """The account overview as of today (its health is at .../health)."""
    return account_overview(session, account_id, today_utc())


@router.post(
    "/accounts",
    summary="Add an account (admin)",
    response_model=AccountOut,
    status_code=201,
    tags=["accounts"],
)
def account_create(session: DbSession, caller: Admin, body: AccountIn) -> AccountOut:
    """Add an account with its owners."""
    return create_account(session, body)


@router.patch(
    "/accounts/{account_id}",
    summary="Change an account (admin)",
    response_model=AccountOut,
    tags=["accounts"],
)
def account_change(
    session: DbSession, caller: Admin, account_id: PathId, body: AccountChange
) -> AccountOut:
    """Change the fields given of an account's record."""
    return change_account(session, account_id, body)


# --- profile facts ----------------------------------------------------------------------


class NewFact(BaseModel):
    """Something we learned about the account (or one of its people), and when."""

    kind: FactKind
    text: str = Field(max_length=4000)
    learned_on: Day | None = Field(default=None, description="Default: today.")
    period: str | None = Field(default=None, max_length=20, description="E.g. 2026-Q1 for a goal.")
    contact_id: Id | None = None


@router.get(
    "/accounts/{account_id}/facts",
    summary="Profile facts of an account",
    response_model=Page[FactOut],
    tags=["facts"],
)
def facts_list(
    session: DbSession, caller: AnyMember, account_id: PathId, pages: Pages
) -> Page[FactOut]:
    """What we know about the account and its people, newest first, with age and staleness."""
    return pages.cut(account_facts(session, account_id, today_utc()))


@router.post(
    "/accounts/{account_id}/facts",
    summary="Record a profile fact",
    response_model=FactOut,
    status_code=201,
    tags=["facts"],
)
def fact_add(session: DbSession, caller: AnyMember, account_id: PathId, body: NewFact) -> FactOut:
    """Record what the caller learned about the account or one of its people."""
    today = today_utc()
    entry = FactIn(
        account_id=account_id,
        kind=body.kind,
        text=body.text,
        learned_on=body.learned_on or today,
        learned_by_id=caller.member.id,
        period=body.period,
        contact_id=body.contact_id,
    )
    return add_fact(session, entry, today)


# --- orders -------------------------------------------------------------------------------


@router.get(
    "/accounts/{account_id}/orders",
    summary="Orders of an account",
    response_model=Page[OrderOut],
    tags=["orders"],
)
def orders_list(
    session: DbSession, caller: AnyMember, account_id: PathId, pages: Pages
) -> Page[OrderOut]:
    """The account's orders, newest first (they come from the ERP, through imports)."""
    total, orders = account_orders(session, account_id, offset=pages.offset, limit=pages.limit)
    return pages.page(orders, total)


# --- the meeting brief ----------------------------------------------------------------------


@router.get(
    "/accounts/{account_id}/brief",
    summary="The meeting brief for a sit-down (JSON or Markdown)",
    response_model=Brief,
    tags=["briefs"],
    responses={200: {"content": {"text/markdown": {"schema": {"type": "string"}}}}},
)
def brief_get(
    session: DbSession,
    caller: AnyMember,
    account_id: PathId,
    format: Literal["json", "markdown"] = "json",
) -> Brief | Response:
    """The standard questions and everything we know; ``format=markdown`` for a document."""
    brief = account_brief(session, account_id, today_utc())
    if format == "markdown":
        text = brief_markdown(brief, get_settings().currency)
        return Response(text, media_type="text/markdown; charset=utf-8")
    return brief
