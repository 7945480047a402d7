"""Outcome figures: the intervals against published values, and a crafted world's orders."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from sqlalchemy.orm import Session

from goodwill.models import (
    Program,
)
from goodwill.programs.outcomes import difference_of_means, difference_of_shares, wilson
from goodwill.programs.service import program_report
from tests.programs.world import crafted_program

START = date(2026, 3, 2)


def test_wilson_and_newcombe_match_newcombes_published_examples() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10.
    assert wilson(0, 10)[0] == pytest.approx(0.0, abs=1e-12)  # Wilson's interval never leaves 0..1
    d = difference_of_shares(56, 70, 48, 80)
    assert round(d.estimate, 4) == 0.2
    assert (round(d.low, 4), round(d.high, 4)) == (0.0524, 0.3339)
    d = difference_of_shares(9, 10, 3, 10)
    assert (round(d.low, 4), round(d.high, 4)) == (0.1705, 0.8090)
    d = difference_of_shares(6, 7, 2, 7)
    assert (round(d.low, 4), round(d.high, 4)) == (0.0582, 0.8062)
    d = difference_of_shares(5, 56, 0, 29)
    assert (round(d.low, 4), round(d.high, 4)) == (-0.0381, 0.1926)


def test_welch_interval_on_a_textbook_case() -> None:
    a = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    b = np.array([2.0, 2.0, 2.0, 2.0, 3.0])
    d = difference_of_means(a, b)
    assert d is not None
    assert d.estimate == pytest.approx(0.8)
    # SciPy's own Welch test gives the reference interval (se 0.7348, df 4.64).
    from scipy import stats

    reference = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert (d.low, d.high) == pytest.approx((reference.low, reference.high))
    assert difference_of_means(a[:1], b) is None


def crafted(session: Session) -> Program:
    """The crafted program of tests/programs/world.py, from START."""
    return crafted_program(session, START)


def test_outcome_figures_on_a_crafted_world(session: Session) -> None:
    program = crafted(session)
    report = program_report(session, program.id, START + timedelta(days=90))
    out = report.outcome
    assert out.complete
    assert not out.too_small
    assert (out.assigned.targets, out.assigned.ordered) == (20, 8)
    assert (out.holdout.targets, out.holdout.ordered) == (10, 2)
    assert out.assigned.share_ordered == pytest.approx(0.4)
    assert out.holdout.share_ordered == pytest.approx(0.2)
    assert out.assigned.revenue_minor == 8 * 150_000
    assert out.assigned.revenue_per_target_minor == 60_000
    assert out.holdout.revenue_per_target_minor == 12_000
    assert out.uplift is not None
    assert out.uplift.estimate == pytest.approx(0.2)
    expected = difference_of_shares(8, 20, 2, 10)
    assert (out.uplift.low, out.uplift.high) == (expected.low, expected.high)
    assert out.revenue_uplift_minor is not None
    assert out.revenue_uplift_minor.estimate == 48_000
    assert not out.significant  # 10 held out cannot tell 40% from 20%
    assert out.sentence.startswith(
        "Customers sent a note ordered within 60 days 40% of the time, against 20% of those "
        f"held out: +20 points, 95% CI {expected.low * 100:+.0f} to {expected.high * 100:+.0f}"
    )
    assert "includes zero" in out.sentence
    # The chart: share ordered by day, weekly; by day 14 three assigned had ordered.
    by_day = {p.day: p for p in out.curve}
    assert by_day[0].assigned == 0
    assert by_day[14].assigned == pytest.approx(5 / 20)
    assert by_day[60].assigned == pytest.approx(0.4)
    assert by_day[60].holdout == pytest.approx(0.2)


def test_an_open_window_and_small_groups_are_said_plainly(session: Session) -> None:
    program = crafted(session)
    early = program_report(session, program.id, START + timedelta(days=20)).outcome
    assert not early.complete
    assert early.assigned.ordered == 8 - 0  # all eight first orders fall in days 10-17
    assert early.holdout.ordered == 0
    assert "in the first 20 days" in early.sentence
    assert "still open until 2026-05-01" in early.sentence
    assert any("closes on 2026-05-01" in c for c in early.caveats)
    assert max(p.day for p in early.curve) == 14
