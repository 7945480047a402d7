"""The web app and who may sign in: ``goodwill serve``, ``user ...`` and ``token ...``."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session

from goodwill.auth import service as auth
from goodwill.cli.common import acting_as, command_session, console, print_json
from goodwill.config import get_settings
from goodwill.errors import Invalid
from goodwill.members.service import acting_member, find_member, list_members
from goodwill.models import ApiToken, Member, Role

users = typer.Typer(help="Who may sign in: add members, reset passwords, change roles.")
tokens = typer.Typer(help="API tokens for the REST API (sent as Authorization: Bearer ...).")


def register(app: typer.Typer) -> None:
    """Add this group's commands to the app."""
    app.command("serve")(serve)
    app.add_typer(users, name="user")
    app.add_typer(tokens, name="token")


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, max=64, help="Worker processes (default: one per CPU core, at most 4)."
        ),
    ] = None,
) -> None:
    """Run the web app (and the REST API under /api/v1)."""
    import uvicorn

    from goodwill import schema
    from goodwill.db import get_engine
    from goodwill.demo.service import demo_password

    settings = get_settings()
    auth.secret_key(settings)  # refuse to start in production without a key, before binding
    engine = get_engine()
    if not schema.is_current(engine):
        schema.upgrade(engine)
    workers = workers or max(1, min(4, os.cpu_count() or 1))
    host = host or settings.web_host
    port = port or settings.web_port
    _check_free(host, port)
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    console.print(f"[bold]Goodwill is running at[/] http://{shown}:{port}/  (Ctrl+C stops it)")
    password = demo_password(settings.data_dir)
    if password:
        console.print(
            f"Demo sign-in: [cyan]priya.raman@goodwill-demo.com[/] (a rep), "
            f"[cyan]daniel.okafor@goodwill-demo.com[/] (manager) or "
            f"[cyan]margaret.holloway@goodwill-demo.com[/] (admin), "
            f"password [cyan]{escape(password)}[/]",
            soft_wrap=True,
            highlight=False,
        )
    uvicorn.run(
        "goodwill.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        proxy_headers=True,
        server_header=False,
    )


def _check_free(host: str, port: int) -> None:
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise Invalid(
                f"cannot listen on {host}:{port} ({exc.strerror}): is Goodwill already running? "
                "Pick another port with --port or GOODWILL_WEB_PORT"
            ) from None


RoleOption = Annotated[Role, typer.Option("--role", help="admin, manager or member.")]


@users.command("add")
def user_add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="Their e-mail: it is how they sign in.")],
    name: Annotated[str, typer.Option("--name", help="Their full name.")],
    role: RoleOption = Role.MEMBER,
) -> None:
    """Add a member who can sign in; prints a random first password once."""
    with command_session(ctx) as session:
        _check_admin(session, ctx)
        out, password = auth.add_member_who_signs_in(session, name, email, role)
    console.print(
        f"Added {escape(out.name)} <{escape(out.email)}> as {out.role.value}. "
        f"First password: [cyan]{escape(password)}[/] (shown once; change it with "
        "goodwill user password)",
        soft_wrap=True,
        highlight=False,
    )


def _check_admin(session: Session, ctx: typer.Context) -> None:
    """Adding people needs an admin, except for the very first one (who sets the system up)."""
    if auth.admin_count(session) == 0:
        return
    actor = acting_member(session, acting_as(ctx))
    auth.require_role(actor, Role.ADMIN)


@users.command("password")
def user_password(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="Whose password (e-mail or name).")],
    prompt: Annotated[
        bool, typer.Option("--prompt", help="Type the new password instead of a random one.")
    ] = False,
) -> None:
    """Give a member a new password (random unless --prompt); their sessions end."""
    with command_session(ctx) as session:
        member = find_member(session, email)
        actor_email = acting_as(ctx)
        if not (actor_email and actor_email.strip().lower() == member.email):
            _check_admin(session, ctx)
        password = (
            typer.prompt("New password", hide_input=True, confirmation_prompt=True)
            if prompt
            else auth.new_password()
        )
        auth.set_password(session, member, password)
    if prompt:
        console.print(f"Password changed for {escape(member.email)}.")
    else:
        console.print(
            f"New password for {escape(member.email)}: [cyan]{escape(password)}[/] (shown once)",
            highlight=False,
        )


@users.command("role")
def user_role(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="Whose role (e-mail or name).")],
    role: Annotated[Role, typer.Argument(help="admin, manager or member.")],
) -> None:
    """Change a member's role."""
    with command_session(ctx) as session:
        _check_admin(session, ctx)
        member = find_member(session, email)
        member.role = role
        session.flush()
    console.print(f"{escape(member.name)} is now {role.value}.")


@users.command("list")
def user_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Everyone on the team, with their role and whether they can sign in."""
    with command_session(ctx) as session:
        members = list_members(session)
        with_password = {
            m.id for m in session.query(Member).filter(Member.password_hash.is_not(None))
        }
    if as_json:
        print_json(
            [{**m.model_dump(mode="json"), "can_sign_in": m.id in with_password} for m in members]
        )
        return
    table = Table(show_edge=False)
    for column in ("name", "e-mail", "role", "active", "can sign in"):
        table.add_column(column)
    for m in members:
        table.add_row(
            escape(m.name),
            escape(m.email),
            m.role.value,
            "yes" if m.active else "no",
            "yes" if m.id in with_password else "no",
        )
    console.print(table)


@tokens.command("add")
def token_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'ERP sync'.")],
) -> None:
    """A new API token for you (--as): printed once, stored only as a hash."""
    with command_session(ctx) as session:
        member = acting_member(session, acting_as(ctx))
        token, row = auth.create_api_token(session, member, name)
    console.print(
        f"API token {row.id} for {escape(member.email)}: [cyan]{token}[/] (shown once)\n"
        f"Use it as: curl -H 'Authorization: Bearer {token}' http://localhost:8000/api/v1/today",
        soft_wrap=True,
        highlight=False,
    )


@tokens.command("revoke")
def token_revoke(
    ctx: typer.Context, token_id: Annotated[int, typer.Argument(help="The token's number.")]
) -> None:
    """Revoke one of your API tokens (an admin may revoke anyone's)."""
    with command_session(ctx) as session:
        member = acting_member(session, acting_as(ctx))
        auth.revoke_api_token(session, member, token_id)
    console.print(f"API token {token_id} revoked.")


@tokens.command("list")
def token_list(ctx: typer.Context) -> None:
    """Your API tokens (an admin sees everyone's)."""
    with command_session(ctx) as session:
        member = acting_member(session, acting_as(ctx))
        query = session.query(ApiToken, Member).join(Member, Member.id == ApiToken.member_id)
        if not auth.may(member.role, Role.ADMIN):
            query = query.filter(ApiToken.member_id == member.id)
        rows = query.order_by(ApiToken.id).all()
        table = Table(show_edge=False)
        for column in ("id", "member", "name", "created", "last used", "revoked"):
            table.add_column(column)
        for token, owner in rows:
            table.add_row(
                str(token.id),
                escape(owner.email),
                escape(token.name),
                f"{token.created_at:%Y-%m-%d}",
                f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never",
                f"{token.revoked_at:%Y-%m-%d}" if token.revoked_at else "",
            )
    console.print(table)


def first_admin(session: Session, email: str, name: str) -> str:
    """Create the first admin with a random password (for ``goodwill init --admin``)."""
    if auth.admin_count(session):
        raise Invalid("there is an admin already: add people with goodwill user add")
    return auth.add_member_who_signs_in(session, name, email, Role.ADMIN)[1]
