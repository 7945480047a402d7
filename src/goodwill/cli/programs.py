"""Outreach programs, thank-you note cards and the weekly digest from the command line.

``goodwill program create|list|show|report|stop|respond``, ``goodwill notes print`` and
``goodwill digest``. Commands resolve what was typed and render what the services return.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from goodwill.cli.common import (
    acting_as,
    command_session,
    console,
    member_named_or_acting,
    print_json,
)
from goodwill.cli.records import JsonOption, TodayOption, money, parse_day, today_or
from goodwill.errors import Invalid
from goodwill.members.service import acting_member
from goodwill.models import AccountKind, Arm, Channel, ProgramKind, ResponseKind
from goodwill.programs.schemas import OutcomeOut, ProgramIn, ProgramOut

program_app = typer.Typer(
    help="Outreach programs, measured against a randomized holdout.", no_args_is_help=True
)
notes_app = typer.Typer(help="Thank-you notes on paper.", no_args_is_help=True)

ProgramArg = Annotated[
    str, typer.Argument(metavar="PROGRAM", help="The program's id or name (see: program list).")
]


def register(app: typer.Typer) -> None:
    """Add the program, notes and digest commands to the app."""
    app.add_typer(program_app, name="program")
    app.add_typer(notes_app, name="notes")
    app.command("digest")(digest)


def _e(value: object) -> str:
    return "" if value is None else escape(str(value))


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


def _program_lines(p: ProgramOut) -> list[str]:
    ends = f" to {p.ends_on}" if p.ends_on else " until every target is planned"
    status = p.status.value + (f" on {p.stopped_on}" if p.stopped_on else "")
    return [
        f"[bold]Program {p.id}: {_e(p.name)}[/] ({p.kind.value.replace('_', ' ')}, {status})",
        f"  from {p.starts_on}{ends}; {p.daily_quota} a day per member; "
        f"{p.outcome_window_days}-day outcome window",
        f"  eligible: {_e(', '.join(k.value for k in p.recipient_kinds))} where {_e(p.condition)}",
        f"  action: {_e(p.action)} ({p.channel.value.replace('_', ' ')})",
        f"  {p.assigned} assigned, {p.holdout} held out ({p.holdout_fraction:.0%}, seed {p.seed}); "
        f"{p.planned} planned, {p.done} done, {p.responses} responses",
    ]


def _outcome_lines(o: OutcomeOut) -> list[str]:
    lines = [_e(o.sentence)]
    for arm in (o.assigned, o.holdout):
        revenue = (
            money(arm.revenue_per_target_minor) if arm.revenue_per_target_minor is not None else "—"
        )
        lines.append(
            f"  {arm.arm.value}: {arm.ordered} of {arm.targets} ordered "
            f"({_percent(arm.share_ordered)}), revenue per target {revenue}"
        )
    if o.revenue_uplift_minor is not None:
        r = o.revenue_uplift_minor
        lines.append(
            f"  revenue per target, assigned minus holdout: {money(int(r.estimate))} "
            f"(95% CI {money(int(r.low))} to {money(int(r.high))})"
        )
    lines.extend(f"  [yellow]note:[/] {_e(c)}" for c in o.caveats)
    return lines


@program_app.command("create")
def program_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The program's name.")],
    kind: Annotated[
        ProgramKind, typer.Option("--kind", help="What the program does.")
    ] = ProgramKind.THANK_YOU_NOTE,
    when: Annotated[
        str | None,
        typer.Option("--when", help="Who is eligible: a playbook condition (default by kind)."),
    ] = None,
    recipients: Annotated[
        list[AccountKind] | None,
        typer.Option("--recipients", help="Kinds of account eligible (repeatable)."),
    ] = None,
    quota: Annotated[int, typer.Option("--quota", min=1, help="Per member per day.")] = 1,
    start: Annotated[
        str | None, typer.Option("--start", help="First day (YYYY-MM-DD); default today.")
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last day (YYYY-MM-DD).")] = None,
    holdout: Annotated[
        float, typer.Option("--holdout", help="Share held out at random (0 to 1).")
    ] = 0.10,
    window: Annotated[
        int, typer.Option("--window", help="Outcome window: 30, 60 or 90 days.")
    ] = 60,
    seed: Annotated[
        int | None, typer.Option("--seed", min=0, help="Seed of the draw (default: random).")
    ] = None,
    channel: Annotated[Channel | None, typer.Option("--channel", help="How.")] = None,
    action: Annotated[str | None, typer.Option("--action", help="What to do.")] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why, shown on the plan; may quote {features}.")
    ] = None,
    as_json: JsonOption = False,
    today: TodayOption = None,
) -> None:
    """Start a program: pick who is eligible today and split them into assigned and holdout."""
    from goodwill.programs.service import create_program

    day = today_or(today)
    if not 0 < holdout < 1:
        raise Invalid(f"--holdout is a share between 0 and 1, not {holdout}")
    entry = ProgramIn(
        name=name,
        kind=kind,
        condition=when,
        recipient_kinds=recipients or [AccountKind.CUSTOMER],
        channel=channel,
        action=action,
        reason=reason,
        daily_quota=quota,
        starts_on=parse_day(start, "--start") or day,
        ends_on=parse_day(end, "--end"),
        holdout_fraction=holdout,
        outcome_window_days=window,
        seed=seed,
    )
    with command_session(ctx) as session:
        member = acting_member(session, acting_as(ctx))
        program = create_program(session, entry, member, day)
    if as_json:
        print_json(program.model_dump(mode="json"))
        return
    for line in _program_lines(program):
        console.print(line, highlight=False)
    tiers = ", ".join(f"{s.stratum} {s.assigned}+{s.holdout}" for s in program.strata)
    console.print(f"  value tiers (assigned+held out): {tiers}", highlight=False)


@program_app.command("list")
def program_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Every program, newest first, with its counts."""
    from goodwill.programs.service import list_programs

    with command_session(ctx) as session:
        programs = list_programs(session)
    if as_json:
        print_json([p.model_dump(mode="json") for p in programs])
        return
    if not programs:
        console.print("No programs yet (start one with: goodwill program create NAME).")
        return
    table = Table(title="Programs", title_justify="left", show_edge=False)
    for column in ("id", "name", "kind", "status", "from", "to", "assigned", "held out", "done"):
        table.add_column(
            column, justify="right" if column in ("id", "assigned", "done") else "left"
        )
    for p in programs:
        table.add_row(
            str(p.id),
            _e(p.name),
            p.kind.value.replace("_", " "),
            p.status.value,
            str(p.starts_on),
            str(p.ends_on or ""),
            str(p.assigned),
            str(p.holdout),
            str(p.done),
        )
    console.print(table)


