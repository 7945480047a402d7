"""The playbook: loading with clear errors, safe conditions, each default rule at its edge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from goodwill.agenda.playbook import (
    FEATURES,
    default_playbook,
    evaluate,
    explain,
    load_playbook,
    parse_playbook,
)
from goodwill.errors import Invalid
from tests.agenda.features import NEUTRAL, SCHEMA, features

RULE = """
[[rule]]
name = "r"
title = "t"
when = "days_since_order >= 180"
action = "a"
channel = "note"
reason = "last order {days_since_order} days ago"
priority = 5
"""


def fired(overrides: dict[str, Any]) -> set[str]:
    """The default rules that fire for one account."""
    return set(evaluate(default_playbook(), features(overrides))["rule"].to_list())


def test_the_features_fixture_covers_every_feature_and_nothing_fires_on_it() -> None:
    assert set(SCHEMA) == set(FEATURES)
    assert set(NEUTRAL) | {"account_id"} == set(FEATURES)
    assert fired({}) == set()


# (rule, overrides that make it fire, overrides just outside its threshold)
EDGES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("promise-due", {"promise_due_days": 2}, {"promise_due_days": 3}),
    ("promise-due", {"promise_due_days": 0}, {"promise_due_days": -1}),
    ("promise-overdue", {"promise_overdue_days": 1}, {"promise_overdue_days": None}),
    ("quote-follow-up", {"open_quote_days": 8}, {"open_quote_days": 7}),
    (
        "top-account-slipping",
        {"is_top": True, "arrow": "down"},
        {"is_top": False, "arrow": "down"},
    ),
    ("neglected-customer", {"days_since_order": 180}, {"days_since_order": 179}),
    ("neglected-customer", {"p_buy_90": 0.29}, {"p_buy_90": 0.3}),
    (
        "neglected-customer",
        {"days_since_order": 400, "kind": "customer"},
        {"days_since_order": 400, "kind": "supplier"},
    ),
    (
        "complacency",
        {"is_top": True, "arrow": "up", "days_since_value": 31},
        {"is_top": True, "arrow": "up", "days_since_value": 30},
    ),
    (
        "complacency",
        {"is_top": True, "arrow": "up", "days_since_value": None},
        {"is_top": True, "arrow": "flat", "days_since_value": None},
    ),
    (
        "ask-goals",
        {"is_top": True, "goals_asked_this_quarter": False},
        {"is_top": True, "goals_asked_this_quarter": True},
    ),
    ("cadence-overdue", {"days_since_touch": 31}, {"days_since_touch": 30}),
    ("never-touched", {"days_since_touch": None}, {"days_since_touch": None, "kind": "partner"}),
    ("never-touched", {"days_since_touch": None}, {"days_since_touch": 400}),
    ("personal-date", {"birthday_in_days": 7}, {"birthday_in_days": 8}),
    ("personal-date", {"anniversary_in_days": 0}, {"anniversary_in_days": 8}),
    (
        "facility-tour",
        {"is_top": True, "has_facility_tour": False},
        {"is_top": False, "has_facility_tour": False},
    ),
]


@pytest.mark.parametrize(
    ("rule", "inside", "outside"), EDGES, ids=[f"{e[0]}-{i}" for i, e in enumerate(EDGES)]
)
def test_each_default_rule_fires_inside_its_threshold_and_not_just_outside(
    rule: str, inside: dict[str, Any], outside: dict[str, Any]
) -> None:
    assert rule in fired(inside)
    assert rule not in fired(outside)


def test_every_default_rule_is_exercised_and_cites_its_source() -> None:
    rules = default_playbook().rules
    assert {r.name for r in rules} == {e[0] for e in EDGES}
    assert all(r.source for r in rules)


def test_the_reason_quotes_the_evidence() -> None:
    playbook = default_playbook()
    rule = next(r for r in playbook.rules if r.name == "neglected-customer")
    text = explain(rule, {"days_since_order": 212, "typical_gap_days": 35.0, "p_buy_90": 0.18})
    assert text == (
        "last order 212 days ago; usually orders every 35 days; "
        "18% chance of an order in the next 90 days"
    )
    assert "unknown" in explain(rule, {"days_since_order": 212})


def test_a_count_of_one_reads_in_the_singular() -> None:
    rules = {r.name: r for r in default_playbook().rules}
    assert explain(rules["promise-due"], {"promise_due_days": 1}) == "a promise is due in 1 day"
    assert explain(rules["promise-due"], {"promise_due_days": 2}) == "a promise is due in 2 days"
    assert explain(rules["promise-due"], {"promise_due_days": 0}) == "a promise is due in 0 days"
    neglected = explain(
        rules["neglected-customer"],
        {"days_since_order": 1, "typical_gap_days": 1.0, "p_buy_90": 0.5},
    )
    assert neglected.startswith("last order 1 day ago; usually orders every 1 day;")


def test_urgency_grows_as_a_promise_gets_more_overdue() -> None:
    frame = features({"promise_overdue_days": 1}, {"promise_overdue_days": 14})
    result = evaluate(default_playbook(), frame).filter(rule="promise-overdue").sort("account_id")
    assert result["urgency"].to_list() == pytest.approx([1 + 1 / 7, 3.0])


def test_evaluation_is_over_all_accounts_at_once() -> None:
    frame = features(*({"days_since_order": d} for d in range(170, 190)))
    result = evaluate(default_playbook(), frame).filter(rule="neglected-customer")
    assert sorted(result["account_id"].to_list()) == list(range(11, 21))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nonsense = [", "not valid TOML"),
        ('[other]\nx = 1\n[[rule]]\nname="x"', "unknown section 'other'"),
        ("", "no rules"),
        (RULE.replace('"note"', '"fax"'), "rule 1 (r), field 'channel'"),
        (RULE.replace("priority = 5", "priority = 11"), "rule 1 (r), field 'priority'"),
        (RULE.replace(">= 180", ">>> 180"), "field 'when': not a valid expression"),
        (RULE.replace("days_since_order >=", "__import__ >="), "unknown feature '__import__'"),
        (RULE.replace("{days_since_order}", "{days_since_order.__class__}"), "field 'reason'"),
        (RULE.replace("{days_since_order}", "{secret}"), "may only quote features"),
        (RULE + 'colour = "red"\n', "field 'colour'"),
        (RULE + RULE, "rule name 'r' is used twice"),
    ],
    ids=[
        "toml",
        "section",
        "empty",
        "channel",
        "priority",
        "syntax",
        "unknown-name",
        "attribute-in-reason",
        "unknown-in-reason",
        "extra-field",
        "duplicate",
    ],
)
def test_a_bad_playbook_names_the_file_rule_and_field(text: str, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_playbook(text, "team.toml")
    assert str(caught.value).startswith("team.toml: ")
    assert message in str(caught.value)


def test_a_team_playbook_is_read_from_its_file(tmp_path: Path) -> None:
    path = tmp_path / "ours.toml"
    path.write_text(RULE, encoding="utf-8")
    playbook = load_playbook(path)
    assert [r.name for r in playbook.rules] == ["r"]
    assert playbook.source == str(path)
    with pytest.raises(Invalid, match="cannot read the playbook"):
        load_playbook(tmp_path / "missing.toml")


def test_a_disabled_rule_does_not_fire() -> None:
    playbook = parse_playbook(RULE + "enabled = false\n", "x.toml")
    assert evaluate(playbook, features({"days_since_order": 500})).height == 0


def test_the_documentation_lists_every_feature_and_the_default_playbook() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "playbooks.md").read_text(encoding="utf-8")
    for name in FEATURES:
        assert f"| `{name}` |" in docs, name
    shipped = (
        Path(__file__).parents[2] / "src" / "goodwill" / "agenda" / "default_playbook.toml"
    ).read_text(encoding="utf-8")
    assert shipped.strip() in docs
