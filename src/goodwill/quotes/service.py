"""Quotes tracked to their outcome: add one, decide it, follow it up, and the hit ratio."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.errors import Conflict, Invalid, NotFound
from goodwill.models import Account, Member, Quote, QuoteStatus
from goodwill.quotes import FOLLOW_UP_AFTER_DAYS, queries
from goodwill.quotes.schemas import (
    FollowUpOut,
    HitRatioBy,
    HitRatioOut,
    HitRatioRow,
    OpenQuoteOut,
    QuoteDetail,
    QuoteIn,
)

"""An open quote older than this many days with no follow-up needs one (the playbook's rule)."""

OUTCOMES = (QuoteStatus.WON, QuoteStatus.LOST, QuoteStatus.EXPIRED)

# Plain digits, or digits grouped in threes by commas; a point before the cents.
_AMOUNT = re.compile(r"(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?")


def amount_minor(text: str) -> int:
    """A typed amount (1234.56 or 1,234.56) as exact minor units (cents), or Invalid."""
    typed = text.strip()
    if not _AMOUNT.fullmatch(typed):
        raise Invalid(f"amount {text!r} is not an amount: type it like 1234.56 or 1,234.56")
    try:
        cents = Decimal(typed.replace(",", "")).scaleb(2)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise Invalid(f"amount {text!r} is not an amount") from None
    if cents != cents.to_integral_value():
        raise Invalid(f"amount {text!r} has more than 2 decimal places")
    if cents <= 0:
        raise Invalid(f"amount {text!r} must be more than zero")
    return int(cents)


def _detail(row: queries.QuoteRow) -> QuoteDetail:
    quote, account, member = row
    return QuoteDetail(
        id=quote.id,
        external_id=quote.external_id,
        account_id=quote.account_id,
        account=account,
        member=member,
        quoted_on=quote.quoted_on,
        amount_minor=quote.amount_minor,
        description=quote.description,
        status=quote.status,
        decided_on=quote.decided_on,
    )


def get_quote(session: Session, quote_id: int) -> QuoteDetail:
    """One quote with its account and member, or NotFound."""
    row = session.execute(queries.quote_with_names(quote_id)).one_or_none()
    if row is None:
        raise NotFound(f"no quote with id {quote_id} (see: goodwill quote list)")
    return _detail(row)


def add_quote(session: Session, entry: QuoteIn) -> QuoteDetail:
    """Record a price given to an account by a member on a day."""
    account = session.get(Account, entry.account_id)
    if account is None:
        raise NotFound(f"no account with id {entry.account_id}")
    if session.get(Member, entry.member_id) is None:
        raise NotFound(f"no member with id {entry.member_id}")
    if entry.amount_minor <= 0:
        raise Invalid(f"quote amount must be more than zero, not {entry.amount_minor} cents")
    external_id = (entry.external_id or "").strip() or None
    if external_id is not None:
        taken = session.scalar(queries.quote_by_external_id(account.id, external_id))
        if taken is not None:
            raise Conflict(
                f"account {account.name} already has a quote {external_id!r} "
                f"(quote {taken.id}, {taken.quoted_on}); give another --id"
            )
    quote = Quote(
        account_id=account.id,
        member_id=entry.member_id,
        quoted_on=entry.quoted_on,
        amount_minor=entry.amount_minor,
        description=entry.description.strip(),
        external_id=external_id,
    )
    session.add(quote)
    session.flush()
    _changed(session, [account.id])
    return get_quote(session, quote.id)


def decide_quote(
    session: Session, quote_id: int, outcome: QuoteStatus, decided_on: date
) -> QuoteDetail:
    """Record what became of an open quote: won, lost or expired. A decision is final."""
    if outcome not in OUTCOMES:
        raise Invalid(f"a quote is decided as won, lost or expired, not {outcome.value}")
    quote = session.get(Quote, quote_id, with_for_update=True)
    if quote is None:
        raise NotFound(f"no quote with id {quote_id} (see: goodwill quote list)")
    if quote.status != QuoteStatus.OPEN:
        on = f" on {quote.decided_on}" if quote.decided_on else ""
        raise Conflict(
            f"quote {quote_id} is already {quote.status.value}{on}; "
            "only an open quote can be decided (a decision is not reopened)"
        )
    if decided_on < quote.quoted_on:
        raise Invalid(
            f"quote {quote_id} cannot be decided on {decided_on}, before it was quoted "
            f"({quote.quoted_on})"
        )
    quote.status = outcome
    quote.decided_on = decided_on
    session.flush()
    _changed(session, [quote.account_id])
    return get_quote(session, quote_id)


def open_quotes(
    session: Session,
    today: date,
    *,
    member_id: int | None = None,
    account_id: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[OpenQuoteOut]:
    """Open quotes as of ``today``, oldest first, with their latest follow-up touch."""
    # A day ends at midnight UTC, as the rollups count it.
    day_end = datetime.combine(today + timedelta(days=1), time(), tzinfo=UTC)
    query = queries.open_quotes(
        today, day_end, member_id=member_id, account_id=account_id, limit=limit
    )
    if offset:
        query = query.offset(offset)
    quotes = []
    for quote, account, member, touch_id, at, channel, by in session.execute(query):
        follow_up = (
            FollowUpOut(touch_id=touch_id, happened_at=at, channel=channel, member=by)
            if touch_id is not None and at is not None and channel is not None
            else None
        )
        age = (today - quote.quoted_on).days
        quotes.append(
            OpenQuoteOut(
                **_detail((quote, account, member)).model_dump(),
                age_days=age,
                follow_up=follow_up,
                needs_follow_up=follow_up is None and age > FOLLOW_UP_AFTER_DAYS,
            )
        )
    return quotes


def count_open_quotes(
    session: Session,
    today: date,
    *,
    member_id: int | None = None,
    account_id: int | None = None,
) -> int:
    """How many open quotes :func:`open_quotes` would list without a limit."""
    wanted = [Quote.status == QuoteStatus.OPEN, Quote.quoted_on <= today]
    if member_id is not None:
        wanted.append(Quote.member_id == member_id)
    if account_id is not None:
        wanted.append(Quote.account_id == account_id)
    return int(session.scalar(select(func.count(Quote.id)).where(*wanted)) or 0)


def _hit_row(key: str, counts: Sequence[Any], member_id: int | None = None) -> HitRatioRow:
    won, lost, expired, won_amount, decided_amount = (int(n) for n in counts)
    decided = won + lost + expired
    return HitRatioRow(
        key=key,
        member_id=member_id,
        decided=decided,
        won=won,
        lost=lost,
        expired=expired,
        won_amount_minor=won_amount,
        decided_amount_minor=decided_amount,
        ratio=won / decided if decided else None,
    )


def _months(start: date, end: date) -> Iterable[tuple[int, int]]:
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def hit_ratio(session: Session, start: date, end: date, by: HitRatioBy) -> HitRatioOut:
    """The quote hit ratio, won / decided, over quotes decided from ``start`` to ``end``.

    Decided means won, lost or expired, and each quote counts in the period of its decision.
    Counting by decision day makes a period's figure final once it is over: counting by
    quote day would leave recent periods short of outcomes and move them as quotes are
    decided later. Open quotes are left out because they have no outcome yet; an expired
    quote counts against the ratio because a quote left to lapse is business not won, and
    following quotes up to an answer is exactly what the ratio is meant to reward.
    """
    if end < start:
        raise Invalid(f"the period ends ({end}) before it starts ({start})")
    total = _hit_row("all", session.execute(queries.hit_counts_for_team(start, end)).one())
    rows: list[HitRatioRow] = []
    if by == HitRatioBy.TEAM:
        rows = [total.model_copy(update={"key": "team"})]
    elif by == HitRatioBy.MEMBER:
        for member_id, name, *counts in session.execute(queries.hit_counts_by_member(start, end)):
            rows.append(_hit_row(name or "(no member)", counts, member_id))
        rows.sort(key=lambda row: (row.member_id is None, row.key.lower(), row.member_id or 0))
    else:
        found = {
            (int(year), int(month)): counts
            for year, month, *counts in session.execute(queries.hit_counts_by_month(start, end))
        }
        # Every month of the period is shown, so a month with no decisions is visible too.
        rows = [
            _hit_row(f"{year:04d}-{month:02d}", found.get((year, month), (0, 0, 0, 0, 0)))
            for year, month in _months(start, end)
        ]
    return HitRatioOut(by=by, start=start, end=end, rows=rows, total=total)


def _changed(session: Session, account_ids: list[int]) -> None:
    # Rollups and health follow the change at once (SciPy loads only when this runs).
    from goodwill.scoring.service import account_changed

    account_changed(session, account_ids)
