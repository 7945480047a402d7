"""The plan for the day: capacity, owners first, fairness, one person per account."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from goodwill.agenda.plan import make_plans, rule_column, score_items

DAY = date(2026, 11, 23)


def candidates(*rows: tuple[int, str, int, float]) -> list[tuple[int, str, int, float]]:
    """(account_id, rule, priority, urgency) rows: what fires, as playbook.evaluate lists it."""
    return list(rows)


def fired(
    rows: list[tuple[int, str, int, float]], accounts: pl.DataFrame
) -> tuple[pl.DataFrame, dict[str, int]]:
    """The rows as ``playbook.fired`` gives them (a column per rule), with the priorities."""
    priorities: dict[str, int] = {}
    for _, rule, priority, _ in rows:
        assert priorities.setdefault(rule, priority) == priority, "one priority per rule"
    frame = accounts
    for rule in priorities:
        urgency = {a: u for a, r, _, u in rows if r == rule}
        frame = frame.with_columns(
            pl.col("account_id")
            .replace_strict(urgency, default=None, return_dtype=pl.Float64)
            .alias(rule_column(rule))
        )
    return frame, priorities


def plans_for(
    rows: list[tuple[int, str, int, float]], accounts: pl.DataFrame, members: pl.DataFrame
) -> pl.DataFrame:
    """make_plans over what fires for these accounts."""
    frame, priorities = fired(rows, accounts)
    return make_plans(frame, priorities, members, DAY)


def accounts(*rows: tuple[int, str, float, list[int]]) -> pl.DataFrame:
    """(account_id, kind, value_12m, owners) rows."""
    return pl.DataFrame(
        rows,
        schema={
            "account_id": pl.Int64,
            "kind": pl.String,
            "value_12m": pl.Float64,
            "owners": pl.List(pl.Int64),
        },
        orient="row",
    )


def members(**capacity: int) -> pl.DataFrame:
    """Members m1, m2… with their capacities."""
    return pl.DataFrame(
        {"member_id": [int(k[1:]) for k in capacity], "capacity": list(capacity.values())},
        schema={"member_id": pl.Int64, "capacity": pl.Int64},
    )


def plan_of(plans: pl.DataFrame, member: int) -> list[int]:
    """The member's accounts in plan order."""
    return plans.filter(member_id=member).sort("position")["account_id"].to_list()


def test_score_is_priority_times_stake_times_urgency_and_best_rule_leads() -> None:
    items = score_items(
        *fired(
            candidates((1, "call", 4, 1.0), (1, "note", 6, 1.0), (2, "call", 4, 2.0)),
            accounts((1, "customer", 999.0, []), (2, "customer", 0.0, [])),
        )
    ).sort("account_id")
    first: dict[str, Any] = items.row(0, named=True)
    assert first["rule"] == "note"
    assert first["also"] == ["call"]
    assert first["score"] == pytest.approx(6 * (1 + 3.0))  # log10(1 + 999) = 3
    assert items.row(1, named=True)["score"] == pytest.approx(4 * 1 * 2.0)


def test_owners_get_their_accounts_first_and_capacity_holds() -> None:
    rows = [(n, "call", 5, 1.0) for n in range(1, 21)]
    owned = [(n, "customer", float(n * 100), [1] if n <= 12 else []) for n in range(1, 21)]
    plans = plans_for(candidates(*rows), accounts(*owned), members(m1=8, m2=8))
    assert len(plan_of(plans, 1)) == 8
    assert set(plan_of(plans, 1)) <= set(range(1, 13))
    # m1's eight are their largest owned accounts, best first.
    assert plan_of(plans, 1) == list(range(12, 4, -1))
    # Owned accounts m1 had no room for are not handed to m2.
    assert set(plan_of(plans, 2)) == set(range(13, 21))


def test_unowned_accounts_are_dealt_by_load_and_no_account_goes_to_two_people() -> None:
    rows = [(n, "call", 5, 1.0) for n in range(1, 31)]
    plans = plans_for(
        candidates(*rows),
        accounts(*[(n, "customer", 100.0, []) for n in range(1, 31)]),
        members(m1=8, m2=8, m3=8),
    )
    sizes = [len(plan_of(plans, m)) for m in (1, 2, 3)]
    assert sizes == [8, 8, 8]
    assert plans["account_id"].n_unique() == plans.height


def test_an_account_with_two_owners_goes_to_one_of_them_stably() -> None:
    rows = [(n, "call", 5, 1.0) for n in range(1, 41)]
    both = accounts(*[(n, "customer", 100.0, [1, 2]) for n in range(1, 41)])
    first = plans_for(candidates(*rows), both, members(m1=20, m2=20))
    again = plans_for(candidates(*rows), both, members(m1=20, m2=20))
    assert first.equals(again)
    assert first["account_id"].n_unique() == 40
    assert 8 <= len(plan_of(first, 1)) <= 32  # spread over both owners, not all to one


def test_each_member_gets_a_customer_act_when_one_is_to_be_had() -> None:
    rows = [(n, "call", 9, 1.0) for n in range(1, 4)] + [(10, "note", 1, 1.0)]
    owned = [(n, "supplier", 1000.0, [1]) for n in range(1, 4)] + [(10, "customer", 1.0, [1])]
    plans = plans_for(candidates(*rows), accounts(*owned), members(m1=3))
    assert 10 in plan_of(plans, 1)
    assert len(plan_of(plans, 1)) == 3


def test_members_without_capacity_and_empty_candidates_give_empty_plans() -> None:
    rows = [(1, "call", 5, 1.0)]
    assert (
        plans_for(candidates(*rows), accounts((1, "customer", 1.0, [])), members(m1=0)).height == 0
    )
    assert plans_for(candidates(), accounts(), members(m1=8)).height == 0