@program_app.command("show")
def program_show(
    ctx: typer.Context,
    program_name: ProgramArg,
    targets: Annotated[bool, typer.Option("--targets", help="List the targets too.")] = False,
    arm: Annotated[Arm | None, typer.Option("--arm", help="Only this side's targets.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most N targets.")] = None,
    as_json: JsonOption = False,
) -> None:
    """A program: who is eligible, its draw, how far it got; with --targets, each account."""
    from goodwill.programs.service import find_program, get_program, program_targets

    with command_session(ctx) as session:
        found = find_program(session, program_name)
        program = get_program(session, found.id)
        listed = program_targets(session, found.id, arm=arm, limit=limit) if targets else []
    if as_json:
        print_json(
            {
                **program.model_dump(mode="json"),
                "targets": [t.model_dump(mode="json") for t in listed],
            }
        )
        return
    for line in _program_lines(program):
        console.print(line, highlight=False)
    if not targets:
        console.print("[dim]Targets: goodwill program show PROGRAM --targets[/]")
        return
    table = Table(show_edge=False)
    for column in ("target", "account", "arm", "tier", "planned", "for", "done", "responses"):
        table.add_column(column)
    for t in listed:
        table.add_row(
            str(t.id),
            _e(t.account),
            t.arm.value,
            t.stratum,
            str(t.planned_on or ""),
            _e(t.member),
            "yes" if t.done else "",
            ", ".join(k.value for k in t.responses),
        )
    console.print(table)


@program_app.command("report")
def program_report_command(
    ctx: typer.Context,
    program_name: ProgramArg,
    as_json: JsonOption = False,
    today: TodayOption = None,
) -> None:
    """The program's effect: who ordered within the window, assigned against held out."""
    from goodwill.programs.service import find_program, program_report

    day = today_or(today)
    with command_session(ctx) as session:
        found = find_program(session, program_name)
        report = program_report(session, found.id, day)
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    console.print(f"[bold]{_e(report.program.name)}[/], as of {day}", highlight=False)
    for line in _outcome_lines(report.outcome):
        console.print(line, highlight=False)
    counted = ", ".join(
        f"{k.value.replace('_', ' ')} {n}" for k, n in report.responses_by_kind.items()
    )
    console.print(f"  responses recorded: {counted}", highlight=False)


