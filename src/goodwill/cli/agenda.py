"""Today from the command line: the plan for the day, and doing, snoozing or dismissing items."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markdown import Markdown
from rich.markup import escape
from rich.table import Table

from goodwill.accounts.service import find_account
from goodwill.agenda.schemas import DayPlan, PlanItemOut
from goodwill.cli.common import (
    acting_as,
    command_session,
    console,
    member_named_or_acting,
    print_json,
)
from goodwill.cli.records import parse_day, parse_moment, today_or
from goodwill.config import get_settings
from goodwill.contacts.service import find_contact
from goodwill.errors import Invalid
from goodwill.members.service import acting_member
from goodwill.models import Channel, Value
from goodwill.models.plan import PlanStatus

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

_HOW = {
    Channel.CALL: "call",
    Channel.VISIT: "visit",
    Channel.SIT_DOWN: "sit down",
    Channel.NOTE: "handwritten note",
    Channel.EMAIL: "email",
    Channel.EVENT: "event",
    Channel.OTHER: "other",
}


def register(app: typer.Typer) -> None:
    """Add this group's commands to the app."""
    app.command("today")(today)
    app.command("done")(done)
    app.command("snooze")(snooze)
    app.command("dismiss")(dismiss)
    app.command("calendar")(calendar)
    app.command("brief")(brief)


def _reach(item: PlanItemOut) -> str:
    if item.reach is None:
        return f"[dim]no contact on record[/] · {_HOW[item.channel]}"
    r = item.reach
    title = f", {escape(r.title)}" if r.title else ""
    number = r.phone if r.channel != Channel.EMAIL else r.email
    how = f"{_HOW[r.channel]} {escape(number)}" if number else _HOW[r.channel]
    return f"{escape(r.name)}{title} · {how}"


