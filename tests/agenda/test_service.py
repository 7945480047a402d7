"""Today on a small crafted world, on SQLite and PostgreSQL: making, keeping and settling plans."""

from __future__ import annotations

import threading
from datetime import timedelta

import polars as pl
import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill.agenda.brief import account_brief, brief_html, brief_markdown
from goodwill.agenda.calendar import member_calendar
from goodwill.agenda.features import features_frame
from goodwill.agenda.service import (
    _talking_points,
    complete_item,
    dismiss_item,
    ensure_plans,
    member_plan,
    snooze_item,
)
from goodwill.db import session_scope
from goodwill.errors import Conflict, Forbidden, Invalid
from goodwill.models import (
    AuditEvent,
    Channel,
    Contact,
    HealthWeek,
    Member,
    PlanItem,
    PlanStatus,
    Promise,
    PromiseStatus,
    Quote,
    ScoringRun,
    Touch,
    Value,
)
from goodwill.scoring import rollups
from tests.agenda.world import DAY, NOON, World, build_world


@pytest.fixture
def world(session: Session) -> World:
    """The crafted world (see tests/agenda/world.py)."""
    return build_world(session)


def test_features_read_the_crafted_world(session: Session, world: World) -> None:
    frame = features_frame(session, DAY).sort("account_id")
    rows = {r["account_id"]: r for r in frame.iter_rows(named=True)}
    acme, birch, cedar = world.acme, world.birch, world.cedar
    assert rows[acme.id]["promise_due_days"] == 1
    assert rows[birch.id]["open_quote_days"] == 10
    assert rows[cedar.id]["days_since_order"] == 200
    assert rows[acme.id]["days_since_order"] == 20
    assert rows[acme.id]["days_since_touch"] == 5
    assert rows[acme.id]["owners"] == [world.ann.id]
    assert rows[cedar.id]["owners"] == []


def test_each_member_gets_their_plan_with_reasons_and_who_to_reach(
    session: Session, world: World
) -> None:
    ann = world.ann
    plan = member_plan(session, ann, DAY)
    by_account = {i.account: i for i in plan.items}
    assert by_account["Acme Tools"].rule == "promise-due"
    assert "due in 1 day" in by_account["Acme Tools"].reason
    assert by_account["Birch Supply"].rule == "quote-follow-up"
    assert "open 10 days" in by_account["Birch Supply"].reason
    # The promise outranks the quote: priority 10 against 8 (x 1.2 for its age).
    assert plan.items[0].account == "Acme Tools"
    reach = by_account["Acme Tools"].reach
    assert reach is not None
    assert reach.name == "Sam Roe"
    assert reach.channel == Channel.CALL
    points = " | ".join(by_account["Acme Tools"].talking_points)
    assert "open a second plant" in points
    assert "send the torque specs" in points
    # Cedar has no owner: it goes to exactly one member.
    cedar_items = session.scalars(
        select(PlanItem).where(PlanItem.account_id == world.cedar.id)
    ).all()
    assert len(cedar_items) == 1
    assert cedar_items[0].rule == "neglected-customer"
    assert "last order 200 days ago" in cedar_items[0].reason


def test_the_plan_is_stable_during_the_day(session: Session, world: World) -> None:
    ann = world.ann
    first = member_plan(session, ann, DAY)
    session.add(
        Promise(
            account_id=world.cedar.id,
            member_id=ann.id,
            what="call back",
            made_on=DAY,
            due_on=DAY,
        )
    )
    session.flush()
    assert ensure_plans(session, DAY) == 0
    again = member_plan(session, ann, DAY)
    assert [i.id for i in again.items] == [i.id for i in first.items]
    assert [i.rule for i in again.items] == [i.rule for i in first.items]
    assert (
        session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "plan")
        )
        == 1
    )


def test_completing_an_item_logs_the_touch_linked_to_its_promise(
    session: Session, world: World
) -> None:
    ann = world.ann
    item = next(i for i in member_plan(session, ann, DAY).items if i.rule == "promise-due")
    done = complete_item(
        session, item.id, ann, "sent the specs", happened_at=NOON, value=Value.INFORMATION
    )
    assert done.status == PlanStatus.DONE
    touch = session.get(Touch, done.touch_id)
    assert touch is not None
    assert touch.channel == Channel.CALL
    promise = session.scalars(select(Promise).where(Promise.account_id == item.account_id)).one()
    assert touch.promise_id == promise.id
    assert promise.status == PromiseStatus.OPEN  # linked, not kept: kept_promise was not said
    plan = member_plan(session, ann, DAY)
    assert plan.done == 1
    assert plan.customer_act_done
    assert plan.open == len(plan.items) - 1
    with pytest.raises(Conflict, match="already done"):
        complete_item(session, item.id, ann, "again", happened_at=NOON)
    # The rollups moved with the touch: the value given today is on record.
    row = rollups.rollup_rows(session, [item.account_id], DAY)[item.account_id]
    assert row is not None


