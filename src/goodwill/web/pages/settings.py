"""Settings (admins): members and roles, playbook rules, cadence per tier, health weights.

Changes to cadence, weights and rules are kept in the database (``goodwill.teamsettings``)
and take precedence over the environment; they apply from the next score and the next
day's plans. A new or reset password is shown once, in the response to the POST that made
it (never in a URL, never stored in clear).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from goodwill.agenda.service import current_playbook
from goodwill.auth.service import add_member_who_signs_in, new_password, set_password
from goodwill.config import get_settings
from goodwill.errors import Invalid, NotFound
from goodwill.members.service import change_role, list_members, set_active
from goodwill.models import Member, Role
from goodwill.scoring import core
from goodwill.teamsettings import (
    RULES,
    change_rule,
    change_setting,
    changed_settings,
    effective_settings,
    health_points,
    reset_setting,
    rule_overrides,
)
from goodwill.web.deps import Admin, DbSession
from goodwill.web.templating import render

router = APIRouter()


def _page(request: Request, session: DbSession, **extra: Any) -> Response:
    settings = effective_settings(session)
    overrides = rule_overrides(session)
    context: dict[str, Any] = {
        "members": list_members(session),
        "roles": list(Role),
        "playbook": current_playbook(session),
        "overridden_rules": set(overrides),
        "settings": settings,
        "env": get_settings(),
        "changed": changed_settings(session),
        "components": core.COMPONENTS,
        "points": health_points(settings),
        "once": None,
        "flash": None,
        **extra,
    }
    return render(request, "settings/settings.html", context)


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, session: DbSession, caller: Admin) -> Response:
    """Members and roles, the playbook's rules, cadence per tier and health weights."""
    return _page(request, session)


def _done(anchor: str) -> Response:
    return RedirectResponse(f"/settings#{anchor}", status_code=303)


@router.post("/settings/members", response_class=HTMLResponse)
def member_add(
    request: Request,
    session: DbSession,
    caller: Admin,
    name: Annotated[str, Form(max_length=200)],
    email: Annotated[str, Form(max_length=320)],
    role: Annotated[Role, Form()] = Role.MEMBER,
) -> Response:
    """Add a member with a random first password, shown once."""
    added, password = add_member_who_signs_in(session, name, email, role)
    return _page(request, session, once={"who": added.email, "password": password})


def _member(session: DbSession, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(f"no member with id {member_id}")
    return member


@router.post("/settings/members/{member_id}/role")
def member_role(
    session: DbSession, caller: Admin, member_id: int, role: Annotated[Role, Form()]
) -> Response:
    """Give a member another role."""
    change_role(session, member_id, role, caller.member)
    return _done("members")


@router.post("/settings/members/{member_id}/active")
def member_active(
    session: DbSession, caller: Admin, member_id: int, active: Annotated[bool, Form()]
) -> Response:
    """Deactivate (their sessions end) or reactivate a member."""
    set_active(session, member_id, active, caller.member)
    return _done("members")


@router.post("/settings/members/{member_id}/password", response_class=HTMLResponse)
def member_password(
    request: Request, session: DbSession, caller: Admin, member_id: int
) -> Response:
    """Give a member a new random password, shown once; their sessions end."""
    member = _member(session, member_id)
    if member.id == caller.member.id:
        raise Invalid("change your own password from the command line (goodwill user password)")
    password = new_password()
    set_password(session, member, password)
    return _page(request, session, once={"who": member.email, "password": password})


@router.post("/settings/{name}/reset")
def setting_reset(session: DbSession, caller: Admin, name: str) -> Response:
    """Drop the team's change: the environment's value (or the playbook file's) applies.

    Declared before ``/settings/rules/{name}``, which would otherwise take
    ``/settings/rules/reset`` for a rule called "reset".
    """
    names = {
        "cadence": ("cadence_days", "cadence_default_days"),
        "weights": ("health_weights",),
        "rules": (RULES,),
    }
    if name not in names:
        raise NotFound(f"no setting {name!r}")
    for setting in names[name]:
        reset_setting(session, setting)
    return _done(name)


@router.post("/settings/rules/{name}")
def rule_change(
    session: DbSession,
    caller: Admin,
    name: str,
    priority: Annotated[int, Form()],
    enabled: Annotated[bool, Form()] = False,
) -> Response:
    """Switch a playbook rule on or off and set its priority (from the next plans)."""
    base = current_playbook()
    change_rule(session, base, name, enabled=enabled, priority=priority)
    return _done("rules")


@router.post("/settings/cadence")
async def cadence_change(request: Request, session: DbSession, caller: Admin) -> Response:
    """Set the target days between touches per tier, and for other tiers."""
    form = await request.form()
    tiers: dict[str, Any] = {}
    for key, value in form.multi_items():
        if key.startswith("tier_") and isinstance(value, str):
            tier = key.removeprefix("tier_")
            if value.strip():
                tiers[tier] = _number(value, f"cadence_days.{tier}")
    new_tier = str(form.get("new_tier") or "").strip()
    new_days = str(form.get("new_days") or "").strip()
    if new_tier and new_days:
        tiers[new_tier] = _number(new_days, f"cadence_days.{new_tier}")
    default = _number(str(form.get("default_days") or ""), "cadence_default_days")

    def save() -> None:
        change_setting(session, "cadence_days", tiers)
        change_setting(session, "cadence_default_days", default)

    await run_in_threadpool(save)  # database work off the event loop
    return _done("cadence")


@router.post("/settings/weights")
async def weights_change(request: Request, session: DbSession, caller: Admin) -> Response:
    """Set the weights of the health components (scaled to add up to 100)."""
    form = await request.form()
    weights: dict[str, float] = {}
    for name in core.COMPONENTS:
        text = str(form.get(f"w_{name}") or "").strip()
        if not text:
            raise Invalid(f"setting health_weights.{name}: give a weight (0 leaves it out)")
        try:
            weights[name] = float(text)
        except ValueError:
            raise Invalid(f"setting health_weights.{name}: {text!r} is not a number") from None
    await run_in_threadpool(change_setting, session, "health_weights", weights)
    return _done("weights")


def _number(text: str, where: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise Invalid(f"setting {where}: {text.strip()!r} is not a whole number of days") from None
