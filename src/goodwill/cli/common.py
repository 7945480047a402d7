"""What every command shares: the session it works in, who it acts as, and output."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from goodwill import schema
from goodwill.config import get_settings
from goodwill.db import get_engine, session_scope
from goodwill.members.service import acting_member, find_member
from goodwill.models import Member

console = Console()
err_console = Console(stderr=True)


def acting_as(ctx: typer.Context | None = None) -> str | None:
    """The e-mail of the member this command acts as (--as, else GOODWILL_MEMBER)."""
    if ctx is not None:
        root = ctx.find_root()
        if isinstance(root.obj, dict) and root.obj.get("as"):
            return str(root.obj["as"])
    return get_settings().member


def member_named_or_acting(session: Session, ctx: typer.Context, name: str | None) -> Member:
    """The member ``--member`` names, else the one this command acts as."""
    return find_member(session, name) if name else acting_member(session, acting_as(ctx))


@contextmanager
def command_session(ctx: typer.Context | None = None) -> Iterator[Session]:
    """One transaction for the whole command, on a database at the newest schema."""
    engine = get_engine()
    if not schema.is_current(engine):
        schema.upgrade(engine)
    with session_scope(actor=acting_as(ctx) or "cli") as session:
        yield session


def print_json(value: Any) -> None:
    """Write a JSON document to standard output (for --json)."""
    sys.stdout.write(json.dumps(value, indent=2, default=str, ensure_ascii=False) + "\n")
