"""Today: make each member's plan for the day, show it, and settle its items.

A day's plans are made once, for every active member at the same time (so unowned accounts
are shared fairly), and then kept: looking again shows the same plan, and items leave it
only by being done, snoozed or dismissed. The features come from the latest scores
(``agenda.features``), the rules from the playbook, the choice from ``agenda.plan``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import insert
from sqlalchemy.orm import Session

from goodwill.agenda import queries
from goodwill.agenda.features import features_frame, latest_scored_week
from goodwill.agenda.plan import make_plans, rule_column
from goodwill.agenda.playbook import (
    ACCOUNT_COLUMNS,
    PROMISE_RULES,
    Playbook,
    explain,
    fired,
    load_playbook,
)
from goodwill.agenda.schemas import DayPlan, PlanItemOut, Reach
from goodwill.bulk import day_text, dialect_name, insert_rows, moment_text
from goodwill.config import get_settings
from goodwill.db import serialized
from goodwill.errors import Conflict, Forbidden, Invalid, NotFound
from goodwill.models import Account, Channel, Member, Role, Value
from goodwill.models.audit import audit_event
from goodwill.models.plan import PlanDay, PlanItem, PlanStatus
from goodwill.models.types import utcnow
from goodwill.programs.today import (
    Pick,
    held_out,
    is_quote_follow_up,
    link_targets,
    pick_targets,
    program_rule,
)
from goodwill.promises.service import keep_promise
from goodwill.scoring.service import score, week_of
from goodwill.teamsettings import effective_settings, team_playbook
from goodwill.touches.schemas import TouchIn
from goodwill.touches.service import log_touch

# Email last: the essays ask us to call, visit and sit down rather than write.
_REACH_ORDER = {
    Channel.SIT_DOWN: 0,
    Channel.VISIT: 1,
    Channel.CALL: 2,
    Channel.NOTE: 3,
    Channel.EVENT: 4,
    Channel.OTHER: 5,
    Channel.EMAIL: 6,
}


def current_playbook(session: Session | None = None) -> Playbook:
    """The playbook in force: the team's file if GOODWILL_PLAYBOOK is set, else the default,
    with the changes an admin made in the app (rules on or off, priorities) when a session
    is given."""
    playbook = load_playbook(get_settings().playbook)
    return team_playbook(session, playbook) if session is not None else playbook


def ensure_plans(session: Session, day: date, playbook: Playbook | None = None) -> int:
    """Make the plan of ``day`` for every active member who has none yet; returns items made.

    Plans (and the week's scores they may need first) are made by one transaction at a
    time: the morning's first looks at Today arrive together, and the later ones then find
    the plans made.
    """
    serialized(session, f"goodwill plans {day.isoformat()}")
    settings = effective_settings(session)
    member_ids = list(session.scalars(queries.members_without_plan(day)))
    if not member_ids:
        return 0
    playbook = playbook or current_playbook(session)
    if latest_scored_week(session, day) != week_of(day):
        score(session, day)  # the plan reads this week's scores: make them first
    features = features_frame(session, day)
    candidates = fired(playbook, features, keep=ACCOUNT_COLUMNS)
    whole: set[int] = set()
    per_rule: dict[str, set[int]] = defaultdict(set)
    dismissed_since = day - timedelta(days=settings.dismiss_days)
    for account_id, rule_name, status, item_day in session.execute(
        queries.exclusions(day, dismissed_since)
    ):
        # An account already on anyone's plan of the day stays off every other plan of it,
        # even when that item was dismissed: one account, one person, one day.
        if status == PlanStatus.DISMISSED and item_day != day:
            per_rule[rule_name].add(account_id)
        else:
            whole.add(account_id)
    if whole:
        candidates = candidates.filter(~pl.col("account_id").is_in(list(whole)))
    held = held_out(session, day)  # a program's holdout gets nothing of its channel
    for rule in playbook.enabled():
        per_rule[rule.name] |= held.get(rule.channel, set())
    blocked = [
        pl.when(pl.col("account_id").is_in(list(ids)))
        .then(None)
        .otherwise(pl.col(rule_column(name)))
        .alias(rule_column(name))
        for name, ids in per_rule.items()
        if ids and rule_column(name) in candidates.columns
    ]
    if blocked:
        candidates = candidates.with_columns(blocked)
    # Outreach programs go first: their accounts leave the playbook's candidates and their
    # items take room in the plans (see programs.today).
    picks = pick_targets(session, day, member_ids, settings.daily_capacity, whole, features)
    program_items: dict[int, int] = defaultdict(int)
    for pick in picks:
        program_items[pick.member_id] += 1
    if picks:
        candidates = candidates.filter(~pl.col("account_id").is_in([p.account_id for p in picks]))
    members = pl.DataFrame(
        {
            "member_id": member_ids,
            "capacity": [settings.daily_capacity - program_items[m] for m in member_ids],
        },
        schema={"member_id": pl.Int64, "capacity": pl.Int64},
    )
    priorities = {rule.name: rule.priority for rule in playbook.enabled()}
    plans = make_plans(candidates, priorities, members, day)
    # Each member's plan of the day is made now, even if it came out empty (see PlanDay).
    session.execute(
        insert(PlanDay), [{"day": day, "member_id": m, "made_at": utcnow()} for m in member_ids]
    )
    if plans.height == 0 and not picks:
        return 0
    rules = {rule.name: rule for rule in playbook.rules}
    planned = features.filter(pl.col("account_id").is_in(plans["account_id"].implode()))
    chosen = plans.join(planned, on="account_id", how="left")
    now = moment_text(utcnow(), dialect_name(session))
    rows: list[tuple[Any, ...]] = _program_rows(picks, features, day, now)
    for row in chosen.iter_rows(named=True):
        rule = rules[row["rule"]]
        rows.append(
            (
                row["member_id"],
                day_text(day),
                row["position"] + program_items[row["member_id"]],
                row["account_id"],
                rule.name,
                ",".join(row["also"]),
                rule.title,
                rule.action,
                rule.channel.value,
                explain(rule, row),
                float(row["score"]),
                PlanStatus.OPEN.value,
                "",
                now,
            )
        )
    columns = [
        "member_id",
        "day",
        "position",
        "account_id",
        "rule",
        "also",
        "title",
        "action",
        "channel",
        "reason",
        "score",
        "status",
        "note",
        "created_at",
    ]
    made = insert_rows(session, PlanItem.__tablename__, columns, rows)
    link_targets(session, day, picks)
    audit_event(
        session,
        "plan",
        PlanItem.__tablename__,
        after={"day": day.isoformat(), "members": len(member_ids), "items": made},
    )
    return made


def _program_rows(
    picks: Sequence[Pick], features: pl.DataFrame, day: date, now: str
) -> list[tuple[Any, ...]]:
    """Plan rows for the day's program picks, first in each member's plan, in draw order."""
    if not picks:
        return []
    wanted = [p.account_id for p in picks]
    facts = {
        row["account_id"]: row
        for row in features.filter(pl.col("account_id").is_in(wanted)).iter_rows(named=True)
    }
    positions: dict[int, int] = defaultdict(int)
    rows: list[tuple[Any, ...]] = []
    for pick in picks:
        rule = program_rule(pick.program)
        positions[pick.member_id] += 1
        rows.append(
            (
                pick.member_id,
                day_text(day),
                positions[pick.member_id],
                pick.account_id,
                rule.name,
                "",
                rule.title,
                rule.action,
                rule.channel.value,
                explain(rule, facts.get(pick.account_id, {})),
                10.0,
                PlanStatus.OPEN.value,
                "",
                now,
            )
        )
    return rows


def _reach(contacts: Sequence[Any], channel: Channel) -> Reach | None:
    """The best person to reach: one who prefers the item's channel, else the richest channel.

    ``contacts``: rows of the people's columns (``queries.contacts_bound``).
    """
    if not contacts:
        return None

    def rank(contact: Any) -> tuple[int, int, int]:
        preferred = contact.preferred_channel
        return (
            0 if preferred == channel else 1,
            _REACH_ORDER.get(preferred, 5) if preferred else 5,
            contact.id,
        )

    best = min(contacts, key=rank)
    how = best.preferred_channel or Channel.CALL
    if how in (Channel.EVENT, Channel.OTHER):
        how = Channel.CALL
    if how == Channel.EMAIL and best.phone:
        how = Channel.CALL  # email last: if we can call, call
    if how == Channel.CALL and not best.phone:
        how = Channel.EMAIL
    return Reach(
        contact_id=best.id,
        name=best.name,
        title=best.title,
        channel=how,
        phone=best.phone,
        email=best.email,
    )


def _talking_points(session: Session, account_ids: list[int], day: date) -> dict[int, list[str]]:
    """What to bring to each account: goals, last value given, open quotes and promises, people."""
    points: dict[int, list[str]] = defaultdict(list)
    seen_kinds: dict[int, set[str]] = defaultdict(set)
    bound = {"account_ids": account_ids}
    for fact in session.execute(queries.talking_facts_bound(), bound):
        if fact.kind.value in seen_kinds[fact.account_id]:
            continue
        seen_kinds[fact.account_id].add(fact.kind.value)
        label = fact.kind.value.replace("_", " ")
        period = f" ({fact.period})" if fact.period else ""
        points[fact.account_id].append(f"{label}{period}: {fact.text}")
    for touch in session.execute(queries.last_value_touches_bound(), bound):
        days = (day - touch.happened_at.astimezone(UTC).date()).days
        value = Value(touch.value).value.replace("_", " ")
        points[touch.account_id].append(
            f"last value we gave, {days} days ago ({value}): {touch.summary}"
        )
    quotes: dict[int, list[str]] = defaultdict(list)
    for quote in session.execute(queries.open_quotes_bound(), bound):
        age = (day - quote.quoted_on).days
        what = f": {quote.description}" if quote.description else ""
        quotes[quote.account_id].append(f"open quote, {age} days old{what}")
    promises: dict[int, list[str]] = defaultdict(list)
    for promise in session.execute(queries.open_promises_bound(), bound):
        due = (promise.due_on - day).days
        when = f"due in {due} days" if due >= 0 else f"{-due} days overdue"
        promises[promise.account_id].append(f"open promise, {when}: {promise.what}")
    for account_id in account_ids:
        points[account_id].extend(quotes[account_id][:2] + promises[account_id][:2])
    return points


def _items_out(session: Session, rows: Sequence[Any], day: date) -> list[PlanItemOut]:
    """Plan items out of rows of ``queries.plan_items_bound`` (or ``plan_item_bound``)."""
    account_ids = sorted({row.account_id for row in rows})
    contacts: dict[int, list[Any]] = defaultdict(list)
    if account_ids:
        for contact in session.execute(queries.contacts_bound(), {"account_ids": account_ids}):
            contacts[contact.account_id].append(contact)
    points = _talking_points(session, account_ids, day) if account_ids else {}
    return [
        PlanItemOut(
            id=row.id,
            member_id=row.member_id,
            member=row.member_name,
            day=row.day,
            position=row.position,
            account_id=row.account_id,
            account=row.account_name,
            rule=row.rule,
            title=row.title,
            action=row.action,
            channel=row.channel,
            reason=row.reason,
            also=[r for r in row.also.split(",") if r],
            status=row.status,
            note=row.note,
            snoozed_until=row.snoozed_until,
            touch_id=row.touch_id,
            reach=_reach(contacts[row.account_id], row.channel),
            talking_points=points.get(row.account_id, [])[:6],
        )
        for row in rows
    ]


def member_plan(session: Session, member: Member, day: date, *, make: bool = True) -> DayPlan:
    """The member's plan for ``day``, made first if the day has no plans yet (unless
    ``make`` is false: then only what is stored)."""
    bound = {"member_id": member.id, "day": day}
    rows = session.execute(queries.plan_items_bound(), bound).all()
    if not rows and member.active and make:
        ensure_plans(session, day)
        rows = session.execute(queries.plan_items_bound(), bound).all()
    items = _items_out(session, rows, day)
    account_ids = [i.account_id for i in items]
    customer_ids = (
        set(session.scalars(queries.customers_bound(), {"account_ids": account_ids}))
        if items
        else set()
    )
    return DayPlan(
        member_id=member.id,
        member=member.name,
        day=day,
        items=items,
        done=sum(1 for i in items if i.status == PlanStatus.DONE),
        open=sum(1 for i in items if i.status == PlanStatus.OPEN),
        customer_act_done=any(
            i.status == PlanStatus.DONE and i.account_id in customer_ids for i in items
        ),
    )


def _item_for(session: Session, item_id: int, actor: Member, verb: str) -> PlanItem:
    item = session.get(PlanItem, item_id, with_for_update=True)
    if item is None:
        raise NotFound(f"no plan item {item_id} (see: goodwill today)")
    if item.member_id != actor.id and actor.role not in (Role.MANAGER, Role.ADMIN):
        raise Forbidden(f"plan item {item_id} is someone else's; only a manager can {verb} it")
    if item.status != PlanStatus.OPEN:
        raise Conflict(f"plan item {item_id} is already {item.status.value}; it cannot be {verb}")
    return item


def item_account(session: Session, item_id: int) -> Account:
    """The account a plan item is about, or NotFound."""
    item = session.get(PlanItem, item_id)
    if item is None:
        raise NotFound(f"no plan item {item_id} (see: goodwill today)")
    account = session.get(Account, item.account_id)
    assert account is not None  # the foreign key holds
    return account


def get_item(session: Session, item_id: int) -> PlanItemOut:
    """One plan item, or NotFound."""
    row = session.execute(queries.plan_item_bound(), {"item_id": item_id}).one_or_none()
    if row is None:
        raise NotFound(f"no plan item {item_id} (see: goodwill today)")
    return _items_out(session, [row], row.day)[0]


def complete_item(
    session: Session,
    item_id: int,
    actor: Member,
    summary: str,
    *,
    happened_at: datetime,
    channel: Channel | None = None,
    value: Value = Value.NONE,
    sentiment: int = 0,
    contact_ids: Sequence[int] = (),
    kept_promise: bool = False,
) -> PlanItemOut:
    """Do a plan item: log the touch it asked for, linked to the quote or promise it was about.

    An item about a promise (``PROMISE_RULES``) links the touch to the account's open
    promise soonest due (the overdue one first); with ``kept_promise`` the touch also keeps
    it, on the day the touch happened. Without it the promise stays open (the call may have
    been to say when instead).
    """
    item = _item_for(session, item_id, actor, "done")
    quote_id = None
    promise_id = None
    if item.rule == "quote-follow-up" or is_quote_follow_up(session, item.rule):
        quote_id = session.scalar(queries.unfollowed_quote(item.account_id))
    if item.rule in PROMISE_RULES:
        promise = session.scalars(queries.open_promises_of([item.account_id])).first()
        promise_id = promise.id if promise else None
    if kept_promise and promise_id is None:
        raise Invalid(f"plan item {item_id} is not about an open promise: nothing to keep")
    touch = log_touch(
        session,
        TouchIn(
            account_id=item.account_id,
            member_id=actor.id,
            summary=summary,
            channel=channel or item.channel,
            value=value,
            sentiment=sentiment,
            happened_at=happened_at,
            contact_ids=list(contact_ids),
            quote_id=quote_id,
            promise_id=promise_id,
        ),
    )
    if kept_promise and promise_id is not None:
        keep_promise(session, promise_id, happened_at.date())
    item.status = PlanStatus.DONE
    item.touch_id = touch.id
    item.settled_at = utcnow()
    session.flush()
    return get_item(session, item_id)


def snooze_item(
    session: Session, item_id: int, actor: Member, until: date, note: str = ""
) -> PlanItemOut:
    """Put a plan item off: its account stays off every plan until ``until``."""
    item = _item_for(session, item_id, actor, "snoozed")
    if until <= item.day:
        raise Invalid(f"snooze until a day after {item.day}, not {until}")
    item.status = PlanStatus.SNOOZED
    item.snoozed_until = until
    item.note = note.strip()
    item.settled_at = utcnow()
    session.flush()
    return get_item(session, item_id)


def dismiss_item(session: Session, item_id: int, actor: Member, note: str) -> PlanItemOut:
    """Drop a plan item with a reason; its rule stays quiet for the account for a while."""
    item = _item_for(session, item_id, actor, "dismissed")
    if not note.strip():
        raise Invalid("say why the item is dismissed")
    item.status = PlanStatus.DISMISSED
    item.note = note.strip()
    item.settled_at = utcnow()
    session.flush()
    return get_item(session, item_id)
