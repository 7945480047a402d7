"""Settings changed in the app: validated, stored, and in force for the next score and plan."""

from __future__ import annotations

import polars as pl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill.agenda.features import features_frame
from goodwill.agenda.playbook import evaluate
from goodwill.agenda.service import current_playbook, ensure_plans
from goodwill.errors import Invalid
from goodwill.models import HealthWeek
from goodwill.models.plan import PlanItem
from goodwill.scoring.service import score, week_of
from goodwill.teamsettings import (
    change_rule,
    change_setting,
    effective_settings,
    reset_setting,
)
from tests.agenda.world import DAY, build_world


def _health(session: Session, account_id: int) -> float:
    row = session.scalar(
        select(HealthWeek).where(
            HealthWeek.account_id == account_id, HealthWeek.week_on == week_of(DAY)
        )
    )
    assert row is not None
    return float(row.health)


def test_changes_take_precedence_over_the_environment_and_can_be_undone(session: Session) -> None:
    assert effective_settings(session).cadence_days == {"A": 14, "B": 30, "C": 60}
    change_setting(session, "cadence_days", {"A": 7, "B": 21})
    change_setting(session, "cadence_default_days", 45)
    settings = effective_settings(session)
    assert settings.cadence_days == {"A": 7, "B": 21}
    assert settings.cadence_default_days == 45
    assert settings.daily_capacity == 8  # the rest is the environment's
    reset_setting(session, "cadence_days")
    assert effective_settings(session).cadence_days == {"A": 14, "B": 30, "C": 60}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("cadence_days", {"A": 0}, "cadence_days.A"),
        ("cadence_days", {"A": "often"}, "cadence_days.A"),
        ("cadence_default_days", 0, "cadence_default_days"),
        ("health_weights", {"vitality": -1}, "health_weights"),
        ("health_weights", {"charm": 5}, "health_weights.charm"),
        ("health_weights", {"vitality": 0}, "not all zero"),
        ("daily_capacity", 3, "cannot be changed"),
    ],
)
def test_a_bad_value_is_refused_naming_the_setting(
    session: Session, name: str, value: object, message: str
) -> None:
    with pytest.raises(Invalid, match=message):
        change_setting(session, name, value)


def test_a_bad_rule_change_names_the_rule_and_the_field(session: Session) -> None:
    playbook = current_playbook()
    with pytest.raises(Invalid, match="rule 'complacency', field 'priority'"):
        change_rule(session, playbook, "complacency", enabled=True, priority=11)
    with pytest.raises(Invalid, match="rule 'no-such-rule'"):
        change_rule(session, playbook, "no-such-rule", enabled=True, priority=3)


def test_changed_weights_change_the_next_score(session: Session) -> None:
    world = build_world(session)
    score(session, DAY)
    before = _health(session, world.cedar.id)
    # Cedar last ordered 200 days ago: with all weight on vitality its health falls.
    change_setting(session, "health_weights", {"vitality": 1})
    score(session, DAY)
    after = _health(session, world.cedar.id)
    assert after != pytest.approx(before, abs=0.5)
    assert after < before


def test_a_changed_cadence_changes_the_features_and_the_rules_that_fire(session: Session) -> None:
    world = build_world(session)
    score(session, DAY)

    def fired() -> pl.DataFrame:
        features = features_frame(session, DAY)
        return evaluate(current_playbook(session), features).filter(
            (pl.col("account_id") == world.acme.id) & (pl.col("rule") == "cadence-overdue")
        )

    assert fired().height == 0  # touched 5 days ago, tier B: every 30 days
    change_setting(session, "cadence_days", {"B": 3})
    features = features_frame(session, DAY).filter(pl.col("account_id") == world.acme.id)
    assert features["cadence_days"].to_list() == [3]
    assert fired().height == 1


def test_a_disabled_rule_or_priority_change_applies_to_the_next_plan(session: Session) -> None:
    world = build_world(session)
    base = current_playbook()
    change_rule(session, base, "quote-follow-up", enabled=False, priority=8)
    change_rule(session, base, "promise-due", enabled=True, priority=2)
    playbook = current_playbook(session)
    rules = {r.name: r for r in playbook.rules}
    assert not rules["quote-follow-up"].enabled
    assert rules["promise-due"].priority == 2
    ensure_plans(session, DAY)
    planned = {(item.account_id, item.rule) for item in session.scalars(select(PlanItem))}
    assert (world.birch.id, "quote-follow-up") not in planned
    assert not any(rule == "quote-follow-up" for _, rule in planned)
