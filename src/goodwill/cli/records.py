"""The customer record from the command line: members, accounts, touches and promises.

Commands resolve what was typed (an account's name, a person's name) and render what the
services return; the services do the work, so the web app does the same thing.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from goodwill.accounts.schemas import AccountOverview, FactOut, QuoteOut
from goodwill.accounts.service import account_overview, find_account
from goodwill.cli.common import acting_as, command_session, console, print_json
from goodwill.config import get_settings
from goodwill.contacts.service import find_contact
from goodwill.errors import Invalid, NotFound
from goodwill.members.service import acting_member, add_member, find_member, list_members
from goodwill.models import Channel, Direction, Role, Value
from goodwill.promises.schemas import PromiseIn, PromiseOut
from goodwill.promises.service import (
    break_promise,
    cancel_promise,
    keep_promise,
    make_promise,
    open_promises,
)
from goodwill.touches.schemas import TouchIn
from goodwill.touches.service import log_touch, quote_id_for

member_app = typer.Typer(help="The people on the team.", no_args_is_help=True)
promise_app = typer.Typer(
    help="The promises ledger: what we said we would do.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
TodayOption = Annotated[
    str | None, typer.Option("--today", help="Take this day (YYYY-MM-DD) as today.")
]


def register(app: typer.Typer) -> None:
    """Add this group's commands to the app."""
    app.add_typer(member_app, name="member")
    app.add_typer(promise_app, name="promise")
    app.command("account")(account)
    app.command("log")(log)


# --- reading what was typed -------------------------------------------------------------


def parse_day(text: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option as a date (None if not given); Invalid says which option."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None


def today_or(text: str | None, option: str = "--today") -> date:
    """The given day, else today on this machine's calendar."""
    return parse_day(text, option) or datetime.now(UTC).astimezone().date()


def parse_moment(text: str | None) -> datetime:
    """An ISO moment (local time if it names no zone), else now."""
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(f"--at {text!r} is not a moment (e.g. 2026-03-01T14:30)") from None
    return moment if moment.tzinfo is not None else moment.astimezone()


# --- showing it -------------------------------------------------------------------------


def money(minor: int) -> str:
    """Minor units as an amount with the configured currency, exactly."""
    return f"{Decimal(minor).scaleb(-2):,.2f} {get_settings().currency}"


def ago(days: int) -> str:
    """How long ago, in words a person says."""
    if days < 0:
        return f"in {-days} days"
    if days == 0:
        return "today"
    if days == 1:
        return "yesterday"
    if days < 14:
        return f"{days} days ago"
    if days < 60:
        return f"{days // 7} weeks ago"
    if days < 730:
        return f"{days // 30} months ago"
    return f"{days // 365} years ago"


def _e(value: object) -> str:
    return "" if value is None else escape(str(value))


def _fact_line(fact: FactOut) -> str:
    by = f" by {_e(fact.learned_by)}" if fact.learned_by else ""
    period = f" · {_e(fact.period)}" if fact.period else ""
    stale = " [bold yellow](stale: ask again this quarter)[/]" if fact.stale else ""
    return f"{_e(fact.text)} [dim](learned {ago(fact.age_days)}{by}{period})[/]{stale}"


def _promise_table(title: str, promises: list[PromiseOut], with_account: bool) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False)
    table.add_column("id", justify="right")
    table.add_column("due")
    if with_account:
        table.add_column("account")
    table.add_column("what")
    table.add_column("for")
    table.add_column("by")
    table.add_column("status")
    for p in promises:
        status = "[bold red]OVERDUE[/]" if p.overdue else p.status.value.replace("_", " ")
        if p.done_on:
            status += f" {p.done_on}"
        row = [str(p.id), str(p.due_on)]
        if with_account:
            row.append(_e(p.account))
        row += [_e(p.what), _e(p.contact), _e(p.member), status]
        table.add_row(*row)
    return table


def _quote_table(title: str, quotes: list[QuoteOut]) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False)
    for column in ("quote", "quoted", "age", "amount", "status", "by", "what"):
        table.add_column(column, justify="right" if column in ("age", "amount") else "left")
    for q in quotes:
        status = q.status.value + (f" {q.decided_on}" if q.decided_on else "")
        table.add_row(
            _e(q.external_id or q.id),
            str(q.quoted_on),
            f"{q.age_days} d",
            money(q.amount_minor),
            status,
            _e(q.member),
            _e(q.description),
        )
    return table


