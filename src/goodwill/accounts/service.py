"""Finding an account by what someone typed, and gathering everything we know about it."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.accounts import queries
from goodwill.accounts.names import fuzzy_match
from goodwill.accounts.schemas import (
    AccountCandidate,
    AccountChange,
    AccountIn,
    AccountOut,
    AccountOverview,
    FactGroup,
    FactIn,
    FactOut,
    MemberRef,
    OrderOut,
    OrdersSummary,
    PersonOut,
    QuoteOut,
)
from goodwill.contacts.queries import contacts_bound
from goodwill.countries import country_codes
from goodwill.errors import Conflict, Invalid, NotFound
from goodwill.models import Account, Contact, Fact, FactKind, Member, Order
from goodwill.models.account import envelope_lines
from goodwill.promises.service import account_open_promises, recent_promises
from goodwill.scoring.rollups import refresh_accounts
from goodwill.touches.queries import touch_totals_bound
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


def _fact_out(fact: Any, learned_by: str | None, today: date) -> FactOut:
    """A fact (a Fact, or a row of its columns) as read on ``today``."""
    return FactOut(
        id=fact.id,
        kind=fact.kind,
        text=fact.text,
        learned_on=fact.learned_on,
        learned_by=learned_by,
        age_days=(today - fact.learned_on).days,
        period=fact.period,
        stale=is_stale(fact.kind, fact.period, today),
        contact_id=fact.contact_id,
    )


def _quote_out(quote: Any, member: str | None, today: date) -> QuoteOut:
    """A quote (a row of its columns) as read on ``today``."""
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
    bound = {"account_id": account_id, "year_ago": one_year_before(today), "today": today}
    count, first_on, last_on, total, last_year, days = session.execute(
        queries.order_totals_bound(), bound
    ).one()
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
    """Everything we know about one account as of ``today``, in a fixed number of queries.

    The statements are built once and read plain rows (no ORM objects): this is the page
    people open most after Today.
    """
    bound = {"account_id": account_id}
    account = session.execute(queries.account_bound(), bound).one_or_none()
    if account is None:
        raise NotFound(f"no account with id {account_id}")
    owners = [
        MemberRef(id=m.id, name=m.name, email=m.email)
        for m in session.execute(queries.owners_bound(), bound)
    ]
    people = session.execute(contacts_bound(), bound).all()
    personal: dict[int, list[FactOut]] = defaultdict(list)
    by_kind: dict[FactKind, list[FactOut]] = defaultdict(list)
    for fact in session.execute(queries.facts_bound(), bound):
        out = _fact_out(fact, fact.learned_by, today)
        if fact.contact_id is not None:
            personal[fact.contact_id].append(out)
        else:
            by_kind[fact.kind].append(out)
    touch_count, last_touch_at, last_value_at = session.execute(touch_totals_bound(), bound).one()
    return AccountOverview(
        today=today,
        id=account.id,
        name=account.name,
        external_id=account.external_id,
        kind=account.kind,
        tier=account.tier,
        phone=account.phone,
        address=envelope_lines(account),
        owners=owners,
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
        promises_open=account_open_promises(session, account_id, today, limit=promises),
        promises_recent=recent_promises(session, account_id, today),
        quotes_open=[
            _quote_out(q, q.member, today)
            for q in session.execute(queries.open_quotes_bound(quotes), bound)
        ],
        quotes_decided=[
            _quote_out(q, q.member, today)
            for q in session.execute(queries.decided_quotes_bound(10), bound)
        ],
    )


# --- keeping the record -------------------------------------------------------------------

ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "region", "postal_code", "country")


def cleaned(text: str | None) -> str | None:
    """Typed text without surrounding blanks; None when nothing is left."""
    if text is None:
        return None
    return text.strip() or None


def cleaned_address(fields: dict[str, Any]) -> dict[str, Any]:
    """The address parts among ``fields``, trimmed, with the country as its ISO 3166 code."""
    out: dict[str, Any] = {}
    for name in ADDRESS_FIELDS:
        if name in fields:
            out[name] = cleaned(fields[name])
    if out.get("country"):
        code = country_codes().get(out["country"].casefold())
        if code is None:
            raise Invalid(f"country {out['country']!r} is not a country name or ISO 3166 code")
        out["country"] = code
    return out


def get_account_record(session: Session, account_id: int) -> Account:
    """The stored account, or NotFound."""
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"no account with id {account_id}")
    return account


def account_out(account: Account) -> AccountOut:
    """An account's own record as it goes out."""
    return AccountOut(
        id=account.id,
        external_id=account.external_id,
        name=account.name,
        kind=account.kind,
        tier=account.tier,
        phone=account.phone,
        address_line1=account.address_line1,
        address_line2=account.address_line2,
        city=account.city,
        region=account.region,
        postal_code=account.postal_code,
        country=account.country,
        owners=[MemberRef(id=m.id, name=m.name, email=m.email) for m in account.owners],
        created_at=account.created_at,
        updated_at=account.updated_at,
    )


