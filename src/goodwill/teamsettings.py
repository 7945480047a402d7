"""Settings an admin changes in the app: cadence per tier, health weights, playbook rules.

They are kept in ``team_setting`` (one row per setting, its value as JSON) and take
precedence over the environment's value of the same name: ``effective_settings`` is the
environment's ``Settings`` with them applied, validated by the same rules. Scoring and
Today read their settings through it, so a change applies from the next score or plan.

The playbook's rules stay in their TOML file; an admin may switch a rule on or off and
change its priority, kept as ``playbook_rules`` (``{"rule-name": {"enabled": false,
"priority": 3}}``) and applied by ``apply_rule_overrides`` when the playbook is loaded.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from goodwill.config import Settings, get_settings
from goodwill.errors import Invalid
from goodwill.models.signin import TeamSetting
from goodwill.models.types import utcnow
from goodwill.scoring import core

if TYPE_CHECKING:
    from goodwill.agenda.playbook import Playbook

EDITABLE = ("cadence_days", "cadence_default_days", "health_weights")
"""The settings an admin may change in the app (names of ``Settings`` fields)."""
RULES = "playbook_rules"
_CACHE = "goodwill.effective_settings"


class _Overrides(BaseModel):
    """The editable settings, validated as the environment's are (and a bit more)."""

    model_config = ConfigDict(extra="forbid")

    cadence_days: dict[str, int] | None = None
    cadence_default_days: int | None = Field(default=None, ge=1, le=3650)
    health_weights: dict[str, float] | None = None