ARROW_SIGNS = {"up": "[green]↑ up[/]", "flat": "→ flat", "down": "[red]↓ down[/]"}


def render_health(view: AccountOverview) -> None:
    """Print the account's health, its components in words and its buying rhythm."""
    h = view.health
    console.print()
    if h is None:
        console.print("Health: not scored yet (run: goodwill score)")
        return
    flags = [
        f
        for f, on in (("complacent", h.complacent), ("neglected", h.neglected), ("top", h.top))
        if on
    ]
    flagged = f" [bold yellow]{', '.join(flags)}[/]" if flags else ""
    console.print(
        f"[bold]Health[/]: {h.health:.0f}/100 {ARROW_SIGNS[h.arrow]}{flagged} "
        f"[dim](week of {h.week_on}, as of {h.as_of}; trend {h.trend:+.1f} a week)[/]"
    )
    console.print(f"  Main reason: {escape(h.reason)}")
    for c in h.components:
        console.print(f"  {c.name:<11} {c.points:5.1f} of {c.max_points:4.1f}  {escape(c.words)}")
    o = h.outlook
    since = (
        f"no purchase in {o.days_since_order} days"
        if o.days_since_order is not None
        else "never bought"
    )
    neglect = f" [bold red](neglected: over {o.neglect_days} days)[/]" if o.neglected else ""
    console.print(
        f"  Buying rhythm: {o.chance_of_buying:.0%} chance of buying in the next "
        f"{o.window_days} days, {o.expected_purchases:.2f} purchases expected; worth "
        f"{money(o.value_12_months_minor)} in the next 12 months; {since}{neglect}"
    )
    if len(view.health_history) > 1:
        weeks = " ".join(f"{score:.0f}" for _, score in view.health_history)
        console.print(f"  [dim]Weekly health, oldest first: {weeks}[/]")


def render_overview(view: AccountOverview) -> None:
    """Print an account overview for a person to read."""
    ext = f" [dim]({_e(view.external_id)})[/]" if view.external_id else ""
    console.print(f"[bold]{_e(view.name)}[/]{ext} · {view.kind.value} · tier {_e(view.tier)}")
    owners = ", ".join(_e(o.name) for o in view.owners) or "nobody yet"
    console.print(f"Owners: {owners}")
    if view.address:
        console.print(f"Address: {_e(', '.join(view.address))}")
    if view.phone:
        console.print(f"Phone: {_e(view.phone)}")

    render_health(view)

    console.print()
    if view.people:
        people = Table(title="People", title_justify="left", show_edge=False)
        for column in ("name", "title", "e-mail", "phone", "birthday", "prefers"):
            people.add_column(column)
        for p in view.people:
            prefers = p.preferred_channel.value if p.preferred_channel else ""
            people.add_row(
                f"[bold]{_e(p.name)}[/]",
                _e(p.title),
                _e(p.email),
                _e(p.phone),
                _e(p.birthday),
                prefers,
            )
            for fact in p.facts:
                people.add_row(f"  · {fact.kind.value}", _fact_line(fact), "", "", "", "")
        console.print(people)
    else:
        console.print("People: none recorded")

    console.print()
    console.print("[bold]Profile[/]" if view.facts else "Profile: nothing recorded yet")
    for group in view.facts:
        console.print(f"  [underline]{group.kind.value.replace('_', ' ')}[/]")
        for fact in group.facts:
            console.print(f"    · {_fact_line(fact)}")

    console.print()
    o = view.orders
    if o.count:
        gap = f", every {o.average_gap_days} days on average" if o.average_gap_days else ""
        console.print(
            f"[bold]Orders[/]: {o.count} from {o.first_on} to {o.last_on}{gap}; revenue "
            f"{money(o.revenue_last_12_months_minor)} in the last 12 months, "
            f"{money(o.revenue_all_time_minor)} in all"
        )
    else:
        console.print("[bold]Orders[/]: none")

    console.print()
    value = (
        f"; last value delivered {ago((view.today - view.last_value_at.date()).days)}"
        if view.last_value_at
        else "; no value delivered on record"
    )
    touches = Table(
        title=f"Touches (latest {len(view.touches)} of {view.touch_count}{value})",
        title_justify="left",
        show_edge=False,
    )
    for column in ("when", "channel", "by", "value", "summary"):
        touches.add_column(column)
    for t in view.touches:
        with_whom = f" [dim](with {_e(', '.join(t.contacts))})[/]" if t.contacts else ""
        shown_value = "" if t.value == Value.NONE else t.value.value
        touches.add_row(
            t.happened_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            f"{t.channel.value} {'in' if t.direction == Direction.INBOUND else ''}".strip(),
            _e(t.member),
            shown_value,
            _e(t.summary) + with_whom,
        )
    console.print(touches)

    console.print()
    if view.promises_open:
        console.print(_promise_table("Open promises", view.promises_open, with_account=False))
    else:
        console.print("Open promises: none")
    if view.promises_recent:
        console.print(_promise_table("Recent promises", view.promises_recent, with_account=False))

    console.print()
    if view.quotes_open:
        console.print(_quote_table("Open quotes (oldest first)", view.quotes_open))
    else:
        console.print("Open quotes: none")
    if view.quotes_decided:
        console.print(_quote_table("Recent decisions", view.quotes_decided))