def test_doing_an_overdue_promise_item_can_keep_the_promise(session: Session, world: World) -> None:
    ann = world.ann
    later = DAY + timedelta(days=5)  # Acme's promise was due DAY + 1: four days overdue
    items = member_plan(session, ann, later).items
    item = next(i for i in items if i.rule == "promise-overdue")
    other = next(i for i in items if i.rule not in ("promise-overdue", "promise-due"))
    touches = session.scalar(select(func.count()).select_from(Touch))
    with pytest.raises(Invalid, match="not about an open promise"):
        complete_item(session, other.id, ann, "x", happened_at=NOON, kept_promise=True)
    assert session.scalar(select(func.count()).select_from(Touch)) == touches
    done = complete_item(
        session,
        item.id,
        ann,
        "brought the specs round",
        happened_at=NOON + timedelta(days=5),
        kept_promise=True,
    )
    promise = session.scalars(select(Promise).where(Promise.account_id == item.account_id)).one()
    touch = session.get(Touch, done.touch_id)
    assert touch is not None
    assert touch.promise_id == promise.id
    assert promise.status == PromiseStatus.KEPT_LATE
    assert promise.done_on == later


def test_the_quote_follow_up_links_the_quote(session: Session, world: World) -> None:
    ann = world.ann
    item = next(i for i in member_plan(session, ann, DAY).items if i.rule == "quote-follow-up")
    done = complete_item(session, item.id, ann, "they want it in March", happened_at=NOON)
    touch = session.get(Touch, done.touch_id)
    quote = session.scalars(select(Quote).where(Quote.external_id == "Q-7")).one()
    assert touch is not None
    assert touch.quote_id == quote.id


def test_only_the_owner_or_a_manager_settles_an_item(session: Session, world: World) -> None:
    ann, mia, ola = world.ann, world.mia, world.ola
    item = member_plan(session, ann, DAY).items[0]
    touches = session.scalar(select(func.count()).select_from(Touch))
    with pytest.raises(Forbidden):
        complete_item(session, item.id, ola, "not mine", happened_at=NOON)
    assert session.scalar(select(func.count()).select_from(Touch)) == touches
    assert session.get(PlanItem, item.id).status == PlanStatus.OPEN  # type: ignore[union-attr]
    assert (
        dismiss_item(session, item.id, mia, "handled at the trade show").status
        == PlanStatus.DISMISSED
    )


def test_a_dismissed_item_stays_away_for_the_dismissal_days(session: Session, world: World) -> None:
    ann = world.ann
    item = next(i for i in member_plan(session, ann, DAY).items if i.rule == "quote-follow-up")
    with pytest.raises(Invalid, match="say why"):
        dismiss_item(session, item.id, ann, "  ")
    dismiss_item(session, item.id, ann, "they asked us to wait for their budget")
    tomorrow = DAY + timedelta(days=1)
    assert all(
        not (i.account_id == item.account_id and i.rule == "quote-follow-up")
        for i in member_plan(session, ann, tomorrow).items
    )
    later = DAY + timedelta(days=31)
    assert any(
        i.account_id == item.account_id and i.rule == "quote-follow-up"
        for i in member_plan(session, ann, later).items
    )


def test_a_snoozed_account_comes_back_on_its_day(session: Session, world: World) -> None:
    ann = world.ann
    item = next(i for i in member_plan(session, ann, DAY).items if i.rule == "promise-due")
    with pytest.raises(Invalid):
        snooze_item(session, item.id, ann, DAY)
    snooze_item(session, item.id, ann, DAY + timedelta(days=3), "back from holiday on the 26th")
    assert item.account_id not in {
        i.account_id for i in member_plan(session, ann, DAY + timedelta(days=1)).items
    }
    assert item.account_id in {
        i.account_id for i in member_plan(session, ann, DAY + timedelta(days=3)).items
    }


def test_the_calendar_feed_parses_back(session: Session, world: World) -> None:
    ann = world.ann
    plan = member_plan(session, ann, DAY)
    feed = Calendar.from_ical(member_calendar(session, ann, DAY, days=14))
    events = list(feed.walk("VEVENT"))
    uids = {str(e["UID"]) for e in events}
    assert {f"plan-item-{i.id}@goodwill.local" for i in plan.items} <= uids
    promise = next(e for e in events if str(e["UID"]).startswith("promise-"))
    assert promise.decoded("DTSTART") == DAY + timedelta(days=1)
    assert "Acme Tools" in str(promise["SUMMARY"])


