"""The ``goodwill`` command.

Errors are one clear line on standard error and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Annotated, NoReturn

import typer
from rich.markup import escape
from sqlalchemy.exc import OperationalError, SQLAlchemyError

# Typer (from 0.29) vendors Click; its usage errors are raised from here in non-standalone mode.
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

from goodwill import schema
from goodwill.cli import agenda, demo, programs, quotes, records, scoring, transfer, web
from goodwill.cli.common import console, err_console
from goodwill.config import get_settings
from goodwill.db import get_engine
from goodwill.errors import GoodwillError

app = typer.Typer(
    name="goodwill",
    help="Goodwill: who to contact today, why, how, and what to bring.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    as_member: Annotated[
        str | None,
        typer.Option("--as", help="E-mail of the team member to act as (or GOODWILL_MEMBER)."),
    ] = None,
) -> None:
    """Goodwill: who to contact today, why, how, and what to bring."""
    ctx.obj = {"as": as_member}
    # Rich reads COLUMNS once, when the console is made; honour it for every command (tests
    # and pipes set it to get tables as wide as they ask for).
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        console.width = err_console.width = int(columns)


@app.command()
def init(
    admin: Annotated[
        str | None, typer.Option("--admin", help="E-mail of the first admin to create.")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="The first admin's name.")] = None,
) -> None:
    """Create the database, or bring it to the newest schema; optionally the first admin."""
    engine = get_engine()
    schema.upgrade(engine)
    console.print(f"Database ready: {get_settings().resolved_database_url}")
    if admin:
        from goodwill.cli.common import command_session

        with command_session() as session:
            password = web.first_admin(session, admin, name or admin.split("@")[0])
        console.print(
            f"First admin {escape(admin)} created. Password: [cyan]{escape(password)}[/] "
            "(shown once; change it with goodwill --as EMAIL user password EMAIL --prompt)",
            soft_wrap=True,
            highlight=False,
        )


transfer.register(app)
demo.register(app)
records.register(app)
quotes.register(app)
agenda.register(app)
scoring.register(app)
programs.register(app)
web.register(app)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one line on standard error and exit with ``code`` (1 unless told)."""
    line = " ".join(message.split())
    err_console.print(f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True)
    sys.exit(code)


def usage_error(exc: UsageError) -> NoReturn:
    """A mistake in how a command was typed: one line and where to read more, exit 2."""
    if isinstance(exc, NoArgsIsHelpError):
        exc.show()
        sys.exit(2)
    path = exc.ctx.command_path if exc.ctx is not None else "goodwill"
    message = exc.format_message().replace("Value error, ", "")
    fail(f"{message} (see: {path} --help)", code=2)


def keep_traceback() -> str:
    """Write the current exception's traceback to the data folder; say where, for a report."""
    try:
        folder = get_settings().data_dir
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "last-error.txt"
        path.write_text(traceback.format_exc(), encoding="utf-8")
    except OSError:
        return "please report it"
    return f"please report it with {path}"


def main() -> None:
    """Entry point: run the app and turn known errors into one line and exit code 1."""
    try:
        code = app(standalone_mode=False)
    except UsageError as exc:
        usage_error(exc)
    except (typer.Abort, KeyboardInterrupt):
        fail("interrupted", code=130)
    except ClickException as exc:
        fail(exc.format_message(), code=exc.exit_code)
    except GoodwillError as exc:
        fail(str(exc))
    except OperationalError as exc:
        fail(f"cannot use the database: {exc.orig}")
    except SQLAlchemyError as exc:
        fail(f"database error: {exc}")
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
    except Exception as exc:  # a bug: still one line, with the details kept for the report
        fail(f"unexpected {type(exc).__name__}: {exc} ({keep_traceback()})")
    sys.exit(code if isinstance(code, int) else 0)