# --- members ----------------------------------------------------------------------------


@member_app.command("add")
def member_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Full name.")],
    email: Annotated[str, typer.Argument(help="E-mail address (their sign-in).")],
    role: Annotated[Role, typer.Option("--role", help="What they may do.")] = Role.MEMBER,
) -> None:
    """Add a person to the team."""
    with command_session(ctx) as session:
        member = add_member(session, name, email, role)
    console.print(f"Added {_e(member.name)} <{_e(member.email)}> as {member.role.value}.")


@member_app.command("list")
def member_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Everyone on the team."""
    with command_session(ctx) as session:
        members = list_members(session)
    if as_json:
        print_json([m.model_dump(mode="json") for m in members])
        return
    table = Table(show_edge=False)
    for column in ("id", "name", "e-mail", "role", "active"):
        table.add_column(column)
    for m in members:
        table.add_row(str(m.id), _e(m.name), _e(m.email), m.role.value, "yes" if m.active else "no")
    console.print(table)


# --- accounts and touches ---------------------------------------------------------------


def account(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Account name (fuzzy) or external id.")],
    as_json: JsonOption = False,
    today: TodayOption = None,
) -> None:
    """Everything we know about an account: people, profile, orders, touches, promises, quotes."""
    day = today_or(today)
    with command_session(ctx) as session:
        found = find_account(session, name)
        view = account_overview(session, found.id, day)
        with contextlib.suppress(NotFound):
            from goodwill.scoring.service import account_health, health_history

            view.health = account_health(session, found.id, day if today else None)
            view.health_history = health_history(session, found.id)
    if as_json:
        print_json(view.model_dump(mode="json"))
    else:
        render_overview(view)


def log(
    ctx: typer.Context,
    account_name: Annotated[str, typer.Argument(metavar="ACCOUNT", help="Account name or id.")],
    summary: Annotated[str, typer.Argument(help="What happened, in a line.")],
    channel: Annotated[Channel, typer.Option("--channel", help="How it happened.")] = Channel.CALL,
    contacts: Annotated[
        list[str] | None,
        typer.Option("--contact", help="A person at the account who took part (repeatable)."),
    ] = None,
    value: Annotated[
        Value, typer.Option("--value", help="What of value it delivered.")
    ] = Value.NONE,
    sentiment: Annotated[
        int, typer.Option("--sentiment", min=-2, max=2, help="How it went, -2 to 2.")
    ] = 0,
    at: Annotated[
        str | None, typer.Option("--at", help="When (ISO, e.g. 2026-03-01T14:30); default now.")
    ] = None,
    direction: Annotated[
        Direction, typer.Option("--direction", help="Who reached out.")
    ] = Direction.OUTBOUND,
    quote: Annotated[
        str | None,
        typer.Option("--quote", help="The quote it was about: its external id or its number."),
    ] = None,
    promise: Annotated[
        int | None, typer.Option("--promise", help="Id of the promise it was about.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a touch with an account, as the acting member (--as or GOODWILL_MEMBER)."""
    happened_at = parse_moment(at)
    with command_session(ctx) as session:
        member = acting_member(session, acting_as(ctx))
        found = find_account(session, account_name)
        contact_ids = [find_contact(session, found, n).id for n in contacts or []]
        touch = log_touch(
            session,
            TouchIn(
                account_id=found.id,
                member_id=member.id,
                summary=summary,
                channel=channel,
                direction=direction,
                value=value,
                sentiment=sentiment,
                happened_at=happened_at,
                contact_ids=contact_ids,
                quote_id=quote_id_for(session, found, quote) if quote else None,
                promise_id=promise,
            ),
        )
    if as_json:
        print_json(touch.model_dump(mode="json"))
        return
    with_whom = f" with {_e(', '.join(touch.contacts))}" if touch.contacts else ""
    console.print(
        f"Logged {touch.channel.value} at {_e(found.name)}{with_whom} (touch {touch.id})."
    )


