"""Finding accounts as you type: by name, external id or a person's name, fuzzily, with filters.

Typed text is matched twice: as a plain substring (what people expect when they type the
start of a name) and with rapidfuzz's WRatio over names, external ids and people's names
(what catches typos and word order). Filters (owner, tier, kind, arrow, flag) run in SQL on
the account and its newest scored week.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel
from rapidfuzz import fuzz, process, utils
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from goodwill.models import Account, AccountKind, Contact, HealthWeek, Member, account_owner

Flag = Literal["top", "complacent", "neglected"]
FUZZY_CUTOFF = 60.0
MAX_MATCHES = 200


class AccountRow(BaseModel):
    """One account in a list: who owns it, how healthy it is, and why it matched."""

    id: int
    name: str
    external_id: str | None
    kind: AccountKind
    tier: str
    owners: list[str]
    health: float | None
    arrow: str | None
    top: bool
    complacent: bool
    neglected: bool
    revenue_365_minor: int | None
    matched: str | None


class AccountPage(BaseModel):
    """A page of accounts and how many there are in all."""

    total: int
    offset: int
    limit: int
    rows: list[AccountRow]


def newest_week(session: Session) -> Any:
    """The newest scored week, or None before the first scoring run."""
    return session.scalar(select(func.max(HealthWeek.week_on)))


def _matches(session: Session, text: str) -> dict[int, tuple[float, str | None]]:
    """Account ids the text may mean, each with a score (0-100) and what it matched."""
    wanted = text.strip()
    like = f"%{wanted.lower()}%"
    found: dict[int, tuple[float, str | None]] = {}
    names = session.execute(select(Account.id, Account.name, Account.external_id)).all()
    people = session.execute(select(Contact.account_id, Contact.name)).all()
    # Substring hits first: typing the start of a name should always find it.
    for hit in session.execute(
        select(Account.id).where(
            or_(func.lower(Account.name).like(like), func.lower(Account.external_id).like(like))
        )
    ):
        found[hit.id] = (100.0, None)
    choices: dict[int, str] = {}
    for i, row in enumerate(names):
        choices[2 * i] = row.name
        if row.external_id:
            choices[2 * i + 1] = row.external_id
    for _text, score, key in process.extract(
        wanted,
        choices,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=MAX_MATCHES,
        score_cutoff=FUZZY_CUTOFF,
    ):
        account_id = names[key // 2].id
        if account_id not in found or found[account_id][0] < score:
            found[account_id] = (float(score), None)
    person_choices = {i: row.name for i, row in enumerate(people)}
    for name, score, key in process.extract(
        wanted,
        person_choices,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=MAX_MATCHES,
        score_cutoff=max(FUZZY_CUTOFF, 80.0),
    ):
        account_id = people[key].account_id
        if account_id not in found or found[account_id][0] < score:
            found[account_id] = (float(score), f"person: {name}")
    return found


def _filtered(
    week: Any,
    owner_id: int | None,
    tier: str | None,
    kind: AccountKind | None,
    arrow: str | None,
    flag: Flag | None,
) -> Select[Account, HealthWeek]:
    query = select(Account, HealthWeek).outerjoin(
        HealthWeek, (HealthWeek.account_id == Account.id) & (HealthWeek.week_on == week)
    )
    if owner_id is not None:
        query = query.where(
            Account.id.in_(
                select(account_owner.c.account_id).where(account_owner.c.member_id == owner_id)
            )
        )
    if tier:
        query = query.where(Account.tier == tier)
    if kind is not None:
        query = query.where(Account.kind == kind)
    if arrow:
        query = query.where(HealthWeek.arrow == arrow)
    if flag is not None:
        query = query.where(getattr(HealthWeek, flag).is_(True))
    return query


def search_accounts(
    session: Session,
    text: str = "",
    *,
    owner_id: int | None = None,
    tier: str | None = None,
    kind: AccountKind | None = None,
    arrow: str | None = None,
    flag: Flag | None = None,
    offset: int = 0,
    limit: int = 50,
) -> AccountPage:
    """Accounts matching the typed text and the filters: best match first, else by name."""
    week = newest_week(session)
    query = _filtered(week, owner_id, tier, kind, arrow, flag)
    matches: dict[int, tuple[float, str | None]] | None = None
    if text.strip():
        matches = _matches(session, text)
        if not matches:
            return AccountPage(total=0, offset=offset, limit=limit, rows=[])
        query = query.where(Account.id.in_(list(matches)))
    if matches is None:
        total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
        rows = session.execute(
            query.order_by(Account.name, Account.id).offset(offset).limit(limit)
        ).all()
    else:
        every = list(session.execute(query).all())
        total = len(every)
        every.sort(key=lambda r: (-matches[r[0].id][0], r[0].name.lower(), r[0].id))
        rows = every[offset : offset + limit]
    ids = [account.id for account, _ in rows]
    owners: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for account_id, name in session.execute(
            select(account_owner.c.account_id, Member.name)
            .join(Member, Member.id == account_owner.c.member_id)
            .where(account_owner.c.account_id.in_(ids))
            .order_by(Member.name)
        ):
            owners[account_id].append(name)
    return AccountPage(
        total=total,
        offset=offset,
        limit=limit,
        rows=[
            AccountRow(
                id=account.id,
                name=account.name,
                external_id=account.external_id,
                kind=account.kind,
                tier=account.tier,
                owners=owners[account.id],
                health=health.health if health else None,
                arrow=health.arrow if health else None,
                top=bool(health and health.top),
                complacent=bool(health and health.complacent),
                neglected=bool(health and health.neglected),
                revenue_365_minor=health.revenue_365_minor if health else None,
                matched=matches[account.id][1] if matches else None,
            )
            for account, health in rows
        ],
    )


def tiers(session: Session) -> list[str]:
    """The tiers in use, for the filter."""
    return [t for t in session.scalars(select(Account.tier).distinct().order_by(Account.tier)) if t]
