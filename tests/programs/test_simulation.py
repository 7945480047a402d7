"""The uplift's 95% interval on generated worlds with a known true effect (no database).

Each world: 400 accounts in value strata whose chance of ordering differs by stratum (the
big accounts order more whatever we do), split by the program's own stratified draw with a
10% holdout, then each account orders with its stratum's chance plus the true effect if it
was assigned. The truth is that effect (the same in every stratum, so it is also the average).

Bounds: with 100 independent worlds and an interval that really covers 95% of the time, the
number of misses is Binomial(100, 0.05): mean 5, and P(more than 10 misses) is about 1.1%,
so "covers in at least 90 of 100" fails only for an interval that undercovers. Likewise with
no true effect, the count of worlds called significant is Binomial(100, 0.05); P(10 or more)
is about 2.8%, so "at most 9 of 100" leaves room for chance and still catches an interval
that is too narrow (a 90% interval would exceed it about half the time). The seeds are
fixed, so the test gives the same answer on every run.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from goodwill.programs.assign import split, value_strata
from goodwill.programs.outcomes import difference_of_shares, measure

BASE = {"none": 0.08, "low": 0.20, "mid": 0.30, "high": 0.45}
N = 400
OPENS = date(2026, 1, 5)


def world(seed: int, effect: float) -> tuple[int, int, int, int]:
    """Ordered and targets on each side of one generated world."""
    rng = np.random.default_rng(10_000 + seed)
    ids = list(range(1, N + 1))
    revenue = np.where(rng.random(N) < 0.3, 0.0, rng.lognormal(8, 1.2, N))
    strata = value_strata(ids, revenue.tolist())
    draws = split(strata, 0.10, seed)
    holdout = np.array([d.holdout for d in draws])
    chance = np.array([BASE[d.stratum] for d in draws]) + np.where(holdout, 0.0, effect)
    ordered = rng.random(N) < chance
    return (
        int(ordered[~holdout].sum()),
        int((~holdout).sum()),
        int(ordered[holdout].sum()),
        int(holdout.sum()),
    )


def test_the_interval_covers_a_known_effect_in_at_least_90_of_100_worlds() -> None:
    effect = 0.15
    covered = 0
    for seed in range(100):
        x1, n1, x0, n0 = world(seed, effect)
        assert n0 == 40  # the holdout is exactly 10%
        interval = difference_of_shares(x1, n1, x0, n0)
        covered += interval.low <= effect <= interval.high
    assert covered >= 90


def test_no_effect_is_called_significant_in_at_most_9_of_100_worlds() -> None:
    significant = 0
    for seed in range(100):
        x1, n1, x0, n0 = world(seed, 0.0)
        outcome = measure(
            assigned_first_day=np.where(np.arange(n1) < x1, 1.0, np.nan),
            assigned_revenue=np.zeros(n1, dtype=np.int64),
            holdout_first_day=np.where(np.arange(n0) < x0, 1.0, np.nan),
            holdout_revenue=np.zeros(n0, dtype=np.int64),
            window_days=60,
            opens_on=OPENS,
            as_of=date(2026, 6, 1),
        )
        significant += outcome.significant
    assert significant <= 9


def test_a_real_effect_is_mostly_found() -> None:
    # Not a coverage check but a guard against an interval so wide it never says anything.
    found = sum(difference_of_shares(*world(seed, 0.25)).low > 0 for seed in range(100))
    assert found >= 70
