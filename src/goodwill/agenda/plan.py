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
from collections.abc import Mapping, Sequence
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


def rule_column(name: str) -> str:
    """The column of ``fired`` that holds the rule's urgency (rule names may be feature names)."""
    return f"rule:{name}"


def day_seed(day: date) -> int:
    """A stable number for the day, so hashing spreads owners the same way all day long."""
    return int.from_bytes(hashlib.sha256(day.isoformat().encode()).digest()[:4], "big")


LEADERS = pl.Schema(
    [
        ("account_id", pl.Int64),
        ("kind", pl.String),
        ("owners", pl.List(pl.Int64)),
        ("rule", pl.String),
        ("score", pl.Float64),
    ]
)
"""The shape of the leaders' frame (see ``_leaders``)."""


def _stake() -> pl.Expr:
    """Value at stake: grows with the logarithm (base 10) of the 12-month value."""
    return 1.0 + pl.col("value_12m").fill_null(0.0).clip(lower_bound=0.0).log1p() / 2.302585


def _leaders(
    fired: pl.DataFrame, priorities: Mapping[str, int], *, scores: bool = False
) -> pl.DataFrame:
    """The accounts some rule fires for: account_id, kind, owners, the leading ``rule`` and
    its ``score`` (with ``scores``, also each rule's score, in the rule's column, empty where
    it does not fire).

    Across columns, not over one row per (account, rule): at a million accounts, joining and
    grouping those rows was most of the choice. On a tie the rule first by name leads.
    """
    names = sorted(priorities)
    columns = [rule_column(n) for n in names]
    if not names:
        return pl.DataFrame(schema=LEADERS)
    stake = _stake()
    return (
        fired.lazy()
        .select(
            "account_id",
            "kind",
            "owners",
            *(
                (pl.lit(priorities[n], pl.Int64) * stake * pl.col(c)).alias(c)
                for n, c in zip(names, columns, strict=True)
            ),
        )
        .with_columns(pl.max_horizontal(columns).alias("score"))
        .filter(pl.col("score").is_not_null())
        .select(
            "account_id",
            "kind",
            "owners",
            pl.coalesce(
                pl.when(pl.col(c) == pl.col("score")).then(pl.lit(n, pl.String))
                for n, c in zip(names, columns, strict=True)
            ).alias("rule"),
            "score",
            *(columns if scores else []),
        )
        .collect()
    )


def _also(row: Mapping[str, Any], names: Sequence[str]) -> list[str]:
    """The other rules that fire for the account, best first (on a tie, by name)."""
    others = [n for n in names if row[rule_column(n)] is not None and n != row["rule"]]
    return sorted(others, key=lambda n: (-row[rule_column(n)], n))


def score_items(fired: pl.DataFrame, priorities: Mapping[str, int]) -> pl.DataFrame:
    """One item per account: the best-scoring rule leads, the others are listed in ``also``.

    ``fired``: from ``playbook.fired`` (account_id, kind, value_12m, owners and a column per
    rule); ``priorities``: each rule's priority. The score is priority x stake x urgency.
    """
    leaders = _leaders(fired, priorities, scores=True)
    names = sorted(priorities)
    also = [_also(row, names) for row in leaders.iter_rows(named=True)]
    return leaders.select(
        "account_id",
        "rule",
        pl.Series("also", also, dtype=pl.List(pl.String)),
        "score",
        "kind",
        "owners",
    ).sort("account_id")


def _active_owners(fired: pl.DataFrame, member_ids: list[int]) -> pl.Expr:
    """The owners who take a plan today (all of them, the usual case, costs nothing)."""
    everyone = fired.select(pl.col("owners").explode().drop_nulls().unique())["owners"]
    if everyone.is_in(member_ids).all():
        return pl.col("owners")
    return pl.col("owners").list.set_intersection(member_ids)


