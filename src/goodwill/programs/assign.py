"""The randomized split of a program's eligible accounts: pure, seeded, stratified by value.

Accounts are first put in value strata: ``none`` (no revenue in the last 12 months: the
neglected customers, suppliers, partners), then the rest in tertiles of 12-month revenue
(``low``, ``mid``, ``high``). Within each stratum a seeded shuffle puts the holdout share
aside. Stratifying keeps the big accounts from landing by chance mostly on one side, which
would make the comparison noisy (big accounts order more whatever we do).

The holdout counts are allocated with a running total over the strata, so the whole program
holds out ``round(n x fraction)`` accounts and each stratum within one of its exact share:
rounding each stratum alone would hold out nobody from small strata.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

STRATA = ("none", "low", "mid", "high")
"""Value tiers, from no revenue in 12 months to the top third."""


@dataclass(frozen=True)
class Draw:
    """One account's place in the split: its stratum and whether it is held out."""

    account_id: int
    stratum: str
    holdout: bool


def value_strata(account_ids: Sequence[int], revenue: Sequence[float]) -> dict[int, str]:
    """Each account's value tier: ``none`` without 12-month revenue, else its revenue tertile.

    Tertiles are by rank (revenue, then id), so ties cannot leave a tier empty.
    """
    strata = {a: "none" for a, r in zip(account_ids, revenue, strict=True) if not r > 0}
    paying = sorted(
        ((r, a) for a, r in zip(account_ids, revenue, strict=True) if r > 0),
    )
    for tier, part in zip(STRATA[1:], np.array_split(np.arange(len(paying)), 3), strict=True):
        for index in part:
            strata[paying[int(index)][1]] = tier
    return strata


def split(strata: dict[int, str], fraction: float, seed: int) -> list[Draw]:
    """Draw the holdout within each stratum; the result is in a random order to plan them in.

    The same accounts, fraction and seed give the same draw on any machine (NumPy's PCG64).
    """
    if not 0 < fraction < 1:
        raise ValueError(f"the holdout fraction must be between 0 and 1, not {fraction}")
    rng = np.random.default_rng(seed)
    draws: list[Draw] = []
    seen = 0
    held = 0
    for stratum in STRATA:
        members = np.array(sorted(a for a, s in strata.items() if s == stratum), dtype=np.int64)
        seen += len(members)
        # Running allocation: after this stratum, round(seen x fraction) are held out in all.
        take = int(np.floor(seen * fraction + 0.5)) - held
        held += take
        shuffled = rng.permutation(members)
        draws.extend(Draw(int(a), stratum, n < take) for n, a in enumerate(shuffled))
    order = rng.permutation(len(draws))
    return [draws[int(i)] for i in order]