def render_plan(plan: DayPlan) -> None:
    """Print a member's plan as a table, then each item's talking points."""
    act = "[green]done[/]" if plan.customer_act_done else "[yellow]not yet[/]"
    console.print(
        f"[bold]Today for {escape(plan.member)}[/] · {plan.day:%A %d %B %Y} · "
        f"{plan.done} done, {plan.open} to do · act for a customer: {act}"
    )
    if not plan.items:
        console.print("Nothing planned today: every account is in hand.")
        return
    table = Table(show_edge=False, show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("account")
    table.add_column("what to do")
    table.add_column("why", max_width=60)
    table.add_column("who and how", max_width=40)
    for item in plan.items:
        mark = {
            PlanStatus.OPEN: "",
            PlanStatus.DONE: " [green](done)[/]",
            PlanStatus.SNOOZED: f" [dim](snoozed to {item.snoozed_until})[/]",
            PlanStatus.DISMISSED: " [dim](dismissed)[/]",
        }[item.status]
        table.add_row(
            str(item.id),
            escape(item.account),
            f"{escape(item.action)}{mark}",
            escape(item.reason)
            + (
                f"\n[dim]also: {escape(', '.join(r.replace('-', ' ') for r in item.also))}[/]"
                if item.also
                else ""
            ),
            _reach(item),
        )
    console.print(table)
    for item in plan.items:
        if item.status == PlanStatus.OPEN and item.talking_points:
            console.print(f"[bold]{item.id}. {escape(item.account)}[/]: bring up")
            for point in item.talking_points:
                console.print(f"   • {escape(point)}")
    console.print(
        '[dim]Done one? goodwill done ITEM "what happened" · '
        "put it off: goodwill snooze ITEM --until DATE · "
        "drop it: goodwill dismiss ITEM --reason ..[/]"
    )


def today(
    ctx: typer.Context,
    member_name: Annotated[
        str | None, typer.Option("--member", help="Whose plan (name or e-mail); default: you.")
    ] = None,
    day_text: Annotated[
        str | None, typer.Option("--date", help="The day (YYYY-MM-DD); default today.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Your plan for the day: who to contact, why, how, and what to bring."""
    from goodwill.agenda.service import member_plan  # Polars and the scoring maths

    day = today_or(day_text, "--date")
    with command_session(ctx) as session:
        member = member_named_or_acting(session, ctx, member_name)
        plan = member_plan(session, member, day)
    if as_json:
        print_json(plan.model_dump(mode="json"))
        return
    render_plan(plan)


def done(
    ctx: typer.Context,
    item_id: Annotated[int, typer.Argument(metavar="ITEM", help="The plan item's number.")],
    summary: Annotated[str, typer.Argument(help="What happened, in a line.")],
    channel: Annotated[
        Channel | None, typer.Option("--channel", help="How, if not as planned.")
    ] = None,
    contacts: Annotated[
        list[str] | None, typer.Option("--contact", help="Who took part (repeatable).")
    ] = None,
    value: Annotated[Value, typer.Option("--value", help="What of value it gave.")] = Value.NONE,
    sentiment: Annotated[int, typer.Option("--sentiment", min=-2, max=2)] = 0,
    at: Annotated[str | None, typer.Option("--at", help="When (ISO); default now.")] = None,
    kept: Annotated[
        bool, typer.Option("--kept", help="The touch kept the promise the item is about.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Do a plan item: log the touch it asked for."""
    from goodwill.agenda.service import complete_item, item_account

    happened_at = parse_moment(at)
    with command_session(ctx) as session:
        member = acting_member(session, acting_as(ctx))
        contact_ids: list[int] = []
        if contacts:
            account = item_account(session, item_id)
            contact_ids = [find_contact(session, account, n).id for n in contacts]
        item = complete_item(
            session,
            item_id,
            member,
            summary,
            happened_at=happened_at,
            channel=channel,
            value=value,
            sentiment=sentiment,
            contact_ids=contact_ids,
            kept_promise=kept,
        )
    if as_json:
        print_json(item.model_dump(mode="json"))
        return
    console.print(f"Done: {escape(item.action)} at {escape(item.account)} (touch {item.touch_id}).")


def snooze(
    ctx: typer.Context,
    item_id: Annotated[int, typer.Argument(metavar="ITEM")],
    until: Annotated[str, typer.Option("--until", help="Bring it back on this day (YYYY-MM-DD).")],
    reason: Annotated[str, typer.Option("--reason", help="Why it waits.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Put a plan item off until a later day."""
    from goodwill.agenda.service import snooze_item

    day = parse_day(until, "--until")
    if day is None:
        raise Invalid("--until is required")
    with command_session(ctx) as session:
        member = acting_member(session, acting_as(ctx))
        item = snooze_item(session, item_id, member, day, reason)
    if as_json:
        print_json(item.model_dump(mode="json"))
        return
    console.print(f"Snoozed {escape(item.account)} until {day}.")


def dismiss(
    ctx: typer.Context,
    item_id: Annotated[int, typer.Argument(metavar="ITEM")],
    reason: Annotated[str, typer.Option("--reason", help="Why it does not apply.")],
    as_json: JsonOption = False,
) -> None:
    """Drop a plan item, saying why; the same advice stays away for a while."""
    from goodwill.agenda.service import dismiss_item

    with command_session(ctx) as session:
        member = acting_member(session, acting_as(ctx))
        item = dismiss_item(session, item_id, member, reason)
    if as_json:
        print_json(item.model_dump(mode="json"))
        return
    console.print(f"Dismissed {escape(item.title.lower())} for {escape(item.account)}.")


def calendar(
    ctx: typer.Context,
    member_name: Annotated[
        str | None, typer.Option("--member", help="Whose calendar (name or e-mail); default: you.")
    ] = None,
    start_text: Annotated[
        str | None, typer.Option("--from", help="First day (YYYY-MM-DD); default today.")
    ] = None,
    days: Annotated[int, typer.Option("--days", min=1, max=366, help="How many days.")] = 30,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the .ics here; default: print it.")
    ] = None,
) -> None:
    """Your plan and promise due dates as an iCalendar feed (.ics) for any calendar app."""
    from goodwill.agenda.calendar import member_calendar

    start = today_or(start_text, "--from")
    with command_session(ctx) as session:
        member = member_named_or_acting(session, ctx, member_name)
        feed = member_calendar(session, member, start, days)
    if output is None:
        sys.stdout.write(feed.decode("utf-8"))
        return
    output.write_bytes(feed)
    console.print(f"Wrote {output} ({feed.count(b'BEGIN:VEVENT')} events).")


def brief(
    ctx: typer.Context,
    account_name: Annotated[str, typer.Argument(metavar="ACCOUNT", help="Account name or id.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to FILE.md or FILE.html; default: show it."),
    ] = None,
    today_text: Annotated[
        str | None, typer.Option("--today", help="Take this day (YYYY-MM-DD) as today.")
    ] = None,
) -> None:
    """The meeting brief for a sit-down: questions to ask, people, value given, what we owe."""
    from goodwill.agenda.brief import account_brief, brief_html, brief_markdown

    day = today_or(today_text)
    currency = get_settings().currency
    with command_session(ctx) as session:
        account = find_account(session, account_name)
        gathered = account_brief(session, account.id, day)
    if output is None:
        console.print(Markdown(brief_markdown(gathered, currency)))
        return
    if output.suffix.lower() in (".html", ".htm"):
        output.write_text(brief_html(gathered, currency), encoding="utf-8")
    elif output.suffix.lower() in (".md", ".markdown", ".txt"):
        output.write_text(brief_markdown(gathered, currency), encoding="utf-8")
    else:
        raise Invalid(f"{output}: write the brief to a .md or .html file")
    console.print(f"Wrote {output}.")
