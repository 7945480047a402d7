"""``goodwill score`` and ``goodwill top``: relationship health, arrows and flags."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from goodwill.cli.common import command_session, console, print_json
from goodwill.cli.records import money, parse_day, today_or
from goodwill.scoring.schemas import FitOut, HealthOut

ARROWS = {"up": "[green]↑[/]", "flat": "→", "down": "[red]↓[/]"}

AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Score as of this day (YYYY-MM-DD), to replay history."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def register(app: typer.Typer) -> None:
    """Add this group's commands to the app."""
    app.command("score")(score_command)
    app.command("top")(top_command)


def fit_line(fit: FitOut) -> str:
    """The population fit in one line; a warning when defaults had to be used."""
    if fit.rhythm_default:
        return f"[yellow]Note: {escape(fit.note)}.[/]"
    return (
        f"[dim]{escape(fit.note)}: r={fit.r:.3f}, alpha={fit.alpha_days:.1f} days, "
        f"a={fit.a:.3f}, b={fit.b:.3f}.[/]"
    )


def flags(h: HealthOut) -> str:
    """The account's flags, in words."""
    shown = []
    if h.complacent:
        shown.append("[bold yellow]complacent[/]")
    if h.neglected:
        shown.append("[bold red]neglected[/]")
    return " ".join(shown)


def score_command(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Recompute every rollup from scratch first.")
    ] = False,
    weeks: Annotated[
        int,
        typer.Option(
            "--weeks",
            min=1,
            max=104,
            help="Score this many weeks, ending with the day's (the earlier ones first): "
            "a history of health, trends and arrows for data imported in one go.",
        ),
    ] = 1,
    as_json: JsonOption = False,
) -> None:
    """Score every customer's relationship health for the week of a day (default today)."""
    day = today_or(as_of, "--as-of")
    from goodwill.scoring.service import bring_rollups_current, score  # SciPy: load on use

    started = time.perf_counter()
    for back in range(weeks - 1, 0, -1):  # the earlier weeks, oldest first
        earlier = day - timedelta(weeks=back)
        with command_session(ctx) as session:
            bring_rollups_current(session, earlier, rebuild=rebuild)
        rebuild = False  # once, before the first week scored
        with command_session(ctx) as session:
            past = score(session, earlier)
        if not as_json:
            console.print(f"Scored the week of {past.week_on}: {past.accounts} customers.")
    # Two transactions: the rollups (a derived cache) are committed first, so the score reads
    # them as columns from committed data instead of row by row (see goodwill.columnar).
    with command_session(ctx) as session:
        recomputed = bring_rollups_current(session, day, rebuild=rebuild)
    with command_session(ctx) as session:
        report = score(session, day)
    report = report.model_copy(
        update={
            "rollups_recomputed": recomputed + report.rollups_recomputed,
            "seconds": round(time.perf_counter() - started, 3),
        }
    )
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    console.print(
        f"Scored {report.accounts} customers as of {report.as_of} (week of {report.week_on}) "
        f"in {report.seconds:.2f} s; {report.rollups_recomputed} rollups recomputed."
    )
    console.print(
        f"Arrows: {report.up} ↑ up, {report.flat} → flat, {report.down} ↓ down. "
        f"{report.complacent} complacent, {report.neglected} neglected."
    )
    console.print(fit_line(report.fit))


def top_command(
    ctx: typer.Context,
    n: Annotated[int, typer.Option("--n", min=1, help="How many accounts.")] = 10,
    member: Annotated[
        str | None, typer.Option("--member", help="Only accounts this member owns (e-mail).")
    ] = None,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
) -> None:
    """The top accounts by 12-month revenue: health, arrow, flags and the main reason."""
    day = parse_day(as_of, "--as-of")
    with command_session(ctx) as session:
        from goodwill.scoring.service import top_accounts

        report = top_accounts(session, as_of=day, today=today_or(None), n=n, member=member)
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    whose = f" owned by {escape(report.member)}" if report.member else ""
    table = Table(
        title=f"Top accounts{whose}, week of {report.week_on} (as of {report.as_of})",
        title_justify="left",
        show_edge=False,
    )
    for column in ("#", "account", "12 months", "health", "", "flags", "main reason"):
        table.add_column(
            column, justify="right" if column in ("#", "12 months", "health") else "left"
        )
    for i, h in enumerate(report.accounts, 1):
        table.add_row(
            str(i),
            escape(h.name),
            money(h.revenue_365_minor),
            f"{h.health:.0f}",
            ARROWS[h.arrow],
            flags(h),
            escape(h.reason),
        )
    if report.accounts:
        console.print(table)
    else:
        console.print(f"No scored accounts{whose} for the week of {report.week_on}.")
    console.print(fit_line(report.fit))
