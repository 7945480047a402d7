"""The team's settings (admins): cadence per tier, health weights, playbook rules.

The same settings, and the same checks, as the Settings page (goodwill.teamsettings): a
change is kept in the database, takes precedence over the environment and applies from the
next score and the next day's plans; a reset brings the environment's value back.
"""

from __future__ import annotations

import enum

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from goodwill.agenda.service import current_playbook
from goodwill.models import Channel
from goodwill.teamsettings import (
    EDITABLE,
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

router = APIRouter(prefix="/settings", tags=["settings"])


class Name(enum.StrEnum):
    """A setting the team changes in the app (goodwill.teamsettings.EDITABLE)."""

    CADENCE_DAYS = "cadence_days"
    CADENCE_DEFAULT_DAYS = "cadence_default_days"
    HEALTH_WEIGHTS = "health_weights"


class Resettable(enum.StrEnum):
    """A setting whose team change can be dropped: an editable one, or the playbook rules."""

    CADENCE_DAYS = "cadence_days"
    CADENCE_DEFAULT_DAYS = "cadence_default_days"
    HEALTH_WEIGHTS = "health_weights"
    PLAYBOOK_RULES = RULES


assert {n.value for n in Name} == set(EDITABLE), "Name must list every editable setting"


class RuleOut(BaseModel):
    """A playbook rule as it is in force: on or off, and its priority."""

    name: str
    title: str
    channel: Channel
    enabled: bool
    priority: int
    changed: bool = Field(description="whether the team changed it in the app")


class SettingsOut(BaseModel):
    """The settings in force, which of them the team changed, and the playbook's rules."""

    cadence_days: dict[str, int]
    cadence_default_days: int
    health_weights: dict[str, float]
    health_points: dict[str, float] = Field(description="the weights scaled to 100 points")
    changed: list[str] = Field(description="settings the team changed (the rest: environment)")
    rules: list[RuleOut]


class SettingChange(BaseModel):
    """A setting's new value: days per tier, a number of days, or weights per component."""

    value: dict[str, float] | int


class RuleChange(BaseModel):
    """A playbook rule switched on or off, with its priority (1 to 10)."""

    enabled: bool
    priority: int = Field(ge=1, le=10)


def _out(session: Session) -> SettingsOut:
    settings = effective_settings(session)
    overrides = rule_overrides(session)
    return SettingsOut(
        cadence_days=settings.cadence_days,
        cadence_default_days=settings.cadence_default_days,
        health_weights=settings.health_weights,
        health_points=health_points(settings),
        changed=changed_settings(session),
        rules=[
            RuleOut(
                name=rule.name,
                title=rule.title,
                channel=rule.channel,
                enabled=rule.enabled,
                priority=rule.priority,
                changed=rule.name in overrides,
            )
            for rule in current_playbook(session).rules
        ],
    )


@router.get("", summary="The team's settings (admin)", response_model=SettingsOut)
def settings_get(session: DbSession, caller: Admin) -> SettingsOut:
    """Cadence, health weights and playbook rules as they are in force."""
    return _out(session)


@router.put("/{name}", summary="Change a setting (admin)", response_model=SettingsOut)
def setting_put(session: DbSession, caller: Admin, name: Name, body: SettingChange) -> SettingsOut:
    """Change cadence_days ({"A": 14, ...}), cadence_default_days (days) or health_weights
    ({"vitality": 25, ...}); the value is checked as the environment's is."""
    change_setting(session, name.value, body.value)
    return _out(session)


@router.put(
    "/rules/{rule}", summary="Switch a playbook rule on or off (admin)", response_model=RuleOut
)
def rule_put(
    session: DbSession,
    caller: Admin,
    body: RuleChange,
    rule: str = Path(max_length=60),
) -> RuleOut:
    """Switch a rule on or off and set its priority, from the next day's plans."""
    change_rule(session, current_playbook(), rule, enabled=body.enabled, priority=body.priority)
    found = next(r for r in _out(session).rules if r.name == rule)
    return found


@router.delete(
    "/{name}", summary="Drop the team's change to a setting (admin)", response_model=SettingsOut
)
def setting_reset(session: DbSession, caller: Admin, name: Resettable) -> SettingsOut:
    """The environment's value (or for playbook_rules, the playbook file's) applies again."""
    reset_setting(session, name.value)
    return _out(session)
