"""Playbooks: the essays' practices as rules an admin can read and tune.

A rule is a condition over each account's scored features, an action, a suggested channel,
a reason template that quotes the evidence, and a priority. Rules live in a TOML file; the
defaults ship beside this module (``default_playbook.toml``) and a team can point
``GOODWILL_PLAYBOOK`` at its own copy.

Conditions are SQL boolean expressions (``days_since_order >= 180 AND kind = 'customer'``)
parsed by Polars into column expressions: no Python is ever evaluated, only the features
listed in ``FEATURES`` may be named, and one rule is evaluated over every account at once.
Reason templates are ``str.format`` templates limited to plain feature names, so a template
cannot reach attributes or items of anything.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from goodwill.agenda.plan import rule_column
from goodwill.errors import Invalid
from goodwill.models import Channel

FEATURES: dict[str, str] = {
    "account_id": "the account's id",
    "kind": "customer, supplier or partner",
    "tier": "the account's tier (A, B, C…), empty when unset",
    "is_top": "true for a top account (tier A, or in the top fifth by 12-month value)",
    "health": "relationship health, 0 to 100",
    "arrow": "direction of health: up, flat or down",
    "value_12m": "revenue in the last 12 months, in the currency's major unit",
    "days_since_order": "days since the last order (empty when there is none)",
    "typical_gap_days": "usual days between the customer's orders (empty: under 2 order days)",
    "p_buy_90": "chance of at least one order in the next 90 days given the customer's own rhythm",
    "expected_orders_90": "expected orders in the next 90 days",
    "days_since_touch": "days since any touch (empty when there is none)",
    "days_since_value": "days since we last delivered something of value (empty: never)",
    "cadence_days": "the target days between touches for the account's tier",
    "open_quote_days": "age in days of the oldest open quote not followed up (empty: none)",
    "promise_due_days": "days until the next open promise is due, below 0 if overdue (empty: none)",
    "promise_overdue_days": "days the most overdue open promise is late (empty: none overdue)",
    "goals_asked_this_quarter": "true when a goal for the coming quarter was learned this quarter",
    "has_facility_tour": "true when a facility tour is on record",
    "birthday_in_days": "days to the next birthday of one of the account's people (empty: unknown)",
    "anniversary_in_days": "days until the anniversary of the first order (empty: no orders)",
}
"""Every feature a rule may use, with what it means (shown in the settings page and docs)."""

_FORMATTER = string.Formatter()

PROMISE_RULES = frozenset({"promise-due", "promise-overdue"})
"""The default playbook's rules about an open promise: doing their item can keep it."""


class Rule(BaseModel):
    """One practice: when it applies, what to do, how, why (with evidence), how much it matters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=60, pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1, max_length=120)
    when: str = Field(min_length=1, max_length=1000)
    action: str = Field(min_length=1, max_length=200)
    channel: Channel
    reason: str = Field(min_length=1, max_length=500)
    priority: int = Field(ge=1, le=10)
    urgency: str = Field(default="1", min_length=1, max_length=500)
    source: str = ""
    enabled: bool = True

    @field_validator("when", "urgency")
    @classmethod
    def _expression_is_safe(cls, text: str) -> str:
        expression(text)
        return text

    @field_validator("reason")
    @classmethod
    def _reason_names_features(cls, reason: str) -> str:
        reason_fields(reason)
        return reason


@dataclass(frozen=True)
class Playbook:
    """The rules in force, in file order, and where they came from."""

    rules: tuple[Rule, ...]
    source: str

    def enabled(self) -> tuple[Rule, ...]:
        """The rules that are switched on."""
        return tuple(r for r in self.rules if r.enabled)


def expression(text: str) -> pl.Expr:
    """Parse a rule's SQL expression into a Polars one, refusing anything but known features."""
    try:
        expr = pl.sql_expr(text)
    except (pl.exceptions.SQLInterfaceError, pl.exceptions.SQLSyntaxError) as exc:
        raise ValueError(f"not a valid expression: {exc}") from exc
    unknown = sorted(set(expr.meta.root_names()) - set(FEATURES))
    if unknown:
        raise ValueError(f"unknown feature {unknown[0]!r} (known: {', '.join(FEATURES)})")
    return expr


def reason_fields(reason: str) -> list[tuple[str, str]]:
    """The (feature, format spec) pairs a reason template quotes; only plain feature names."""
    fields = []
    try:
        parsed = list(_FORMATTER.parse(reason))
    except ValueError as exc:
        raise ValueError(f"not a valid reason template: {exc}") from exc
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if conversion or name not in FEATURES:
            raise ValueError(f"the reason may only quote features by name, not {{{name}}}")
        fields.append((name, spec or ""))
    return fields