def _owners(session: Session, owner_ids: list[int]) -> list[Member]:
    owners = []
    for member_id in dict.fromkeys(owner_ids):
        member = session.get(Member, member_id)
        if member is None:
            raise Invalid(f"owner {member_id} is not a member of the team")
        owners.append(member)
    return owners


def _check_external_id(session: Session, external_id: str | None, account_id: int | None) -> None:
    if external_id is None:
        return
    taken = session.scalar(select(Account).where(Account.external_id == external_id))
    if taken is not None and taken.id != account_id:
        raise Conflict(
            f"account {taken.name} (id {taken.id}) already has external id {external_id!r}"
        )


def create_account(session: Session, entry: AccountIn) -> AccountOut:
    """Add an account (a business we serve or buy from) with its owners."""
    name = entry.name.strip()
    if not name:
        raise Invalid("account name must not be empty")
    tier = entry.tier.strip()
    if not tier:
        raise Invalid("account tier must not be empty (A, B, C...)")
    external_id = cleaned(entry.external_id)
    _check_external_id(session, external_id, None)
    account = Account(
        name=name,
        external_id=external_id,
        kind=entry.kind,
        tier=tier,
        phone=cleaned(entry.phone),
        **cleaned_address(entry.model_dump()),
    )
    account.owners = _owners(session, entry.owner_ids)
    session.add(account)
    session.flush()
    refresh_accounts(session, [account.id])
    return account_out(account)


def change_account(session: Session, account_id: int, change: AccountChange) -> AccountOut:
    """Change an account's record: only the fields given change."""
    account = get_account_record(session, account_id)
    given = change.model_dump(exclude_unset=True)
    for required in ("name", "kind", "tier"):
        if required in given and (given[required] is None or not str(given[required]).strip()):
            raise Invalid(f"account {required} must not be empty")
    if "name" in given:
        account.name = given["name"].strip()
    if "tier" in given:
        account.tier = given["tier"].strip()
    if "kind" in given:
        account.kind = given["kind"]
    if "external_id" in given:
        external_id = cleaned(given["external_id"])
        _check_external_id(session, external_id, account.id)
        account.external_id = external_id
    if "phone" in given:
        account.phone = cleaned(given["phone"])
    for name, value in cleaned_address(given).items():
        setattr(account, name, value)
    if given.get("owner_ids") is not None:
        account.owners = _owners(session, given["owner_ids"])
    session.flush()
    refresh_accounts(session, [account.id])
    return account_out(account)


def account_facts(session: Session, account_id: int, today: date) -> list[FactOut]:
    """Everything we know about an account and its people, newest first, as of ``today``."""
    get_account_record(session, account_id)
    return [
        _fact_out(fact, fact.learned_by, today)
        for fact in session.execute(queries.facts_bound(), {"account_id": account_id})
    ]


def add_fact(session: Session, entry: FactIn, today: date) -> FactOut:
    """Record something we learned about an account or one of its people, and when."""
    account = get_account_record(session, entry.account_id)
    text = entry.text.strip()
    if not text:
        raise Invalid("a fact must say what we learned")
    if entry.learned_on > today:
        raise Invalid(f"a fact cannot be learned on {entry.learned_on}, after today ({today})")
    learned_by = None
    if entry.learned_by_id is not None:
        member = session.get(Member, entry.learned_by_id)
        if member is None:
            raise NotFound(f"no member with id {entry.learned_by_id}")
        learned_by = member.name
    if entry.contact_id is not None:
        contact = session.get(Contact, entry.contact_id)
        if contact is None or contact.account_id != account.id:
            raise Invalid(f"contact {entry.contact_id} is not at account {account.name}")
    fact = Fact(
        account_id=account.id,
        contact_id=entry.contact_id,
        kind=entry.kind,
        text=text,
        learned_on=entry.learned_on,
        learned_by_id=entry.learned_by_id,
        period=cleaned(entry.period),
    )
    session.add(fact)
    session.flush()
    refresh_accounts(session, [account.id])
    return _fact_out(fact, learned_by, today)


def account_orders(
    session: Session, account_id: int, *, offset: int = 0, limit: int = 50
) -> tuple[int, list[OrderOut]]:
    """How many orders the account placed, and one page of them, newest first."""
    get_account_record(session, account_id)
    total = session.scalar(select(func.count(Order.id)).where(Order.account_id == account_id))
    bound = {"account_id": account_id, "limit": limit, "offset": offset}
    rows = session.execute(queries.recent_orders_bound(), bound)
    return int(total or 0), [
        OrderOut(
            id=o.id,
            external_id=o.external_id,
            ordered_on=o.ordered_on,
            amount_minor=o.amount_minor,
            quantity=o.quantity,
        )
        for o in rows
    ]
