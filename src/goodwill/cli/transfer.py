"""``goodwill import`` and ``goodwill export``: CSV (and vCard) files in and out."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from goodwill.cli.common import command_session, console, err_console, print_json
from goodwill.errors import Invalid
from goodwill.transfer.columns import KINDS
from goodwill.transfer.problems import ImportFailed

if TYPE_CHECKING:
    from goodwill.transfer.service import ImportResult

KINDS_TEXT = "|".join(KINDS)
_STEPS = {"read": "Reading", "check": "Checking", "write": "Writing", "done": "Done"}


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        theirs, sep, ours = pair.partition("=")
        if not sep or not theirs.strip() or not ours.strip():
            raise Invalid(f"--map {pair!r}: write it as their_header=our_column")
        mapping[theirs.strip()] = ours.strip()
    return mapping


def _summary(result: ImportResult) -> str:
    verb = "would change" if result.dry_run else "imported"
    return (
        f"{escape(result.file)}: {verb} {result.rows} {result.kind}: "
        f"{result.inserted} new, {result.updated} updated, {result.unchanged} unchanged"
        + (" (dry run: nothing was written)" if result.dry_run else "")
    )


def import_command(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help=f"What the file holds: {KINDS_TEXT}.")],
    file: Annotated[Path, typer.Argument(help="The CSV file (or a .vcf file of contacts).")],
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="Read a column under another header: their_header=our_column (repeatable).",
        ),
    ] = None,
    encoding: Annotated[
        str, typer.Option(help="The file's text encoding, e.g. cp1252 or latin-1.")
    ] = "utf-8",
    date_format: Annotated[
        str, typer.Option(help="How dates are written, as a strftime format, e.g. %d/%m/%Y.")
    ] = "%Y-%m-%d",
    decimal_comma: Annotated[
        bool, typer.Option("--decimal-comma", help="Amounts are written like 1.234,56.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the file and say what would change.")
    ] = False,
    account: Annotated[
        str | None,
        typer.Option(help="For a .vcf file: the external id of the account the people are at."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Import accounts, contacts, orders, quotes, touches or facts: all rows or none."""
    from goodwill.transfer.check import ReadRules  # Polars and phone data: load on use
    from goodwill.transfer.service import import_file

    rules = ReadRules(date_format=date_format, decimal_comma=decimal_comma)
    mapping = _mapping(map_ or [])
    started = time.perf_counter()
    show = console.is_terminal and not as_json
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not show,
    ) as bar:
        task = bar.add_task("Reading", total=1)

        def report(step: str, done: int, total: int) -> None:
            bar.update(task, description=_STEPS.get(step, step), completed=done, total=total)

        try:
            with command_session(ctx) as session:
                result = import_file(
                    session,
                    kind,
                    file,
                    mapping=mapping,
                    encoding=encoding,
                    rules=rules,
                    dry_run=dry_run,
                    account=account,
                    progress=report,
                )
        except ImportFailed as failed:
            if as_json:
                print_json(
                    {
                        "ok": False,
                        "file": file.name,
                        "kind": kind,
                        "problems": [p.as_dict() for p in failed.problems],
                        "total": failed.total,
                    }
                )
                raise typer.Exit(1) from failed
            bar.stop()
            if len(failed.problems) > 1:
                for problem in failed.problems:
                    err_console.print(f"  {escape(str(problem))}", highlight=False, soft_wrap=True)
            raise ImportFailed(
                failed.problems, failed.total, note="nothing was imported"
            ) from failed
    if as_json:
        print_json(result.as_dict() | {"ok": True, "seconds": time.perf_counter() - started})
        return
    console.print(_summary(result), highlight=False)


def export_command(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help=f"What to export: {KINDS_TEXT}.")],
    file: Annotated[Path, typer.Argument(help="The CSV file to write (or a .vcf for contacts).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Write every record of a kind to a file the import reads back unchanged."""
    with command_session(ctx) as session:
        from goodwill.transfer.export import export_file

        written = export_file(session, kind, file)
    if as_json:
        print_json({"ok": True, "file": str(file), "kind": kind, "rows": written})
        return
    console.print(f"{escape(str(file))}: exported {written} {escape(kind)}", highlight=False)


def backup_command(
    file: Annotated[Path, typer.Argument(help="The new file to write the backup to.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Copy the whole database into a new file, while Goodwill runs.

    SQLite: an ordinary SQLite file; PostgreSQL: pg_dump's custom format.
    """
    from goodwill.backup import backup
    from goodwill.db import get_engine

    size = backup(get_engine(), file)
    if as_json:
        print_json({"ok": True, "file": str(file), "bytes": size})
        return
    console.print(f"{escape(str(file))}: backed up, {size:,} bytes", highlight=False)


def restore_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The backup to put back (from goodwill backup).")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Do not ask: replace the database with the backup.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Replace the whole database with a backup; the current one is backed up first.

    The current database is kept in the data folder's backups/ folder. A backup from an
    older version is brought to the current schema. Stop the web app while it runs.
    """
    from goodwill.backup import restore
    from goodwill.cli.common import acting_as
    from goodwill.config import get_settings
    from goodwill.db import get_engine

    engine = get_engine()
    where = engine.url.render_as_string(hide_password=True)
    if not yes and not typer.confirm(
        f"Replace everything in {where} with {file}? (the current database is backed up first)"
    ):
        err_console.print("Nothing was changed.")
        raise typer.Exit(1)
    done = restore(
        engine,
        file,
        safety_folder=get_settings().data_dir / "backups",
        actor=acting_as(ctx) or "cli",
    )
    kept = str(done.safety_copy) if done.safety_copy else None
    if as_json:
        print_json(
            {
                "ok": True,
                "file": str(file),
                "schema_restored": done.revision_restored,
                "safety_copy": kept,
            }
        )
        return
    console.print(f"{escape(str(file))}: restored into {escape(where)}", highlight=False)
    if kept:
        console.print(f"The database as it was is kept in {escape(kept)}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this group's commands to the app."""
    app.command("import")(import_command)
    app.command("export")(export_command)
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