def make_plans(
    fired: pl.DataFrame,
    priorities: Mapping[str, int],
    members: pl.DataFrame,
    day: date,
) -> pl.DataFrame:
    """Each member's ranked plan for ``day`` (see the module's rules).

    ``fired`` and ``priorities`` as for ``score_items``. ``members``: member_id, capacity (only
    members who take a plan today). What the caller has excluded (done, snoozed, dismissed,
    planned for someone else) is not in ``fired``.

    The big steps run over one narrow row per account (id, score, kind, chosen owner); the
    owners' lists and the other rules are looked up only for the few accounts that need them.
    """
    active = members.filter(pl.col("capacity") > 0)
    if fired.height == 0 or active.height == 0:
        return pl.DataFrame(schema=PLAN)
    member_ids = active["member_id"].cast(pl.Int64).to_list()
    capacity = dict(zip(member_ids, active["capacity"].to_list(), strict=True))
    seed = day_seed(day)
    items = (
        _leaders(fired, priorities)
        .lazy()
        .with_columns(_active_owners(fired, member_ids))
        .with_columns(pl.col("owners").list.len().alias("owner_count"))
        .collect()
    )

    # Owned accounts go to one of their active owners.
    owned = (
        items.lazy()
        .filter(pl.col("owner_count") > 0)
        .select(
            "account_id",
            "kind",
            "score",
            "owner_count",
            member_id=pl.col("owners").list.get(
                (pl.col("account_id").hash(seed) % pl.col("owner_count")).cast(pl.Int64)
            ),
        )
        .sort(["score", "account_id"], descending=[True, False])
        .with_columns(rank=pl.int_range(1, pl.len() + 1).over("member_id"))
        .join(
            active.lazy().select(pl.col("member_id").cast(pl.Int64), "capacity"),
            on="member_id",
            maintain_order="left",
        )
        .collect()
    )
    taken = owned.filter(pl.col("rank") <= pl.col("capacity"))
    owned_spare = owned.filter(pl.col("rank") > pl.col("capacity"))
    plans: dict[int, list[dict[str, Any]]] = {m: [] for m in capacity}
    for row in taken.sort(["member_id", "rank"]).iter_rows(named=True):
        plans[row["member_id"]].append(row)

    # An owned account its chosen owner had no room for goes to a co-owner with room. Only
    # members with room are looked at, and they own few accounts, so this loop stays short.
    roomy = [m for m in capacity if len(plans[m]) < capacity[m]]
    overflow = (
        owned_spare.filter(pl.col("owner_count") > 1)
        .join(items.select("account_id", "owners"), on="account_id", maintain_order="left")
        .filter(pl.col("owners").list.set_intersection(roomy).list.len() > 0)
    )
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
        items.lazy()
        .filter(pl.col("owner_count") == 0)
        .select("account_id", "kind", "score")
        .sort(["score", "account_id"], descending=[True, False])
        .head(free + len(capacity))
        .collect()
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
    # owned_spare keeps owned's order (best score first, then account id): no sort again.
    best_spare = (
        owned_spare.filter(pl.col("kind") == "customer")
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

    # The leading rule and the others, only for the accounts chosen.
    chosen = [r["account_id"] for plan in plans.values() for r in plan]
    detail = {
        row["account_id"]: row
        for row in _leaders(
            fired.filter(pl.col("account_id").is_in(chosen)), priorities, scores=True
        ).iter_rows(named=True)
    }
    names = sorted(priorities)
    rows: list[dict[str, Any]] = []
    for member, plan in plans.items():
        ranked = sorted(plan, key=lambda r: (-r["score"], r["account_id"]))
        rows.extend(
            {
                "member_id": member,
                "position": position,
                "account_id": r["account_id"],
                "rule": detail[r["account_id"]]["rule"],
                "also": _also(detail[r["account_id"]], names),
                "score": r["score"],
            }
            for position, r in enumerate(ranked, start=1)
        )
    return pl.DataFrame(rows, schema=PLAN)
