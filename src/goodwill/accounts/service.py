"""Finding an account by what someone typed, and gathering everything we know about it."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

from sqlalchemy.orm import Session

from goodwill.accounts import queries
from goodwill.accounts.names import fuzzy_match
from goodwill.accounts.schemas import (
    AccountCandidate,
    AccountOverview,
    FactGroup,
    FactOut,
    MemberRef,
    OrdersSummary,
    PersonOut,
    QuoteOut,
)
from goodwill.contacts.queries import contacts_of
from goodwill.errors import Invalid, NotFound
from goodwill.models import Account, Fact, FactKind, Quote
from goodwill.promises.service import open_promises, recent_promises
from goodwill.touches.queries import touch_totals
from goodwill.touches.service import recent_touches

_QUARTER_FIRST = re.compile(r"^\s*q([1-4])\s*[-/ ]?\s*(\d{4})\s*$", re.IGNORECASE)
_YEAR_FIRST = re.compile(r"^\s*(\d{4})\s*[-/ ]?\s*q([1-4])\s*$", re.IGNORECASE)


def quarter_of_period(period: str | None) -> tuple[int, int] | None:
    """(year, quarter) of a period written like 2026-Q1, 2026Q1 or Q1 2026; None otherwise."""
    if not period:
        return None
    if m := _YEAR_FIRST.match(period):
        return int(m.group(1)), int(m.group(2))
    if m := _QUARTER_FIRST.match(period):
        return int(m.group(2)), int(m.group(1))
    return None


def quarter_of_day(day: date) -> tuple[int, int]:
    """(year, quarter) that a day falls in."""
    return day.year, (day.month - 1) // 3 + 1


def is_stale(kind: FactKind, period: str | None, today: date) -> bool:
    """Whether a fact needs asking again: a goal whose period is not the current quarter."""
    return kind == FactKind.GOAL and quarter_of_period(period) != quarter_of_day(today)


def one_year_before(day: date) -> date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _candidate(account: Account, score: float) -> AccountCandidate:
    return AccountCandidate(
        id=account.id, name=account.name, external_id=account.external_id, score=score
    )


def _listed(candidates: list[AccountCandidate]) -> str:
    return ", ".join(
        f"{c.name} ({c.external_id})" if c.external_id else f"{c.name} (id {c.id})"
        for c in candidates
    )


def find_account(session: Session, name: str) -> Account:
    """The account a typed name means: exact name or external id first, then fuzzy."""
    wanted = name.strip()
    if not wanted:
        raise Invalid("account name must not be empty")
    exact = list(session.scalars(queries.accounts_named(wanted)))
    by_external_id = [a for a in exact if (a.external_id or "").lower() == wanted.lower()]
    if len(by_external_id) == 1:
        return by_external_id[0]
    if len(exact) == 1:
        return exact[0]
    if exact:
        listed = _listed([_candidate(a, 100.0) for a in exact])
        raise Invalid(f"several accounts are named {wanted!r}: {listed}; use the external id")
    rows = session.execute(queries.account_names()).all()
    match = fuzzy_match(wanted, {row.id: row.name for row in rows})
    if match.chosen is not None:
        account = session.get(Account, match.chosen)
        assert account is not None
        return account
    if match.candidates:
        scores = dict(match.candidates)
        found = {a.id: a for a in session.scalars(queries.accounts_by_id(list(scores)))}
        candidates = [_candidate(found[key], score) for key, score in match.candidates]
        raise Invalid(f"{wanted!r} matches several accounts: did you mean {_listed(candidates)}?")
    raise NotFound(
        f"no account matches {wanted!r}: give more of its name or its external id "
        "(import accounts with: goodwill import accounts FILE)"
    )


def _fact_out(fact: Fact, learned_by: str | None, today: date) -> FactOut:
    return FactOut(
        id=fact.id,
        kind=fact.kind,
        text=fact.text,
        learned_on=fact.learned_on,
        learned_by=learned_by,
        age_days=(today - fact.learned_on).days,
        period=fact.period,
        stale=is_stale(fact.kind, fact.period, today),
    )


def _quote_out(quote: Quote, member: str | None, today: date) -> QuoteOut:
    return QuoteOut(
        id=quote.id,
        external_id=quote.external_id,
        quoted_on=quote.quoted_on,
        amount_minor=quote.amount_minor,
        status=quote.status,
        decided_on=quote.decided_on,
        member=member,
        description=quote.description,
        age_days=(today - quote.quoted_on).days,
    )


def _orders_summary(session: Session, account_id: int, today: date) -> OrdersSummary:
    query = queries.order_totals(account_id, one_year_before(today), today)
    count, first_on, last_on, total, last_year, days = session.execute(query).one()
    gap = None
    if first_on is not None and last_on is not None and days > 1:
        gap = round((last_on - first_on).days / (days - 1), 1)
    return OrdersSummary(
        count=count,
        first_on=first_on,
        last_on=last_on,
        revenue_last_12_months_minor=int(last_year or 0),
        revenue_all_time_minor=int(total or 0),
        average_gap_days=gap,
    )


def account_overview(
    session: Session,
    account_id: int,
    today: date,
    *,
    touches: int = 10,
    quotes: int = 20,
    promises: int = 50,
) -> AccountOverview:
    """Everything we know about one account as of ``today``, in a fixed number of queries."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"no account with id {account_id}")
    people = list(session.scalars(contacts_of(account_id)))
    personal: dict[int, list[FactOut]] = defaultdict(list)
    by_kind: dict[FactKind, list[FactOut]] = defaultdict(list)
    for fact, learned_by in session.execute(queries.facts_of(account_id)):
        out = _fact_out(fact, learned_by, today)
        if fact.contact_id is not None:
            personal[fact.contact_id].append(out)
        else:
            by_kind[fact.kind].append(out)
    touch_count, last_touch_at, last_value_at = session.execute(touch_totals(account_id)).one()
    return AccountOverview(
        today=today,
        id=account.id,
        name=account.name,
        external_id=account.external_id,
        kind=account.kind,
        tier=account.tier,
        phone=account.phone,
        address=account.address_lines(),
        owners=[MemberRef(id=m.id, name=m.name, email=m.email) for m in account.owners],
        people=[
            PersonOut(
                id=c.id,
                external_id=c.external_id,
                name=c.name,
                title=c.title,
                email=c.email,
                phone=c.phone,
                birthday=c.birthday,
                preferred_channel=c.preferred_channel,
                facts=personal.get(c.id, []),
            )
            for c in people
        ],
        facts=[FactGroup(kind=kind, facts=by_kind[kind]) for kind in FactKind if kind in by_kind],
        orders=_orders_summary(session, account_id, today),
        touch_count=touch_count,
        last_touch_at=last_touch_at,
        last_value_at=last_value_at,
        touches=recent_touches(session, account_id, touches),
        promises_open=open_promises(session, today, account_id=account_id, limit=promises),
        promises_recent=recent_promises(session, account_id, today),
        quotes_open=[
            _quote_out(q, member, today)
            for q, member in session.execute(queries.open_quotes(account_id, quotes))
        ],
        quotes_decided=[
            _quote_out(q, member, today)
            for q, member in session.execute(queries.decided_quotes(account_id, 10))
        ],
    )
