"""Quotes from the command line, and the promises' kept-on-time ratio.

``goodwill quote add|won|lost|expired|list|ratio`` and ``goodwill promise ratio``. Commands
resolve what was typed and render what the services return.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from goodwill.accounts.service import find_account
from goodwill.cli.common import acting_as, command_session, console, print_json
from goodwill.cli.records import JsonOption, TodayOption, money, parse_day, promise_app, today_or
from goodwill.errors import Invalid
from goodwill.members.service import acting_member, find_member
from goodwill.models import QuoteStatus
from goodwill.promises.kept import KeptBy, KeptRatioOut, KeptRatioRow, kept_ratio
from goodwill.quotes import FOLLOW_UP_AFTER_DAYS
from goodwill.quotes.schemas import HitRatioBy, HitRatioOut, HitRatioRow, QuoteDetail, QuoteIn
from goodwill.quotes.service import (
    add_quote,
    amount_minor,
    decide_quote,
    hit_ratio,
    open_quotes,
)

quote_app = typer.Typer(help="Quotes tracked to their outcome.", no_args_is_help=True)

QuoteId = Annotated[int, typer.Argument(help="The quote's id (see: goodwill quote list).")]
OnOption = Annotated[
    str | None, typer.Option("--on", help="Day it was decided (YYYY-MM-DD); default today.")
]
FromOption = Annotated[
    str | None,
    typer.Option("--from", help="First day of the period (YYYY-MM-DD); default 12 months back."),
]
ToOption = Annotated[
    str | None, typer.Option("--to", help="Last day of the period (YYYY-MM-DD); default today.")
]


def register(app: typer.Typer) -> None:
    """Add the quote commands, and ``promise ratio`` to the promise group."""
    app.add_typer(quote_app, name="quote")
    promise_app.command("ratio")(promise_ratio)


def _e(value: object) -> str:
    return "" if value is None else escape(str(value))


def period(start: str | None, end: str | None, today: str | None) -> tuple[date, date]:
    """The period asked for: --to (default today) and --from (default 12 months back).

    The default start is the first day of the month eleven months before the end's month,
    so the period is twelve whole months and month buckets are never cut short at the start.
    """
    last = parse_day(end, "--to") or today_or(today)
    first = parse_day(start, "--from")
    if first is None:
        months = last.year * 12 + last.month - 1 - 11
        first = date(months // 12, months % 12 + 1, 1)
    if last < first:
        raise Invalid(f"--to {last} is before --from {first}")
    return first, last


def percent(ratio: float | None) -> str:
    """A ratio as a percentage with one decimal, or a dash when there is nothing to divide."""
    return "—" if ratio is None else f"{ratio:.1%}"


# --- quotes -----------------------------------------------------------------------------


def _quote_line(quote: QuoteDetail) -> str:
    ext = f" ({_e(quote.external_id)})" if quote.external_id else ""
    state = quote.status.value + (f" on {quote.decided_on}" if quote.decided_on else "")
    return (
        f"Quote {quote.id}{ext} to {_e(quote.account)}: {money(quote.amount_minor)}, "
        f"quoted {quote.quoted_on}, {state}."
    )


@quote_app.command("add")
def quote_add(
    ctx: typer.Context,
    account_name: Annotated[str, typer.Argument(metavar="ACCOUNT", help="Account name or id.")],
    amount: Annotated[str, typer.Argument(help="Amount quoted, like 1234.56 or 1,234.56.")],
    on: Annotated[
        str | None, typer.Option("--on", help="Day it was quoted (YYYY-MM-DD); default today.")
    ] = None,
    description: Annotated[
        str, typer.Option("--description", help="What was quoted, in a line.")
    ] = "",
    external_id: Annotated[
        str | None, typer.Option("--id", help="The quote's number in your own system.")
    ] = None,
    as_member: Annotated[
        str | None,
        typer.Option("--as", help="E-mail of the member who quoted (or GOODWILL_MEMBER)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a quote given to an account, as the acting member."""
    minor = amount_minor(amount)
    quoted_on = today_or(on, "--on")
    if as_member:
        # The member named here also signs the audit trail, as the global --as would.
        root = ctx.find_root()
        root.obj = {**(root.obj or {}), "as": as_member}
    with command_session(ctx) as session:
        member = acting_member(session, acting_as(ctx))
        found = find_account(session, account_name)
        quote = add_quote(
            session,
            QuoteIn(
                account_id=found.id,
                member_id=member.id,
                quoted_on=quoted_on,
                amount_minor=minor,
                description=description,
                external_id=external_id,
            ),
        )
    if as_json:
        print_json(quote.model_dump(mode="json"))
        return
    console.print(_quote_line(quote))


def _decide(
    ctx: typer.Context, quote_id: int, outcome: QuoteStatus, on: str | None, as_json: bool
) -> None:
    decided_on = today_or(on, "--on")
    with command_session(ctx) as session:
        quote = decide_quote(session, quote_id, outcome, decided_on)
    if as_json:
        print_json(quote.model_dump(mode="json"))
        return
    console.print(_quote_line(quote))


@quote_app.command("won")
def quote_won(
    ctx: typer.Context, quote_id: QuoteId, on: OnOption = None, as_json: JsonOption = False
) -> None:
    """Record that an open quote was won."""
    _decide(ctx, quote_id, QuoteStatus.WON, on, as_json)


@quote_app.command("lost")
def quote_lost(
    ctx: typer.Context, quote_id: QuoteId, on: OnOption = None, as_json: JsonOption = False
) -> None:
    """Record that an open quote was lost."""
    _decide(ctx, quote_id, QuoteStatus.LOST, on, as_json)


