"""The plan for the day: who gets which account, in what order, from the playbook's candidates.

Pure: Polars frames in, a Polars frame out; the database work is in ``agenda.service``.

The rules, from the Today issue and the essays:

- an item's score is priority x value at stake x urgency; value at stake grows with the
  logarithm of the account's 12-month value, so a small account with a broken promise still
  outranks a large one that merely is due a call;
- one item per account: when several rules fire for an account, the best one leads and the
  others ride along as "also";
- relationship owners get their accounts first (an account with several owners goes to one
  of them, chosen by a hash of the account and the day, so the load spreads and is stable,
  or to a co-owner with room when that one's plan is full);
- each member takes at most their capacity; unowned accounts are dealt over the team by load;
- no account goes to two people on the same day;
- each member gets at least one act for a customer when one is to be had.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import polars as pl

PLAN = pl.Schema(
    [
        ("member_id", pl.Int64),
        ("position", pl.Int64),
        ("account_id", pl.Int64),
        ("rule", pl.String),
        ("also", pl.List(pl.String)),
        ("score", pl.Float64),
    ]
)
"""The shape of a plan: one row per item, ``position`` 1 first."""


def day_seed(day: date) -> int:
    """A stable number for the day, so hashing spreads owners the same way all day long."""
    return int.from_bytes(hashlib.sha256(day.isoformat().encode()).digest()[:4], "big")


def score_items(candidates: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """One item per account: the best-scoring rule leads, the others are listed in ``also``.

    ``candidates``: account_id, rule, priority, urgency (from ``playbook.evaluate``).
    ``accounts``: account_id, kind, value_12m, owners (list of member ids).
    """
    stake = (
        1.0 + pl.col("value_12m").fill_null(0.0).clip(lower_bound=0.0).log1p() / 2.302585
    ).alias("stake")
    scored = (
        candidates.join(accounts.select("account_id", stake), on="account_id", how="inner")
        .with_columns(score=pl.col("priority") * pl.col("stake") * pl.col("urgency"))
        .sort(["account_id", "score", "rule"], descending=[False, True, False])
    )
    items = scored.group_by("account_id", maintain_order=True).agg(
        pl.col("rule").first(),
        pl.col("rule").slice(1).alias("also"),
        pl.col("score").first(),
    )
    return items.join(accounts.select("account_id", "kind", "owners"), on="account_id")


def make_plans(
    candidates: pl.DataFrame,
    accounts: pl.DataFrame,
    members: pl.DataFrame,
    day: date,
) -> pl.DataFrame:
    """Each member's ranked plan for ``day`` (see the module's rules).

    ``members``: member_id, capacity (only members who take a plan today). Candidates the
    caller has excluded (done, snoozed, dismissed, planned for someone else) are not passed.
    """
    items = score_items(candidates, accounts)
    active = members.filter(pl.col("capacity") > 0)
    if items.height == 0 or active.height == 0:
        return pl.DataFrame(schema=PLAN)
    member_ids = active["member_id"].cast(pl.Int64)
    capacity = dict(zip(member_ids.to_list(), active["capacity"].to_list(), strict=True))
    seed = day_seed(day)

    # Owned accounts go to one of their active owners.
    owned = (
        items.with_columns(pl.col("owners").list.set_intersection(member_ids.to_list()))
        .filter(pl.col("owners").list.len() > 0)
        .with_columns(
            member_id=pl.col("owners").list.get(
                (pl.col("account_id").hash(seed) % pl.col("owners").list.len()).cast(pl.Int64)
            )
        )
        .sort(["score", "account_id"], descending=[True, False])
        .with_columns(rank=pl.int_range(1, pl.len() + 1).over("member_id"))
        .join(active.select(pl.col("member_id").cast(pl.Int64), "capacity"), on="member_id")
    )
    taken = owned.filter(pl.col("rank") <= pl.col("capacity"))
    owned_spare = owned.filter(pl.col("rank") > pl.col("capacity"))
    plans: dict[int, list[dict[str, Any]]] = {m: [] for m in capacity}
    for row in taken.sort(["member_id", "rank"]).iter_rows(named=True):
        plans[row["member_id"]].append(row)

    # An owned account its chosen owner had no room for goes to a co-owner with room. Only
    # members with room are looked at, and they own few accounts, so this loop stays short.
    roomy = [m for m in capacity if len(plans[m]) < capacity[m]]
    overflow = owned_spare.filter(pl.col("owners").list.set_intersection(roomy).list.len() > 0)
    placed: set[int] = set()
    for row in overflow.iter_rows(named=True):
        room = [m for m in row["owners"] if len(plans[m]) < capacity[m]]
        if room:
            plans[min(room, key=lambda m: (len(plans[m]), m))].append(row)
            placed.add(row["account_id"])
    owned_spare = owned_spare.filter(~pl.col("account_id").is_in(list(placed)))

    # Unowned accounts are dealt, best first, to whoever has the lightest plan.
    free = sum(capacity[m] - len(plans[m]) for m in capacity)
    unowned = (
        items.filter(pl.col("owners").list.set_intersection(member_ids.to_list()).list.len() == 0)
        .sort(["score", "account_id"], descending=[True, False])
        .head(free + len(capacity))
    )
    unowned_rows = list(unowned.iter_rows(named=True))
    dealt = 0
    for row in unowned_rows:
        open_members = [m for m in capacity if len(plans[m]) < capacity[m]]
        if not open_members:
            break
        lightest = min(open_members, key=lambda m: (len(plans[m]), m))
        plans[lightest].append(row)
        dealt += 1
    leftovers = unowned_rows[dealt:]

    # At least one act for a customer per member: swap the weakest item for the best customer one.
    best_spare = (
        owned_spare.filter(pl.col("kind") == "customer")
        .sort(["score", "account_id"], descending=[True, False])
        .group_by("member_id", maintain_order=True)
        .first()
    )
    spare_by_member = {row["member_id"]: row for row in best_spare.iter_rows(named=True)}
    free_customers = [r for r in leftovers if r["kind"] == "customer"]
    for member in capacity:
        plan = plans[member]
        if any(r["kind"] == "customer" for r in plan):
            continue
        pick = spare_by_member.get(member) or (free_customers.pop(0) if free_customers else None)
        if pick is None:
            continue
        if len(plan) >= capacity[member]:
            plan.pop()
        plan.append(pick)

    rows: list[dict[str, Any]] = []
    for member, plan in plans.items():
        ranked = sorted(plan, key=lambda r: (-r["score"], r["account_id"]))
        rows.extend(
            {
                "member_id": member,
                "position": position,
                "account_id": r["account_id"],
                "rule": r["rule"],
                "also": r["also"],
                "score": r["score"],
            }
            for position, r in enumerate(ranked, start=1)
        )
    return pl.DataFrame(rows, schema=PLAN)
