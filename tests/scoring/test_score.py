"""Scoring on the real engines: stored weeks, replacement, arrow, flags, and the CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.models import (
    Account,
    AccountKind,
    AccountRollup,
    Channel,
    HealthWeek,
    Member,
    Order,
    Role,
    ScoringRun,
    Touch,
    Value,
    account_owner,
)
from goodwill.scoring import core, service
from goodwill.scoring.rollups import refresh_accounts
from tests.accounts.commands import as_json, failure, ok

DAY = date(2026, 3, 11)  # a Wednesday


def at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=UTC)


def customers(session: Session, n: int, seed: int = 3) -> list[Account]:
    """n customers with a few years of orders each, buying at their own pace."""
    rng = np.random.default_rng(seed)
    accounts = [Account(name=f"Customer {i:03d}", tier="ABC"[i % 3]) for i in range(n)]
    session.add_all(accounts)
    session.flush()
    for a in accounts:
        gap = int(rng.integers(10, 120))
        start = DAY - timedelta(days=int(rng.integers(300, 900)))
        stop = DAY - timedelta(days=int(rng.integers(0, 400)))
        day, k = start, 0
        while day <= stop:
            session.add(
                Order(
                    account_id=a.id,
                    external_id=f"{a.id}-{k}",
                    ordered_on=day,
                    amount_minor=int(rng.integers(5_000, 90_000)),
                )
            )
            day += timedelta(days=gap + int(rng.integers(0, gap)))
            k += 1
    session.flush()
    return accounts


def rows_of_week(session: Session, week_on: date) -> list[HealthWeek]:
    session.expire_all()
    return list(session.scalars(select(HealthWeek).where(HealthWeek.week_on == week_on)))


def test_score_stores_one_explained_row_per_customer_per_week(session: Session) -> None:
    accounts = customers(session, 40)
    session.add(Account(name="A supplier", kind=AccountKind.SUPPLIER))
    report = service.score(session, DAY)
    assert report.week_on == date(2026, 3, 9)
    assert report.accounts == 40  # customers only
    assert report.rollups_recomputed == 41  # every account had no rollup yet
    assert not report.fit.rhythm_default
    rows = rows_of_week(session, report.week_on)
    assert len(rows) == 40
    for row in rows:
        parts = [getattr(row, c) for c in core.COMPONENTS]
        assert abs(sum(parts) - row.health) < 1e-3
        assert 0 <= row.health <= 100
    assert report.up + report.flat + report.down == 40

    # Re-scoring the same week replaces its rows; a touch of value raises that account.
    best = accounts[0]
    before = next(r.health for r in rows if r.account_id == best.id)
    session.add(
        Touch(
            account_id=best.id,
            channel=Channel.SIT_DOWN,
            happened_at=at(DAY - timedelta(days=1)),
            summary="sat down about their goals",
            value=Value.INFORMATION,
        )
    )
    refresh_accounts(session, [best.id], as_of=DAY)
    later = DAY + timedelta(days=2)
    moved = session.scalar(
        select(func.count()).select_from(AccountRollup).where(AccountRollup.stale_on <= later)
    )
    again = service.score(session, later)
    assert moved is not None
    assert again.rollups_recomputed == moved < 10  # only rows whose window moved
    rows = rows_of_week(session, report.week_on)
    assert len(rows) == 40
    after = next(r for r in rows if r.account_id == best.id)
    assert after.health > before
    assert after.as_of == DAY + timedelta(days=2)
    assert session.scalar(select(func.count()).select_from(ScoringRun)) == 1

    # Another week adds rows, it does not replace them.
    service.score(session, DAY + timedelta(days=7))
    assert session.scalar(select(func.count()).select_from(HealthWeek)) == 80


def test_the_arrow_follows_health_over_the_weeks_and_revenue(session: Session) -> None:
    customers(session, 35)
    rising, falling = Account(name="Rising"), Account(name="Falling")
    session.add_all([rising, falling])
    session.flush()
    # Falling: all revenue in the 90 days before the last 90; Rising: only lately.
    for k, (account, ago) in enumerate([(falling, 120), (falling, 150), (rising, 10)]):
        session.add(
            Order(
                account_id=account.id,
                external_id=f"x{k}",
                ordered_on=DAY - timedelta(days=ago),
                amount_minor=100_000,
            )
        )
    # Rising also gets more attention every week.
    for week in range(4):
        day = DAY + timedelta(weeks=week)
        for k in range(week * 2):
            session.add(
                Touch(
                    account_id=rising.id,
                    channel=Channel.VISIT,
                    happened_at=at(day - timedelta(days=k)),
                    summary="visit",
                    value=Value.EXTRA_MILE,
                )
            )
        session.flush()
        refresh_accounts(session, [rising.id], as_of=day)
        service.score(session, day)
    rows = {r.account_id: r for r in rows_of_week(session, service.week_of(DAY + timedelta(3 * 7)))}
    assert rows[rising.id].trend > 2.0
    assert rows[rising.id].arrow == "up"
    assert rows[falling.id].arrow == "down"


def test_complacency_marks_rising_top_accounts_without_value_lately(session: Session) -> None:
    customers(session, 35)
    star = Account(name="Star")
    session.add(star)
    session.flush()
    for k in range(6):
        session.add(
            Order(
                account_id=star.id,
                external_id=f"s{k}",
                ordered_on=DAY - timedelta(days=5 + 10 * k),
                amount_minor=5_000_000,
            )
        )
    session.add(
        Touch(
            account_id=star.id,
            channel=Channel.CALL,
            happened_at=at(DAY - timedelta(days=45)),
            summary="useful tip",
            value=Value.INFORMATION,
        )
    )
    session.flush()
    service.score(session, DAY)
    row = next(r for r in rows_of_week(session, service.week_of(DAY)) if r.account_id == star.id)
    assert (row.top, row.arrow, row.days_since_value, row.complacent) == (True, "up", 45, True)
    top = service.top_accounts(session, as_of=DAY, today=DAY, n=3)
    assert top.accounts[0].name == "Star"
    assert top.accounts[0].complacent
    assert top.accounts[0].reason.startswith("rising, but nothing of value in 45 days")
    # A thank-you with value yesterday lifts the flag.
    session.add(
        Touch(
            account_id=star.id,
            channel=Channel.NOTE,
            happened_at=at(DAY - timedelta(days=1)),
            summary="thank-you note",
            value=Value.THANKS,
        )
    )
    refresh_accounts(session, [star.id], as_of=DAY)
    service.score(session, DAY)
    row = next(r for r in rows_of_week(session, service.week_of(DAY)) if r.account_id == star.id)
    assert not row.complacent


def test_neglect_is_no_purchase_in_n_days_beside_the_chance_of_buying(session: Session) -> None:
    customers(session, 35)
    quiet = Account(name="Quiet")
    session.add(quiet)
    session.flush()
    for k in range(8):
        session.add(
            Order(
                account_id=quiet.id,
                external_id=f"q{k}",
                ordered_on=DAY - timedelta(days=200 + 14 * k),
                amount_minor=10_000,
            )
        )
    session.flush()
    service.score(session, DAY)
    health = service.account_health(session, quiet.id, DAY)
    assert health.neglected
    assert health.outlook.days_since_order == 200
    assert 0 < health.outlook.chance_of_buying < 0.5
    assert health.reason.startswith("no purchase in 200 days")
    words = {c.name: c.words for c in health.components}
    assert words["vitality"].endswith("last order 200 days ago")
    assert words["value"] == "no value delivered on record"


# --- the command line ---------------------------------------------------------------------


def test_score_and_top_commands(configured: str, session: Session) -> None:
    accounts = customers(session, 12)  # too few to fit: the output says so
    ann = Member(name="Ann Smith", email="ann@example.com", role=Role.MEMBER)
    session.add(ann)
    session.flush()
    session.execute(account_owner.insert().values(account_id=accounts[0].id, member_id=ann.id))
    session.commit()

    report = as_json("score", "--as-of", "2026-03-11", "--rebuild")
    assert report["accounts"] == 12
    assert report["rollups_recomputed"] == 12
    assert report["fit"]["rhythm_default"] is True
    text = ok("score", "--as-of", "2026-03-11").stdout
    assert "Scored 12 customers as of 2026-03-11 (week of 2026-03-09)" in text
    assert "too few customers to fit the buying rhythm" in text

    top = as_json("top", "--n", "3", "--as-of", "2026-03-11")
    assert len(top["accounts"]) == 3
    revenue = [a["revenue_365_minor"] for a in top["accounts"]]
    assert revenue == sorted(revenue, reverse=True)
    assert all(a["arrow"] in ("up", "flat", "down") and a["reason"] for a in top["accounts"])
    mine = as_json("top", "--member", "ann@example.com", "--as-of", "2026-03-11")
    assert [a["name"] for a in mine["accounts"]] == [accounts[0].name]
    assert mine["accounts"][0]["owners"] == ["Ann Smith"]

    table = ok("top", "--n", "5", "--as-of", "2026-03-11").stdout
    assert "Top accounts, week of 2026-03-09" in table
    assert any(arrow in table for arrow in ("↑", "→", "↓"))
    assert "too few customers" in table

    history = ok("score", "--as-of", "2026-03-11", "--weeks", "3").stdout
    assert "Scored the week of 2026-02-23: 12 customers." in history
    assert "Scored the week of 2026-03-02: 12 customers." in history
    assert "(week of 2026-03-09)" in history
    weeks = session.scalars(select(HealthWeek.week_on).distinct().order_by(HealthWeek.week_on))
    assert [w.isoformat() for w in weeks] == ["2026-02-23", "2026-03-02", "2026-03-09"]
    session.rollback()  # end the read: the next command writes
    assert "--as-of 'soon' is not a date" in failure("score", "--as-of", "soon")
    assert "no member 'bob@example.com'" in failure("top", "--member", "bob@example.com")


def test_top_scores_the_week_first_when_it_was_not_scored(
    configured: str, session: Session
) -> None:
    customers(session, 3)
    session.commit()
    top = as_json("top", "--as-of", "2026-03-11")
    assert top["week_on"] == "2026-03-09"
    assert len(top["accounts"]) == 3


def test_account_shows_health_components_and_rhythm(configured: str, session: Session) -> None:
    accounts = customers(session, 3)
    session.commit()
    name = accounts[0].name
    assert "Health: not scored yet (run: goodwill score)" in ok("account", name).stdout
    ok("score", "--as-of", "2026-03-11")
    ok("score", "--as-of", "2026-03-18")
    text = ok("account", name, "--today", "2026-03-18").stdout
    assert "Health: " in text
    assert "Main reason: " in text
    for component in core.COMPONENTS:
        assert component in text
    assert "Buying rhythm: " in text
    assert "Weekly health, oldest first: " in text
    view = as_json("account", name, "--today", "2026-03-11")
    assert view["health"]["week_on"] == "2026-03-09"
    assert [c["name"] for c in view["health"]["components"]] == list(core.COMPONENTS)
    assert len(view["health_history"]) == 2


def test_logging_a_touch_or_a_promise_keeps_the_rollup_current(session: Session) -> None:
    from goodwill.promises.schemas import PromiseIn
    from goodwill.promises.service import keep_promise, make_promise
    from goodwill.scoring.rollups import today_utc
    from goodwill.touches.schemas import TouchIn
    from goodwill.touches.service import log_touch

    acme = Account(name="Acme")
    ann = Member(name="Ann", email="ann@example.com")
    session.add_all([acme, ann])
    session.flush()
    today = today_utc()
    log_touch(
        session,
        TouchIn(
            account_id=acme.id,
            member_id=ann.id,
            summary="brought a useful article",
            channel=Channel.VISIT,
            value=Value.INFORMATION,
            happened_at=at(today),
        ),
    )
    rollup = session.get(AccountRollup, acme.id)
    assert rollup is not None
    assert (rollup.visits_90, rollup.last_value_at) == (1, at(today))
    promise = make_promise(
        session,
        PromiseIn(
            account_id=acme.id, member_id=ann.id, what="price list", made_on=today, due_on=today
        ),
    )
    keep_promise(session, promise.id, today)
    session.expire_all()
    rollup = session.get(AccountRollup, acme.id)
    assert rollup is not None
    assert (rollup.promises_due_365, rollup.promises_kept_365) == (1, 1)


def test_deleting_an_account_deletes_its_health_rows(session: Session) -> None:
    """The trigger of migration 0009 does what the dropped ON DELETE CASCADE did."""
    accounts = customers(session, 30)
    service.score(session, DAY)
    service.score(session, DAY + timedelta(days=7))
    gone, kept = accounts[0].id, accounts[1].id

    def weeks(account_id: int) -> int:
        query = select(func.count()).where(HealthWeek.account_id == account_id)
        return int(session.scalar(query.select_from(HealthWeek)) or 0)

    assert (weeks(gone), weeks(kept)) == (2, 2)
    session.execute(account_owner.delete().where(account_owner.c.account_id == gone))
    session.execute(Order.__table__.delete().where(Order.account_id == gone))
    session.execute(AccountRollup.__table__.delete().where(AccountRollup.account_id == gone))
    session.execute(Account.__table__.delete().where(Account.id == gone))
    assert (weeks(gone), weeks(kept)) == (0, 2)