class RuleOverride(BaseModel):
    """An admin's change to one playbook rule."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    priority: int | None = Field(default=None, ge=1, le=10)


def _check(name: str, value: Any) -> Any:
    """The value of an editable setting, validated; Invalid names the setting and why."""
    if name not in EDITABLE:
        raise Invalid(f"{name!r} cannot be changed in the app (editable: {', '.join(EDITABLE)})")
    try:
        checked = getattr(_Overrides.model_validate({name: value}), name)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        raise Invalid(f"setting {where}: {error['msg']}") from None
    if name == "cadence_days":
        for tier, days in checked.items():
            if not tier.strip() or len(tier) > 20:
                raise Invalid(f"setting cadence_days: tier {tier!r} must be 1 to 20 characters")
            if not 1 <= days <= 3650:
                raise Invalid(f"setting cadence_days.{tier}: {days} days must be 1 to 3650")
    if name == "health_weights":
        unknown = sorted(set(checked) - set(core.COMPONENTS))
        if unknown:
            raise Invalid(
                f"setting health_weights.{unknown[0]}: not a health component "
                f"(components: {', '.join(core.COMPONENTS)})"
            )
        try:
            core.HealthRules(weights=dict(checked)).points()
        except ValueError as exc:
            raise Invalid(f"setting health_weights: {exc}") from None
    return checked


# Every request reads the settings: one statement built once, plain rows (the table holds a
# row per changed setting, a handful), and the settings made from the same rows kept.
_STORED = select(TeamSetting.__table__.c.name, TeamSetting.__table__.c.value)
_KNOWN = frozenset((*EDITABLE, RULES))
_MADE: dict[tuple[int, tuple[tuple[str, str], ...]], tuple[Settings, Settings]] = {}


def _stored_text(session: Session) -> tuple[tuple[str, str], ...]:
    rows = session.execute(_STORED).all()
    return tuple(sorted((str(n), str(v)) for n, v in rows if n in _KNOWN))


def stored(session: Session) -> dict[str, Any]:
    """Every setting the team changed in the app, by name (values as stored)."""
    return {name: json.loads(value) for name, value in _stored_text(session)}


def changed_settings(session: Session) -> list[str]:
    """The settings the team changed in the app, in the order of ``EDITABLE`` then the
    playbook's rules (the others are the environment's)."""
    changed = {name for name, _ in _stored_text(session)}
    return [name for name in (*EDITABLE, RULES) if name in changed]


def health_points(settings: Settings) -> dict[str, float]:
    """The health weights scaled to the 100 points they share, by component."""
    points = core.HealthRules(weights=settings.health_weights).points().tolist()
    return dict(zip(core.COMPONENTS, points, strict=True))


def effective_settings(session: Session, base: Settings | None = None) -> Settings:
    """The settings in force: the environment's, with the team's changes applied.

    Read once per session (a request or a command) and kept in ``session.info``.
    """
    if base is None and _CACHE in session.info:
        cached: Settings = session.info[_CACHE]
        return cached
    settings = base or get_settings()
    text = tuple(row for row in _stored_text(session) if row[0] in EDITABLE)
    if text:
        key = (id(settings), text)
        entry = _MADE.get(key)
        if entry is None or entry[0] is not settings:  # the entry holds its base: no id reuse
            valid = {name: _check(name, json.loads(value)) for name, value in text}
            if len(_MADE) >= 64:
                _MADE.clear()
            entry = _MADE[key] = (settings, settings.model_copy(update=valid))
        settings = entry[1]
    if base is None:
        session.info[_CACHE] = settings
    return settings


def _put(session: Session, name: str, value: Any) -> None:
    row = session.scalar(select(TeamSetting).where(TeamSetting.name == name))
    text = json.dumps(value, sort_keys=True)
    if len(text) > 4000:
        raise Invalid(f"setting {name}: too long to keep")
    if row is None:
        session.add(TeamSetting(name=name, value=text, changed_at=utcnow()))
    else:
        row.value = text
        row.changed_at = utcnow()
    session.flush()
    session.info.pop(_CACHE, None)


def change_setting(session: Session, name: str, value: Any) -> Settings:
    """Change a setting for the team (validated); returns the settings now in force."""
    _put(session, name, _check(name, value))
    return effective_settings(session)


def reset_setting(session: Session, name: str) -> Settings:
    """Drop the team's change to a setting: the environment's value applies again."""
    if name not in (*EDITABLE, RULES):
        raise Invalid(f"{name!r} is not a setting the app changes")
    session.execute(delete(TeamSetting).where(TeamSetting.name == name))
    session.flush()
    session.info.pop(_CACHE, None)
    return effective_settings(session)


def rule_overrides(session: Session) -> dict[str, RuleOverride]:
    """The team's changes to playbook rules, by rule name."""
    raw = stored(session).get(RULES) or {}
    return {name: RuleOverride.model_validate(change) for name, change in raw.items()}


def change_rule(
    session: Session, playbook: Playbook, name: str, *, enabled: bool, priority: int
) -> RuleOverride:
    """Switch a playbook rule on or off and set its priority; errors name the rule and field."""
    if name not in {rule.name for rule in playbook.rules}:
        raise Invalid(f"rule {name!r}: no such rule in {playbook.source}")
    try:
        change = RuleOverride(enabled=enabled, priority=priority)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"])
        raise Invalid(f"rule {name!r}, field {field!r}: {error['msg']}") from None
    changes = {k: v.model_dump() for k, v in rule_overrides(session).items()}
    changes[name] = change.model_dump()
    _put(session, RULES, changes)
    return change


def apply_rule_overrides(playbook: Playbook, overrides: dict[str, RuleOverride]) -> Playbook:
    """The playbook with the team's changes to its rules (unknown rule names are ignored)."""
    from goodwill.agenda.playbook import Playbook as Book

    if not overrides:
        return playbook
    rules = []
    for rule in playbook.rules:
        change = overrides.get(rule.name)
        if change is None:
            rules.append(rule)
            continue
        update = {k: v for k, v in change.model_dump().items() if v is not None}
        rules.append(rule.model_copy(update=update))
    return Book(tuple(rules), f"{playbook.source} with the team's changes")


def team_playbook(session: Session, playbook: Playbook) -> Playbook:
    """The playbook with the team's changes stored in the app applied."""
    return apply_rule_overrides(playbook, rule_overrides(session))
