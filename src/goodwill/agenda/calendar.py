"""A member's calendar feed: the plan for the day and promise due dates, as iCalendar.

Built with the icalendar library so any calendar application (Outlook, Google, Apple) can
subscribe to it. Every event has a stable UID, so a refreshed feed updates events in place
instead of duplicating them.
"""

from __future__ import annotations

from datetime import date, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.models import Account, Member, Promise, PromiseStatus
from goodwill.models.plan import PlanItem, PlanStatus
from goodwill.models.types import utcnow

_DOMAIN = "goodwill.local"


def member_calendar(session: Session, member: Member, start: date, days: int = 30) -> bytes:
    """The member's plan items from ``start`` on and their open promises, as an .ics file."""
    end = start + timedelta(days=days)
    calendar = Calendar()
    calendar.add("prodid", "-//Goodwill//Today//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Goodwill: {member.name}")
    stamp = utcnow()
    items = session.execute(
        select(PlanItem, Account.name)
        .join(Account, Account.id == PlanItem.account_id)
        .where(
            PlanItem.member_id == member.id,
            PlanItem.day >= start,
            PlanItem.day < end,
            PlanItem.status.in_([PlanStatus.OPEN, PlanStatus.DONE]),
        )
        .order_by(PlanItem.day, PlanItem.position)
    ).all()
    for item, account in items:
        event = Event()
        event.add("uid", f"plan-item-{item.id}@{_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.day)
        event.add("dtend", item.day + timedelta(days=1))
        event.add("summary", f"{item.action}: {account}")
        event.add("description", item.reason)
        event.add("categories", [item.rule])
        event.add("status", "CONFIRMED" if item.status == PlanStatus.OPEN else "CANCELLED")
        calendar.add_component(event)
    promises = session.execute(
        select(Promise, Account.name)
        .join(Account, Account.id == Promise.account_id)
        .where(
            Promise.member_id == member.id,
            Promise.status == PromiseStatus.OPEN,
            Promise.due_on < end,
        )
        .order_by(Promise.due_on, Promise.id)
    ).all()
    for promise, account in promises:
        event = Event()
        event.add("uid", f"promise-{promise.id}@{_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", promise.due_on)
        event.add("dtend", promise.due_on + timedelta(days=1))
        overdue = " (overdue)" if promise.due_on < start else ""
        event.add("summary", f"Promise due{overdue}: {account}")
        event.add("description", promise.what)
        event.add("categories", ["promise"])
        calendar.add_component(event)
    return bytes(calendar.to_ical())
