"""The ``goodwill`` command.

Errors are one clear line on standard error and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from goodwill import schema
from goodwill.cli import demo, records, transfer
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


@app.command()
def init() -> None:
    """Create the database, or bring it to the newest schema."""
    engine = get_engine()
    schema.upgrade(engine)
    console.print(f"Database ready: {get_settings().resolved_database_url}")


transfer.register(app)
demo.register(app)
records.register(app)


def main() -> None:
    """Entry point: run the app and turn known errors into one line and exit code 1."""
    try:
        app()
    except GoodwillError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(1)
    except OperationalError as exc:
        err_console.print(
            f"[bold red]error:[/] cannot use the database: {exc.orig}", highlight=False
        )
        sys.exit(1)
    except SQLAlchemyError as exc:
        err_console.print(f"[bold red]error:[/] database error: {exc}", highlight=False)
        sys.exit(1)