def test_the_brief_asks_the_standard_questions_and_escapes_notes(
    session: Session, world: World
) -> None:
    acme = world.acme
    gathered = account_brief(session, acme.id, DAY)
    text = brief_markdown(gathered, "USD")
    assert "What are your goals for the coming quarter?" in text
    assert "drawing board" in text
    assert "<script>" not in text
    assert "send the torque specs" in text
    page = brief_html(gathered, "USD")
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "<h2>Questions to ask</h2>" in page


def test_promise_status_is_untouched_by_planning(session: Session, world: World) -> None:
    ann = world.ann
    member_plan(session, ann, DAY)
    assert session.scalars(select(Promise.status)).all() == [PromiseStatus.OPEN]


def test_the_first_plan_of_a_week_scores_the_week_first(session: Session, world: World) -> None:
    assert session.scalar(select(func.count()).select_from(ScoringRun)) == 0
    member_plan(session, world.ann, DAY)
    run = session.scalars(select(ScoringRun)).one()
    assert run.week_on == DAY - timedelta(days=DAY.weekday())
    assert session.scalar(select(func.count()).select_from(HealthWeek)) == 3


def test_an_empty_database_scores_and_plans_nothing(session: Session) -> None:
    ann = Member(name="Ann Smith", email="ann@acme-tools.com")
    session.add(ann)
    session.flush()
    plan = member_plan(session, ann, DAY)
    assert plan.items == []
    assert plan.open == 0
    assert session.scalar(select(func.count()).select_from(ScoringRun)) == 1


def test_an_account_dismissed_today_goes_to_nobody_else_today(
    session: Session, world: World
) -> None:
    ann = world.ann
    items = member_plan(session, ann, DAY).items
    for item in items:
        dismiss_item(session, item.id, ann, "handled at the trade show")
    # Someone joins the team the same day: their first look makes their plan.
    newcomer = Member(name="Nia New", email="nia@goodwill-test.com")
    session.add(newcomer)
    session.flush()
    plan = member_plan(session, newcomer, DAY)
    assert {i.account_id for i in items}.isdisjoint({i.account_id for i in plan.items})
    # And looking again changes nothing (no second plan, no clash on the day's accounts).
    assert member_plan(session, newcomer, DAY).items == plan.items


def test_an_empty_plan_is_made_once_not_on_every_look(session: Session, world: World) -> None:
    from goodwill.agenda.queries import members_without_plan

    ensure_plans(session, DAY)
    # Someone joins after every account with something to do was given out today.
    newcomer = Member(name="Nia New", email="nia@goodwill-test.com")
    session.add(newcomer)
    session.flush()
    assert list(session.scalars(members_without_plan(DAY))) == [newcomer.id]
    plan = member_plan(session, newcomer, DAY)
    assert plan.items == []
    # Their empty plan counts as made: the next look reads it instead of planning again.
    assert list(session.scalars(members_without_plan(DAY))) == []
    assert ensure_plans(session, DAY) == 0


def test_days_to_the_first_orders_anniversary(session: Session, world: World) -> None:
    """Today, later this year, next year once passed, and the 28th for the 29th to 31st."""
    from datetime import date

    from goodwill.agenda.features import _days_to_anniversary

    days = _days_to_anniversary(date(2026, 11, 23))
    assert days[11 * 100 + 23] == 0
    assert days[12 * 100 + 1] == 8
    assert days[11 * 100 + 22] == 364  # passed yesterday: next year's
    assert days[1 * 100 + 31] == (date(2027, 1, 28) - date(2026, 11, 23)).days
    assert days[2 * 100 + 29] == (date(2027, 2, 28) - date(2026, 11, 23)).days
    frame = features_frame(session, DAY)
    query = sql_text("SELECT account_id, first_order_on FROM account_rollup")
    firsts: dict[int, object] = dict(session.execute(query).all())  # type: ignore[arg-type]
    for row in frame.iter_rows(named=True):
        stored = firsts.get(row["account_id"])
        if stored is None:
            assert row["anniversary_in_days"] is None
            continue
        first = date.fromisoformat(str(stored)[:10])
        due = date(DAY.year, first.month, min(first.day, 28))
        if due < DAY:
            due = date(DAY.year + 1, first.month, min(first.day, 28))
        assert row["anniversary_in_days"] == (due - DAY).days