@quote_app.command("expired")
def quote_expired(
    ctx: typer.Context, quote_id: QuoteId, on: OnOption = None, as_json: JsonOption = False
) -> None:
    """Record that an open quote lapsed without an answer."""
    _decide(ctx, quote_id, QuoteStatus.EXPIRED, on, as_json)


@quote_app.command("list")
def quote_list(
    ctx: typer.Context,
    member: Annotated[
        str | None, typer.Option("--member", help="Only this member's (e-mail or name).")
    ] = None,
    account_name: Annotated[
        str | None, typer.Option("--account", help="Only this account's (name or id).")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Show at most N, oldest first.")
    ] = None,
    as_json: JsonOption = False,
    today: TodayOption = None,
) -> None:
    """Open quotes, oldest first, with their latest follow-up; unfollowed old ones stand out."""
    day = today_or(today)
    with command_session(ctx) as session:
        member_id = find_member(session, member).id if member else None
        account_id = find_account(session, account_name).id if account_name else None
        quotes = open_quotes(session, day, member_id=member_id, account_id=account_id, limit=limit)
    if as_json:
        print_json([q.model_dump(mode="json") for q in quotes])
        return
    if not quotes:
        console.print("No open quotes.")
        return
    table = Table(title="Open quotes (oldest first)", title_justify="left", show_edge=False)
    for column in ("id", "account", "quoted", "age", "amount", "by", "follow-up", "what"):
        right = column in ("id", "age", "amount")
        table.add_column(
            column, justify="right" if right else "left", no_wrap=right or column == "quoted"
        )
    waiting = 0
    for q in quotes:
        if q.follow_up is not None:
            f = q.follow_up
            by = f" by {_e(f.member)}" if f.member else ""
            follow_up = f"{f.happened_at.astimezone().date()} {f.channel.value}{by}"
        elif q.needs_follow_up:
            waiting += 1
            follow_up = "[bold red]not followed up[/]"
        else:
            follow_up = "[dim]not followed up[/]"
        ext = f" [dim]{_e(q.external_id)}[/]" if q.external_id else ""
        table.add_row(
            f"{q.id}{ext}",
            _e(q.account),
            str(q.quoted_on),
            f"{q.age_days} d",
            money(q.amount_minor),
            _e(q.member),
            follow_up,
            _e(q.description),
            style="bold yellow" if q.needs_follow_up else None,
        )
    console.print(table)
    if waiting:
        console.print(
            f"{waiting} open longer than {FOLLOW_UP_AFTER_DAYS} days with no follow-up: "
            "call, then log the call with: goodwill log ACCOUNT '...' --quote ITS-EXTERNAL-ID"
        )


def _hit_table(report: HitRatioOut) -> Table:
    title = f"Quote hit ratio by {report.by.value}, decided {report.start} to {report.end}"
    table = Table(title=title, title_justify="left", show_edge=False)
    table.add_column(report.by.value)
    for column in ("decided", "won", "lost", "expired", "hit ratio", "won amount"):
        table.add_column(column, justify="right")

    def add(row: HitRatioRow, style: str | None = None) -> None:
        table.add_row(
            _e(row.key),
            str(row.decided),
            str(row.won),
            str(row.lost),
            str(row.expired),
            percent(row.ratio),
            money(row.won_amount_minor),
            style=style,
        )

    for row in report.rows:
        add(row)
    if report.by != HitRatioBy.TEAM:
        table.add_section()
        add(report.total.model_copy(update={"key": "all"}), style="bold")
    return table


@quote_app.command("ratio")
def quote_ratio(
    ctx: typer.Context,
    by: Annotated[
        HitRatioBy, typer.Option("--by", help="Group by member, the whole team, or month.")
    ] = HitRatioBy.MEMBER,
    start: FromOption = None,
    end: ToOption = None,
    as_json: JsonOption = False,
    today: TodayOption = None,
) -> None:
    """Hit ratio: quotes won / quotes decided (won, lost, expired) in the period."""
    first, last = period(start, end, today)
    with command_session(ctx) as session:
        report = hit_ratio(session, first, last, by)
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    console.print(_hit_table(report))


# --- promises ---------------------------------------------------------------------------


def _kept_table(report: KeptRatioOut) -> Table:
    title = (
        f"Promises kept on time by {report.by.value}, due {report.start} to {report.end} "
        f"(as of {report.today})"
    )
    table = Table(title=title, title_justify="left", show_edge=False)
    table.add_column(report.by.value)
    for column in ("kept", "kept late", "broken", "on time", "open overdue"):
        table.add_column(column, justify="right")

    def add(row: KeptRatioRow, style: str | None = None) -> None:
        overdue = f"[bold red]{row.overdue}[/]" if row.overdue else "0"
        table.add_row(
            _e(row.key),
            str(row.kept),
            str(row.kept_late),
            str(row.broken),
            percent(row.ratio),
            overdue,
            style=style,
        )

    for row in report.rows:
        add(row)
    table.add_section()
    add(report.total, style="bold")
    return table


def promise_ratio(
    ctx: typer.Context,
    by: Annotated[
        KeptBy, typer.Option("--by", help="Group by member or by account.")
    ] = KeptBy.MEMBER,
    start: FromOption = None,
    end: ToOption = None,
    as_json: JsonOption = False,
    today: TodayOption = None,
) -> None:
    """Kept on time / (kept + kept late + broken) over promises due in the period."""
    first, last = period(start, end, today)
    with command_session(ctx) as session:
        report = kept_ratio(session, first, last, today_or(today), by)
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    console.print(_kept_table(report))