@program_app.command("stop")
def program_stop(
    ctx: typer.Context,
    program_name: ProgramArg,
    as_json: JsonOption = False,
    today: TodayOption = None,
) -> None:
    """Stop a program: no more of its accounts go into plans; its outcome is still measured."""
    from goodwill.programs.service import find_program, stop_program

    day = today_or(today)
    with command_session(ctx) as session:
        member = acting_member(session, acting_as(ctx))
        program = stop_program(session, find_program(session, program_name).id, member, day)
    if as_json:
        print_json(program.model_dump(mode="json"))
        return
    console.print(f"Stopped program {program.id}: {_e(program.name)} on {day}.", highlight=False)


@program_app.command("respond")
def program_respond(
    ctx: typer.Context,
    target: Annotated[int, typer.Argument(help="The target's id (see: program show --targets).")],
    kind: Annotated[ResponseKind, typer.Argument(help="What came back.")],
    on: Annotated[
        str | None, typer.Option("--on", help="Day it came (YYYY-MM-DD); default today.")
    ] = None,
    note: Annotated[str, typer.Option("--note", help="What they said, in a line.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Record what came back from an account the program reached."""
    from goodwill.programs.service import record_response

    day = today_or(on, "--on")
    with command_session(ctx) as session:
        member = acting_member(session, acting_as(ctx))
        response = record_response(session, target, kind, member, day, note)
    if as_json:
        print_json(response.model_dump(mode="json"))
        return
    console.print(
        f"Recorded: {_e(response.account)} {response.kind.value.replace('_', ' ')} on "
        f"{response.responded_on} ({_e(response.program)}).",
        highlight=False,
    )


@notes_app.command("print")
def notes_print(
    ctx: typer.Context,
    member_name: Annotated[
        str | None, typer.Option("--member", help="Whose notes (name or e-mail); default: you.")
    ] = None,
    day_text: Annotated[
        str | None, typer.Option("--date", help="The day (YYYY-MM-DD); default today.")
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="The PDF to write.")] = Path(
        "notes.pdf"
    ),
) -> None:
    """The day's thank-you notes as a PDF: each card, its envelope, and the writer's crib."""
    from goodwill.agenda.service import member_plan
    from goodwill.programs.cards import cards_pdf, note_cards

    day = today_or(day_text, "--date")
    with command_session(ctx) as session:
        member = member_named_or_acting(session, ctx, member_name)
        member_plan(session, member, day)  # makes the day's plans if they are not made yet
        cards = note_cards(session, member, day)
        if not cards:
            raise Invalid(f"{member.name} has no handwritten notes on the plan of {day}")
        pdf = cards_pdf(cards, member.name, day)
    output.write_bytes(pdf)
    console.print(f"Wrote {output}: {len(cards)} notes (card, envelope and crib for each).")


def digest(
    ctx: typer.Context,
    week: Annotated[
        str | None, typer.Option("--week", help="A day of the week (YYYY-MM-DD); default today.")
    ] = None,
    send: Annotated[bool, typer.Option("--send", help="Mail it (GOODWILL_SMTP_*).")] = False,
    to: Annotated[
        list[str] | None,
        typer.Option("--to", help="Send to this address (repeatable); default managers, admins."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the HTML page here.")
    ] = None,
    as_json: JsonOption = False,
    today: TodayOption = None,
) -> None:
    """The team's weekly review: acts, responses, programs, arrows, promises, quotes."""
    from goodwill.programs.digest import (
        digest_html,
        digest_recipients,
        digest_text,
        send_digest,
        weekly_digest,
    )

    now = today_or(today)
    day = parse_day(week, "--week") or now
    with command_session(ctx) as session:
        gathered = weekly_digest(session, day, now)
        recipients = list(to or []) or digest_recipients(session)
    if output is not None:
        output.write_text(digest_html(gathered), encoding="utf-8")
        console.print(f"Wrote {output}.")
    if send:
        send_digest(gathered, recipients)
        console.print(f"Sent the weekly review to {', '.join(recipients)}.", highlight=False)
    if as_json:
        print_json(gathered.model_dump(mode="json"))
    elif not send and output is None:
        sys.stdout.write(digest_text(gathered))
