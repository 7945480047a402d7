"""A features frame for playbook and plan tests: neutral accounts on which no rule fires."""

from __future__ import annotations

from typing import Any

import polars as pl

NEUTRAL: dict[str, Any] = {
    "kind": "customer",
    "tier": "B",
    "is_top": False,
    "health": 60.0,
    "arrow": "flat",
    "value_12m": 10_000.0,
    "days_since_order": 20,
    "typical_gap_days": 30.0,
    "p_buy_90": 0.9,
    "expected_orders_90": 3.0,
    "days_since_touch": 10,
    "days_since_value": 10,
    "cadence_days": 30,
    "open_quote_days": None,
    "promise_due_days": None,
    "promise_overdue_days": None,
    "goals_asked_this_quarter": True,
    "has_facility_tour": True,
    "birthday_in_days": None,
    "anniversary_in_days": 100,
}

SCHEMA = {
    "account_id": pl.Int64,
    "kind": pl.String,
    "tier": pl.String,
    "is_top": pl.Boolean,
    "health": pl.Float64,
    "arrow": pl.String,
    "value_12m": pl.Float64,
    "days_since_order": pl.Int64,
    "typical_gap_days": pl.Float64,
    "p_buy_90": pl.Float64,
    "expected_orders_90": pl.Float64,
    "days_since_touch": pl.Int64,
    "days_since_value": pl.Int64,
    "cadence_days": pl.Int64,
    "open_quote_days": pl.Int64,
    "promise_due_days": pl.Int64,
    "promise_overdue_days": pl.Int64,
    "goals_asked_this_quarter": pl.Boolean,
    "has_facility_tour": pl.Boolean,
    "birthday_in_days": pl.Int64,
    "anniversary_in_days": pl.Int64,
}


def features(*accounts: dict[str, Any]) -> pl.DataFrame:
    """One row per given override dict, numbered from 1, neutral where not overridden."""
    rows = [{"account_id": n, **NEUTRAL, **a} for n, a in enumerate(accounts, start=1)]
    return pl.DataFrame(rows, schema=SCHEMA)
