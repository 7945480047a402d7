"""``goodwill demo``: a realistic team, its customers and years of history, reproducibly."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from goodwill import schema
from goodwill.cli.common import acting_as, console, err_console, print_json
from goodwill.config import get_settings
from goodwill.db import get_engine, session_scope
from goodwill.demo.schemas import DemoReport
from goodwill.demo.service import (
    MAX_ACCOUNTS,
    MAX_YEARS,
    build_demo,
    check_empty,
    database_label,
    demo_report,
    give_demo_passwords,
    reset_database,
)
from goodwill.errors import Invalid


def register(app: typer.Typer) -> None:
    """Add this group's commands to the app."""
    app.command("demo")(demo)


def demo(
    ctx: typer.Context,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed: same seed and --as-of, same world.")
    ] = 7,
    accounts: Annotated[
        int,
        typer.Option("--accounts", min=1, max=MAX_ACCOUNTS, help="How many accounts to make."),
    ] = 300,
    years: Annotated[
        int, typer.Option("--years", min=1, max=MAX_YEARS, help="Years of history.")
    ] = 4,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Last day of the history, YYYY-MM-DD; default today."),
    ] = None,
    reset: Annotated[
        bool, typer.Option("--reset", help="Delete everything in the database first.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Fill the database with a demo team, customers and years of history, then show it."""
    day = _day(as_of)
    engine = get_engine()
    where = database_label(engine)
    if reset:
        reset_database(engine)
    elif not schema.is_current(engine):
        schema.upgrade(engine)
    with session_scope(actor=acting_as(ctx) or "demo") as session:
        check_empty(session, where)
        with _progress() as progress:
            loading = progress.add_task("Building the demo world", total=accounts)
            rollups = progress.add_task("Computing rollups", total=1, visible=False)

            def report(stage: str, done: int, total: int) -> None:
                if stage == "accounts":
                    progress.update(loading, completed=done, total=total)
                else:
                    progress.update(rollups, completed=done, total=total, visible=True)

            build_demo(
                session,
                seed=seed,
                accounts=accounts,
                years=years,
                as_of=day,
                where=where,
                on_progress=report,
            )
        summary = demo_report(
            session, database=where, seed=seed, accounts=accounts, years=years, as_of=day
        )
        password = give_demo_passwords(session, get_settings().data_dir)
    hints = try_next(summary)
    if as_json:
        print_json({**summary.model_dump(mode="json"), "try_next": hints, "password": password})
        return
    show(summary, hints)
    console.print(
        f"[bold]Web sign-in[/] for every demo member: password [cyan]{escape(password)}[/] "
        "(kept in the data folder as demo-password; start the app with: goodwill serve)",
        soft_wrap=True,
        highlight=False,
    )


def _day(text: str | None) -> date:
    if text is None:
        return datetime.now(UTC).astimezone().date()
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(f"--as-of {text!r} is not a date (YYYY-MM-DD)") from None


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


def try_next(summary: DemoReport) -> list[str]:
    """Three commands worth running next, on the demo's own people and accounts."""
    rep = next((m.email for m in summary.team if m.job == "rep"), None)
    who = f"--as {rep} " if rep else ""
    top = summary.largest_accounts[0].name if summary.largest_accounts else "ACCOUNT"
    quoted = '"' + top.replace('"', '\\"') + '"'
    return [
        f"goodwill {who}account {quoted}",
        f'goodwill {who}log {quoted} "Called about their goals for next quarter" '
        "--channel call --value information",
        f"goodwill {who}promise list",
    ]


def _days_ago(days: int | None) -> str:
    if days is None:
        return "never"
    return {0: "today", 1: "yesterday"}.get(days, f"{days} days ago")


def _money(minor: int) -> str:
    return f"{Decimal(minor).scaleb(-2):,.2f}"


def show(summary: DemoReport, hints: list[str]) -> None:
    """The report in the terminal: what was built, who to be, the largest accounts, what next."""
    counts = summary.counts
    console.print(
        f"[bold]Demo world built[/] (seed {summary.seed}, {summary.years} years to "
        f"{summary.as_of.isoformat()}) in [cyan]{escape(summary.database)}[/]"
    )
    parts: list[Any] = [f"{counts[k]:,} {k.replace('_', ' ')}" for k in counts if counts[k]]
    console.print("  " + " · ".join(parts))
    if summary.first_order_on and summary.last_order_on:
        console.print(
            f"  orders from {summary.first_order_on.isoformat()} "
            f"to {summary.last_order_on.isoformat()}"
        )

    team = Table(title="Act as one of the team (goodwill --as EMAIL …)", title_justify="left")
    team.add_column("name")
    team.add_column("e-mail", no_wrap=True, min_width=36)  # copied into commands: never cut
    team.add_column("role")
    team.add_column("job")
    for member in summary.team:
        team.add_row(
            escape(member.name), escape(member.email), member.role, escape(member.job or "")
        )
    console.print(team)

    currency = get_settings().currency
    top = Table(
        title=f"The {len(summary.largest_accounts)} largest accounts, last 12 months",
        title_justify="left",
    )
    top.add_column("account")
    top.add_column("tier")
    top.add_column("owners")
    top.add_column("orders", justify="right")
    top.add_column(f"revenue ({currency})", justify="right")
    top.add_column("last order")
    top.add_column("last touch", justify="right")
    top.add_column("open promises", justify="right")
    for account in summary.largest_accounts:
        days = account.days_since_last_touch
        top.add_row(
            escape(account.name),
            escape(account.tier),
            escape(", ".join(account.owners)),
            f"{account.orders_12m:,}",
            _money(account.revenue_12m_minor),
            account.last_order_on.isoformat() if account.last_order_on else "",
            _days_ago(days),
            str(account.open_promises),
        )
    console.print(top)
    console.print("[bold]Try next:[/]")
    for hint in hints:
        console.print(f"  {escape(hint)}", soft_wrap=True, highlight=False)