def parse_playbook(text: str, source: str) -> Playbook:
    """Read and validate a playbook's TOML text; errors name the file, the rule and the field."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Invalid(f"{source}: not valid TOML: {exc}") from exc
    extra = sorted(set(document) - {"rule"})
    if extra:
        raise Invalid(f"{source}: unknown section {extra[0]!r}; rules are [[rule]] tables")
    raw_rules = document.get("rule", [])
    if not isinstance(raw_rules, list) or not raw_rules:
        raise Invalid(f"{source}: no rules; write each as a [[rule]] table")
    rules: list[Rule] = []
    for number, raw in enumerate(raw_rules, start=1):
        label = f"rule {number}"
        if isinstance(raw, dict) and isinstance(raw.get("name"), str):
            label += f" ({raw['name']})"
        try:
            rules.append(Rule.model_validate(raw))
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(p) for p in error["loc"]) or "rule"
            message = str(error["msg"]).removeprefix("Value error, ")
            raise Invalid(f"{source}: {label}, field {field!r}: {message}") from exc
    names = [r.name for r in rules]
    for name in names:
        if names.count(name) > 1:
            raise Invalid(f"{source}: rule name {name!r} is used twice")
    return Playbook(tuple(rules), source)


def default_playbook() -> Playbook:
    """The playbook Goodwill ships with: the essays' practices."""
    text = resources.files("goodwill.agenda").joinpath("default_playbook.toml").read_text("utf-8")
    return parse_playbook(text, "default_playbook.toml")


def load_playbook(path: Path | None) -> Playbook:
    """The team's playbook at ``path``, or the default one when no path is set."""
    if path is None:
        return default_playbook()
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise Invalid(f"{path}: cannot read the playbook: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise Invalid(f"{path}: the playbook is not UTF-8 text") from exc
    return parse_playbook(text, str(path))


def _render(value: Any, spec: str) -> str:
    if value is None:
        return "unknown"
    try:
        return format(value, spec)
    except (ValueError, TypeError):
        return str(value)


_SINGULAR = {
    "days": "day",
    "weeks": "week",
    "months": "month",
    "years": "year",
    "orders": "order",
    "touches": "touch",
    "quotes": "quote",
    "promises": "promise",
    "calls": "call",
    "visits": "visit",
}
"""Plural nouns a reason may put after a number, and their singular for a count of 1."""


def explain(rule: Rule, row: dict[str, Any]) -> str:
    """The rule's reason for one account, with its numbers filled in ("due in 1 day", not
    "1 days": a plural noun right after a number that came out as 1 is made singular)."""
    parts = []
    one = False
    for literal, name, spec, _ in _FORMATTER.parse(rule.reason):
        if one:
            word = literal[1:].split(" ", 1)[0].rstrip(",.;:)")
            if literal.startswith(" ") and word in _SINGULAR:
                literal = " " + _SINGULAR[word] + literal[1 + len(word) :]
        parts.append(literal)
        one = False
        if name is not None:
            shown = _render(row.get(name), spec or "")
            one = shown == "1"
            parts.append(shown)
    return "".join(parts)


CANDIDATES = pl.Schema(
    {"account_id": pl.Int64, "rule": pl.String, "priority": pl.Int64, "urgency": pl.Float64}
)
"""The shape of what ``evaluate`` returns: one row per account and rule that fires."""


ACCOUNT_COLUMNS = ("account_id", "kind", "value_12m", "owners")
"""The features the plan's choice reads beside the rules (``fired(..., keep=ACCOUNT_COLUMNS)``)."""


def fired(
    playbook: Playbook, features: pl.DataFrame, keep: tuple[str, ...] = ("account_id",)
) -> pl.DataFrame:
    """Per account, each enabled rule's urgency where the rule fires (empty where it does not).

    One row per account, in the features' order: the columns ``keep`` of the features, then
    a column per enabled rule, named by ``rule_column``. Each rule's condition runs once over
    the whole frame; a condition that is unknown for an account (a comparison with an empty
    feature) does not fire. An unknown urgency counts as 1. Wide rather than one row per
    (account, rule): the plan then picks each account's best rule across columns, without
    joining or grouping a million rows.
    """
    missing = sorted(set(FEATURES) - set(features.columns))
    if missing:
        raise Invalid(f"the features frame lacks {', '.join(missing)}")
    return features.select(
        *keep,
        *(
            pl.when(expression(rule.when).fill_null(value=False))
            .then(
                expression(rule.urgency)
                .cast(pl.Float64)
                .fill_null(1.0)
                .fill_nan(1.0)
                .clip(0.1, 10.0)
            )
            .alias(rule_column(rule.name))
            for rule in playbook.enabled()
        ),
    )


def evaluate(playbook: Playbook, features: pl.DataFrame) -> pl.DataFrame:
    """Every (account, rule) that fires, with the rule's priority and its urgency for the account.

    Rule by rule in the playbook's order, accounts in the features' order. Reasons are
    rendered later, with ``explain``, only for what makes it into someone's plan.
    """
    wide = fired(playbook, features)
    rules = playbook.enabled()
    if not rules:
        return pl.DataFrame(schema=CANDIDATES)
    return (
        wide.rename({rule_column(rule.name): rule.name for rule in rules})
        .unpivot(
            on=[rule.name for rule in rules],
            index="account_id",
            variable_name="rule",
            value_name="urgency",
        )
        .drop_nulls("urgency")
        .select(
            pl.col("account_id").cast(pl.Int64),
            pl.col("rule").cast(pl.String),
            pl.col("rule")
            .replace_strict({rule.name: rule.priority for rule in rules}, return_dtype=pl.Int64)
            .alias("priority"),
            "urgency",
        )
    )