def test_birthdays_of_the_coming_week_are_found_through_their_index(session: Session) -> None:
    """Today to 7 days ahead count, 8 do not, the year born does not matter, a 29 February
    birthday comes on the 28th in a common year; the query reads migration 0008's index."""
    from datetime import date

    from goodwill.agenda.features import BIRTHDAY_WINDOW, _birthday_query
    from goodwill.bulk import dialect_name
    from tests.agenda.world import customer, person

    ann = person(session, "Ann Born")
    born = {
        "today": date(1980, 11, 23),
        "in a week": date(1975, 11, 30),
        "too late": date(1990, 12, 1),
        "yesterday": date(1985, 11, 22),
        "leap day": date(1988, 2, 29),
        "unknown": None,
    }
    accounts = {}
    for label, birthday in born.items():
        account = customer(session, f"Born {label}", ann)
        session.add(Contact(account_id=account.id, name=f"Person {label}", birthday=birthday))
        accounts[label] = account.id
    session.flush()
    days = {
        r["account_id"]: r["birthday_in_days"]
        for r in features_frame(session, DAY).iter_rows(named=True)
    }
    assert days[accounts["today"]] == 0
    assert days[accounts["in a week"]] == 7
    for label in ("too late", "yesterday", "leap day", "unknown"):
        assert days[accounts[label]] is None, label
    in_february = features_frame(session, date(2027, 2, 25))
    leap = in_february.filter(pl.col("account_id") == accounts["leap day"])
    assert leap["birthday_in_days"].to_list() == [3]  # 28 February 2027

    dialect = dialect_name(session)
    (sql, params, _), _ = _birthday_query(dialect, DAY, BIRTHDAY_WINDOW)
    if dialect == "postgresql":  # a handful of rows: make the planner show what it can use
        session.execute(sql_text("SET LOCAL enable_seqscan = off"))
        plan = session.execute(sql_text(f"EXPLAIN {sql}"), params).scalars().all()
    else:
        plan = [r[-1] for r in session.execute(sql_text(f"EXPLAIN QUERY PLAN {sql}"), params)]
    assert any("ix_contact_birthday_month_day" in line for line in plan), plan


def test_the_talking_points_bring_the_latest_touch_of_value(session: Session, world: World) -> None:
    """The newest touch that gave something, not a newer one that gave nothing nor an older."""
    acme = world.acme
    for days, summary, value in [
        (40, "sent the old price list", Value.INFORMATION),
        (12, "introduced them to a freight forwarder", Value.INTRODUCTION),
        (2, "quick hello", Value.NONE),
    ]:
        session.add(
            Touch(
                account_id=acme.id,
                member_id=world.ann.id,
                channel=Channel.CALL,
                happened_at=NOON - timedelta(days=days),
                summary=summary,
                value=value,
            )
        )
    session.flush()
    points = _talking_points(session, [acme.id, world.cedar.id], DAY)
    given = [p for p in points[acme.id] if p.startswith("last value we gave")]
    assert given == ["last value we gave, 5 days ago (information): checked in"], (
        "the world's own touch 5 days ago is the newest of value"
    )
    session.execute(sql_text("DELETE FROM touch WHERE summary = 'checked in'"))
    session.expire_all()
    points = _talking_points(session, [acme.id], DAY)
    given = [p for p in points[acme.id] if p.startswith("last value we gave")]
    assert given == [
        "last value we gave, 12 days ago (introduction): introduced them to a freight forwarder"
    ]


def test_two_first_looks_at_once_make_the_days_plans_once(
    engine: Engine, session: Session, world: World
) -> None:
    """The morning's first looks at Today arrive together (threads of one server, or several
    servers): one makes the plans, the other finds them made; neither fails."""
    session.commit()
    made: list[int] = []
    failed: list[BaseException] = []

    def first_look() -> None:
        try:
            with session_scope(actor="test", engine=engine) as writer:
                made.append(ensure_plans(writer, DAY))
        except BaseException as exc:
            failed.append(exc)

    looks = [threading.Thread(target=first_look) for _ in range(2)]
    for look in looks:
        look.start()
    for look in looks:
        look.join(timeout=120)
    assert not failed, failed
    assert min(made) == 0
    assert max(made) > 0
    with session_scope(actor="test", engine=engine) as reader:
        items = reader.scalars(select(PlanItem).where(PlanItem.day == DAY)).all()
        assert len(items) == made[0] + made[1]
        assert len({(i.member_id, i.position) for i in items}) == len(items)