# --- promises ---------------------------------------------------------------------------


@promise_app.command("add")
def promise_add(
    ctx: typer.Context,
    account_name: Annotated[str, typer.Argument(metavar="ACCOUNT", help="Account name or id.")],
    what: Annotated[str, typer.Argument(help="What was promised.")],
    due: Annotated[str, typer.Option("--due", help="Due date, YYYY-MM-DD.")],
    contact: Annotated[
        str | None, typer.Option("--contact", help="The person it was promised to.")
    ] = None,
    made: Annotated[
        str | None, typer.Option("--made", help="Day it was made, YYYY-MM-DD; default today.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a promise made to an account, as the acting member."""
    due_on = parse_day(due, "--due")
    assert due_on is not None
    made_on = today_or(made, "--made")
    with command_session(ctx) as session:
        member = acting_member(session, acting_as(ctx))
        found = find_account(session, account_name)
        contact_id = find_contact(session, found, contact).id if contact else None
        promise = make_promise(
            session,
            PromiseIn(
                account_id=found.id,
                member_id=member.id,
                what=what,
                made_on=made_on,
                due_on=due_on,
                contact_id=contact_id,
            ),
        )
    if as_json:
        print_json(promise.model_dump(mode="json"))
        return
    console.print(
        f"Promise {promise.id} to {_e(promise.account)}: {_e(promise.what)}, due {promise.due_on}."
    )


def _settled(promise: PromiseOut) -> None:
    done = f" on {promise.done_on}" if promise.done_on else ""
    status = promise.status.value.replace("_", " ")
    console.print(f"Promise {promise.id} to {_e(promise.account)}: {status}{done}.")


PromiseId = Annotated[int, typer.Argument(help="The promise's id (see: goodwill promise list).")]


@promise_app.command("done")
def promise_done(
    ctx: typer.Context,
    promise_id: PromiseId,
    on: Annotated[str | None, typer.Option("--on", help="Day it was done; default today.")] = None,
) -> None:
    """Mark a promise done: kept if on or before its due date, else kept late."""
    done_on = today_or(on, "--on")
    with command_session(ctx) as session:
        _settled(keep_promise(session, promise_id, done_on))


@promise_app.command("cancel")
def promise_cancel(ctx: typer.Context, promise_id: PromiseId, today: TodayOption = None) -> None:
    """Cancel an open promise (it is no longer wanted)."""
    with command_session(ctx) as session:
        _settled(cancel_promise(session, promise_id, today_or(today)))


@promise_app.command("broken")
def promise_broken(ctx: typer.Context, promise_id: PromiseId, today: TodayOption = None) -> None:
    """Record that an open promise was not kept."""
    with command_session(ctx) as session:
        _settled(break_promise(session, promise_id, today_or(today)))


@promise_app.command("list")
def promise_list(
    ctx: typer.Context,
    member: Annotated[
        str | None, typer.Option("--member", help="Only this member's (e-mail or name).")
    ] = None,
    due_within: Annotated[
        int | None, typer.Option("--due-within", min=0, help="Only those due within N days.")
    ] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue ones.")] = False,
    as_json: JsonOption = False,
    today: TodayOption = None,
) -> None:
    """Open promises, soonest due first; overdue ones are marked."""
    day = today_or(today)
    with command_session(ctx) as session:
        member_id = find_member(session, member).id if member else None
        promises = open_promises(
            session, day, member_id=member_id, due_within_days=due_within, overdue_only=overdue
        )
    if as_json:
        print_json([p.model_dump(mode="json") for p in promises])
        return
    if not promises:
        console.print("No open promises.")
        return
    console.print(_promise_table("Open promises", promises, with_account=True))
