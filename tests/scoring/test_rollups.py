"""Rollups: each figure as of a day, targeted refreshes, and incremental == rebuilt."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from goodwill.models import (
    Account,
    AccountRollup,
    Channel,
    Fact,
    FactKind,
    Order,
    Promise,
    PromiseStatus,
    Quote,
    QuoteStatus,
    Touch,
    Value,
)
from goodwill.scoring import rollups
from goodwill.scoring.rollups import (
    NEVER,
    add_orders,
    bring_current,
    make_current,
    rebuild,
    refresh_accounts,
)

DAY = date(2026, 3, 10)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def ago(days: int) -> date:
    return DAY - timedelta(days=days)


def new_account(session: Session, name: str = "Acme") -> Account:
    account = Account(name=name)
    session.add(account)
    session.flush()
    return account


def order(session: Session, account: Account, on: date, amount: int) -> None:
    n = session.scalar(select(Order.id).order_by(Order.id.desc()).limit(1)) or 0
    session.add(
        Order(account_id=account.id, external_id=f"O{n + 1}", ordered_on=on, amount_minor=amount)
    )
    session.flush()


def new_orders(rows: list[tuple[int, date, int]]) -> pl.DataFrame:
    """New orders as an importer hands them to add_orders."""
    return pl.DataFrame(
        rows,
        schema={"account_id": pl.Int64, "ordered_on": pl.Date, "amount_minor": pl.Int64},
        orient="row",
    )


def touch(
    session: Session,
    account: Account,
    when: datetime,
    channel: Channel = Channel.CALL,
    value: Value = Value.NONE,
    quote: Quote | None = None,
) -> None:
    session.add(
        Touch(
            account_id=account.id,
            channel=channel,
            happened_at=when,
            summary="x",
            value=value,
            quote_id=quote.id if quote else None,
        )
    )


def rollup_of(session: Session, account: Account) -> AccountRollup:
    session.expire_all()
    row = session.get(AccountRollup, account.id)
    assert row is not None
    return row


def test_orders_fold_into_days_spend_and_windows(session: Session) -> None:
    acme = new_account(session)
    order(session, acme, ago(400), 1_000)  # outside 12 months
    order(session, acme, ago(200), 2_000)  # 12 months, not the 180 days
    order(session, acme, ago(120), 3_000)  # the 90 days before the last 90
    order(session, acme, ago(10), 4_000)
    order(session, acme, ago(10), 500)  # same day: one purchase occasion
    order(session, acme, DAY + timedelta(days=3), 9_999)  # after the day: not counted
    refresh_accounts(session, [acme.id], as_of=DAY)
    r = rollup_of(session, acme)
    assert (r.first_order_on, r.last_order_on) == (ago(400), ago(10))
    assert (r.order_count, r.order_days) == (5, 4)
    assert r.spend_minor == 10_500
    assert r.first_day_minor == 1_000
    assert (r.revenue_90_minor, r.revenue_prior_90_minor, r.revenue_365_minor) == (
        4_500,
        3_000,
        9_500,
    )
    # The next change: the future order arrives in three days.
    assert r.stale_on == DAY + timedelta(days=3)
    assert r.as_of == DAY


def test_touches_promises_quotes_and_facts(session: Session) -> None:
    acme = new_account(session)
    touch(session, acme, at(ago(100)), Channel.VISIT, Value.EXTRA_MILE)
    touch(session, acme, at(ago(20)), Channel.CALL)
    touch(session, acme, at(ago(5)), Channel.EMAIL)
    touch(session, acme, at(ago(2)), Channel.SIT_DOWN)
    touch(session, acme, at(ago(1)), Channel.EVENT, Value.INFORMATION)
    touch(session, acme, at(DAY + timedelta(days=1)), Channel.CALL, Value.THANKS)  # later
    for due, status in [
        (ago(30), PromiseStatus.KEPT),
        (ago(40), PromiseStatus.KEPT_LATE),
        (ago(50), PromiseStatus.BROKEN),
        (ago(60), PromiseStatus.CANCELLED),
        (ago(500), PromiseStatus.KEPT),  # over a year ago
        (DAY + timedelta(days=7), PromiseStatus.OPEN),  # not due yet
    ]:
        session.add(
            Promise(
                account_id=acme.id,
                what="x",
                made_on=due - timedelta(days=1),
                due_on=due,
                status=status,
            )
        )
    quotes = [
        Quote(
            account_id=acme.id,
            quoted_on=ago(50),
            amount_minor=1,
            status=QuoteStatus.WON,
            decided_on=ago(40),
        ),
        Quote(
            account_id=acme.id,
            quoted_on=ago(60),
            amount_minor=1,
            status=QuoteStatus.LOST,
            decided_on=ago(45),
        ),
        # decided after the day: still open as of the day
        Quote(
            account_id=acme.id,
            quoted_on=ago(30),
            amount_minor=1,
            status=QuoteStatus.WON,
            decided_on=DAY + timedelta(days=2),
        ),
        Quote(account_id=acme.id, quoted_on=ago(20), amount_minor=1),
    ]
    session.add_all(quotes)
    session.flush()
    touch(session, acme, at(ago(10)), Channel.CALL, quote=quotes[3])  # followed up
    session.add_all(
        [
            Fact(account_id=acme.id, kind=FactKind.GOAL, text="g", learned_on=date(2026, 1, 5)),
            Fact(account_id=acme.id, kind=FactKind.HISTORY, text="h", learned_on=ago(700)),
            Fact(account_id=acme.id, kind=FactKind.FAMILY, text="f", learned_on=ago(100)),
        ]
    )
    refresh_accounts(session, [acme.id], as_of=DAY)
    r = rollup_of(session, acme)
    assert r.last_touch_at == at(ago(1))
    assert r.last_visit_at == at(ago(100))
    assert r.last_call_at == at(ago(10))
    assert r.last_sit_down_at == at(ago(2))
    assert r.last_email_at == at(ago(5))
    assert r.last_note_at is None
    assert r.last_value_at == at(ago(1))
    assert (r.calls_90, r.visits_90, r.sit_downs_90, r.emails_90, r.other_touches_90) == (
        2,
        0,
        1,
        1,
        1,
    )
    assert (r.promises_due_365, r.promises_kept_365) == (3, 1)
    assert (r.quotes_decided_365, r.quotes_won_365) == (2, 1)
    assert (r.open_quotes, r.open_quotes_followed) == (2, 1)
    assert (r.fact_kinds, r.fact_kinds_fresh, r.goal_this_quarter) == (3, 2, 1)
    assert r.stale_on == DAY + timedelta(days=1)  # the touch tomorrow


def test_a_new_quote_counts_once_it_is_due_a_follow_up_or_followed(session: Session) -> None:
    """A quote made this morning is not yet neglected: it joins the open quotes (and may
    lower health) on the day a follow-up is due, unless someone followed it up first; the
    row goes stale that day."""
    acme, birch = new_account(session), new_account(session)
    young = Quote(account_id=acme.id, quoted_on=ago(3), amount_minor=1)
    followed = Quote(account_id=birch.id, quoted_on=ago(3), amount_minor=1)
    session.add_all([young, followed])
    session.flush()
    touch(session, birch, at(ago(1)), Channel.CALL, quote=followed)
    refresh_accounts(session, [acme.id, birch.id], as_of=DAY)
    r = rollup_of(session, acme)
    assert (r.open_quotes, r.open_quotes_followed) == (0, 0)
    assert r.stale_on == ago(3) + timedelta(days=8)  # older than a week from then
    assert (
        rollup_of(session, birch).open_quotes,
        rollup_of(session, birch).open_quotes_followed,
    ) == (1, 1)
    due = ago(3) + timedelta(days=8)
    refresh_accounts(session, [acme.id], as_of=due - timedelta(days=1))
    assert rollup_of(session, acme).open_quotes == 0
    refresh_accounts(session, [acme.id], as_of=due)
    assert (
        rollup_of(session, acme).open_quotes,
        rollup_of(session, acme).open_quotes_followed,
    ) == (1, 0)


def test_an_account_without_records_has_an_empty_rollup_that_never_goes_stale(
    session: Session,
) -> None:
    acme = new_account(session)
    refresh_accounts(session, [acme.id], as_of=DAY)
    r = rollup_of(session, acme)
    assert (r.order_count, r.spend_minor, r.first_order_on, r.last_touch_at) == (0, 0, None, None)
    assert r.stale_on == NEVER


def test_refresh_touches_only_the_accounts_given(session: Session) -> None:
    acme, globex = new_account(session, "Acme"), new_account(session, "Globex")
    rebuild(session, as_of=DAY)
    order(session, acme, ago(1), 100)
    order(session, globex, ago(1), 200)
    assert refresh_accounts(session, [acme.id, acme.id], as_of=DAY) == 1
    assert rollup_of(session, acme).spend_minor == 100
    assert rollup_of(session, globex).spend_minor == 0  # not refreshed yet
    refresh_accounts(session, (i for i in [globex.id]), as_of=DAY)
    assert rollup_of(session, globex).spend_minor == 200


def test_bring_current_recomputes_only_rows_whose_window_moved(session: Session) -> None:
    acme, globex = new_account(session, "Acme"), new_account(session, "Globex")
    order(session, acme, ago(85), 100)  # leaves the 90-day window in 5 days
    order(session, globex, ago(20), 200)  # leaves it in 70 days
    rebuild(session, as_of=DAY)
    assert rollup_of(session, acme).stale_on == DAY + timedelta(days=5)
    assert bring_current(session, DAY + timedelta(days=4)) == 0
    assert bring_current(session, DAY + timedelta(days=5), rebuild_share=1.0) == 1
    moved = rollup_of(session, acme)
    assert (moved.revenue_90_minor, moved.revenue_prior_90_minor) == (0, 100)
    assert rollup_of(session, globex).as_of == DAY  # untouched, still exact
    # Going back in time recomputes everything that was computed later.
    assert bring_current(session, DAY - timedelta(days=30), rebuild_share=1.0) == 2
    assert rollup_of(session, globex).spend_minor == 0


def test_many_ids_go_through_a_temporary_table(session: Session) -> None:
    accounts = [Account(name=f"A{i}") for i in range(2_500)]
    session.add_all(accounts)
    session.flush()
    assert refresh_accounts(session, [a.id for a in accounts], as_of=DAY) == 2_500
    count = session.execute(text("SELECT COUNT(*) FROM account_rollup")).scalar_one()
    assert count == 2_500


# --- incremental == rebuilt ---------------------------------------------------------------

CHANNELS = list(Channel)
VALUES = list(Value)

# Record days and the steps between the days rollups are brought to are drawn from a few
# values around the window lengths (90, 180 and 365 days), so that windows often end exactly
# on, just before or just after such a day: that is where a wrong stale_on would show.
# Record days are relative to the day of their batch.
day_offset = st.sampled_from([-400, -365, -180, -90, -89, -30, -1, 0, 1, 30])
as_of_step = st.sampled_from([0, 1, 29, 30, 89, 90, 91, 180, 365, -1, -90])
operation = st.one_of(
    st.tuples(st.just("order"), st.integers(0, 4), day_offset, st.integers(-500, 50_000)),
    # Another order on the day of an existing one (a day already counted, perhaps the first).
    st.tuples(st.just("repeat"), st.integers(0, 20), st.integers(-500, 50_000)),
    st.tuples(
        st.just("touch"),
        st.integers(0, 4),
        day_offset,
        st.sampled_from(CHANNELS),
        st.sampled_from(VALUES),
    ),
    st.tuples(st.just("quote"), st.integers(0, 4), day_offset),
    st.tuples(
        st.just("decide"),
        st.integers(0, 20),
        st.sampled_from([QuoteStatus.WON, QuoteStatus.LOST, QuoteStatus.EXPIRED]),
        st.integers(0, 90),
    ),
    st.tuples(st.just("follow"), st.integers(0, 20), day_offset),
    st.tuples(st.just("promise"), st.integers(0, 4), day_offset, st.integers(0, 60)),
    st.tuples(
        st.just("settle"),
        st.integers(0, 20),
        st.sampled_from(list(PromiseStatus)),
        st.integers(0, 90),
    ),
    st.tuples(st.just("fact"), st.integers(0, 4), day_offset, st.sampled_from(list(FactKind))),
)
# How a batch's new orders reach the rollups: recomputed with everything else ("full"),
# added to rows made exact first, as the importer does ("prepared"), or added to whatever
# rows there are ("delta": a missing or stale row is then recomputed).
order_path = st.sampled_from(["full", "prepared", "delta"])
batches = st.lists(
    st.tuples(as_of_step, st.lists(operation, max_size=4), order_path),
    min_size=1,
    max_size=6,
)


def _new_order(
    session: Session, accounts: list[Account], op: tuple[Any, ...], day: date
) -> tuple[int, date, int] | None:
    """Write the order an "order" or "repeat" operation adds; its account, day and amount."""
    if op[0] == "order":
        written = (int(accounts[op[1]].id), day + timedelta(days=op[2]), int(op[3]))
    else:
        existing = session.scalars(select(Order).order_by(Order.id)).all()
        if not existing:
            return None
        like = existing[op[1] % len(existing)]
        written = (int(like.account_id), like.ordered_on, int(op[2]))
    acct = next(a for a in accounts if a.id == written[0])
    order(session, acct, written[1], written[2])
    return written


def _apply(session: Session, accounts: list[Account], op: tuple[Any, ...], day: date) -> int | None:
    """Write one record (or change one), dated relative to ``day``; returns its account."""
    kind = op[0]
    if kind in ("order", "repeat"):
        written = _new_order(session, accounts, op, day)
        return None if written is None else written[0]
    if kind == "touch":
        acct = accounts[op[1]]
        touch(session, acct, at(day + timedelta(days=op[2]), 23), op[3], op[4])
        return int(acct.id)
    if kind == "quote":
        acct = accounts[op[1]]
        session.add(
            Quote(account_id=acct.id, quoted_on=day + timedelta(days=op[2]), amount_minor=10)
        )
        return int(acct.id)
    if kind in ("decide", "follow"):
        quotes = session.scalars(select(Quote).order_by(Quote.id)).all()
        if not quotes:
            return None
        quote = quotes[op[1] % len(quotes)]
        if kind == "decide":
            quote.status = op[2]
            quote.decided_on = quote.quoted_on + timedelta(days=op[3])
        else:
            acct = next(a for a in accounts if a.id == quote.account_id)
            touch(session, acct, at(day + timedelta(days=op[2]), 8), quote=quote)
        return int(quote.account_id)
    if kind == "promise":
        acct = accounts[op[1]]
        made = day + timedelta(days=op[2])
        session.add(
            Promise(account_id=acct.id, what="x", made_on=made, due_on=made + timedelta(days=op[3]))
        )
        return int(acct.id)
    if kind == "settle":
        promises = session.scalars(select(Promise).order_by(Promise.id)).all()
        if not promises:
            return None
        promise = promises[op[1] % len(promises)]
        promise.status = op[2]
        if op[2] == PromiseStatus.KEPT:
            promise.done_on = promise.due_on
        elif op[2] == PromiseStatus.KEPT_LATE:
            promise.done_on = promise.due_on + timedelta(days=op[3] + 1)
        return int(promise.account_id)
    acct = accounts[op[1]]
    session.add(
        Fact(account_id=acct.id, kind=op[3], text="x", learned_on=day + timedelta(days=op[2]))
    )
    return int(acct.id)


def _snapshot(session: Session) -> dict[int, tuple[Any, ...]]:
    session.expire_all()
    rows = session.scalars(select(AccountRollup)).all()
    # stale_on too: an exact row's next change is a fact about its records, whichever day
    # the row was computed on.
    figures = [c for c in rollups.ROLLUP_COLUMNS if c != "as_of"]
    return {r.account_id: tuple(getattr(r, c) for c in figures) for r in rows}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=batches)
def test_incremental_rollups_equal_a_rebuild(
    session: Session, plan: list[tuple[int, list[tuple[Any, ...]]]]
) -> None:
    try:
        accounts = [new_account(session, f"A{i}") for i in range(5)]
        rebuild(session, as_of=DAY)
        as_of = DAY
        for step, operations, path in plan:
            as_of += timedelta(days=step)
            new = ("order", "repeat")
            orders = [op for op in operations if op[0] in new and path != "full"]
            others = [op for op in operations if op not in orders]
            changed = {_apply(session, accounts, op, as_of) for op in others}
            session.flush()
            refresh_accounts(session, [i for i in changed if i is not None], as_of=as_of)
            if path == "prepared":
                # As the importer does: every account that may get an order (a repeat may
                # name any of them).
                make_current(session, [a.id for a in accounts], as_of=as_of)
            written = [_new_order(session, accounts, op, as_of) for op in orders]
            add_orders(session, new_orders([w for w in written if w is not None]), as_of=as_of)
            bring_current(session, as_of, rebuild_share=1.0)
            incremental = _snapshot(session)
            with session.begin_nested() as savepoint:
                rebuild(session, as_of=as_of)
                rebuilt = _snapshot(session)
                savepoint.rollback()
            assert incremental == rebuilt
    finally:
        session.rollback()


def test_stale_on_is_the_first_day_a_window_changes(session: Session) -> None:
    """Each source's next crossing, exactly: one day earlier nothing would change."""
    acme = new_account(session)
    order(session, acme, ago(10), 100)  # leaves the 90 days in 80 days
    refresh_accounts(session, [acme.id], as_of=DAY)
    assert rollup_of(session, acme).stale_on == DAY + timedelta(days=80)
    order(session, acme, ago(100), 100)  # moves to the 12 months only in 80 days as well
    touch(session, acme, at(ago(30)), Channel.VISIT)  # leaves the 90 days in 60 days
    refresh_accounts(session, [acme.id], as_of=DAY)
    assert rollup_of(session, acme).stale_on == DAY + timedelta(days=60)
    session.add(Promise(account_id=acme.id, what="x", made_on=ago(400), due_on=ago(320)))
    refresh_accounts(session, [acme.id], as_of=DAY)
    assert rollup_of(session, acme).stale_on == DAY + timedelta(days=45)  # due 365 days ago
    session.add(Quote(account_id=acme.id, quoted_on=ago(330), amount_minor=1))
    refresh_accounts(session, [acme.id], as_of=DAY)
    assert rollup_of(session, acme).stale_on == DAY + timedelta(days=35)
    session.add(Fact(account_id=acme.id, kind=FactKind.GOAL, text="g", learned_on=ago(1)))
    refresh_accounts(session, [acme.id], as_of=DAY)
    assert rollup_of(session, acme).stale_on == date(2026, 4, 1)  # the next quarter
    session.add(Fact(account_id=acme.id, kind=FactKind.OTHER, text="o", learned_on=ago(350)))
    refresh_accounts(session, [acme.id], as_of=DAY)
    assert rollup_of(session, acme).stale_on == DAY + timedelta(days=15)
    assert bring_current(session, DAY + timedelta(days=14), rebuild_share=1.0) == 0
    assert bring_current(session, DAY + timedelta(days=15), rebuild_share=1.0) == 1
    assert rollup_of(session, acme).fact_kinds_fresh == 1


# --- new orders added to the stored rows ----------------------------------------------------


def test_new_orders_are_added_to_the_row_without_reading_history(session: Session) -> None:
    acme = new_account(session)
    order(session, acme, ago(200), 1_000)
    order(session, acme, ago(20), 2_000)
    refresh_accounts(session, [acme.id], as_of=DAY)
    # Changed behind the rollup's back: a recomputation would see it, an addition does not.
    session.execute(text("UPDATE sales_order SET amount_minor = 0"))
    order(session, acme, ago(5), 300)
    assert add_orders(session, new_orders([(acme.id, ago(5), 300)]), as_of=DAY) == 1
    r = rollup_of(session, acme)
    assert (r.order_count, r.order_days, r.spend_minor) == (3, 3, 3_300)
    assert (r.revenue_90_minor, r.revenue_prior_90_minor, r.revenue_365_minor) == (2_300, 0, 3_300)
    assert (r.first_order_on, r.last_order_on, r.first_day_minor) == (ago(200), ago(5), 1_000)
    assert r.stale_on == DAY + timedelta(days=70)  # the order of 20 days ago leaves the 90


def test_an_order_on_a_day_that_has_one_adds_no_day(session: Session) -> None:
    acme = new_account(session)
    order(session, acme, ago(100), 1_000)
    order(session, acme, ago(50), 2_000)
    order(session, acme, ago(10), 3_000)
    refresh_accounts(session, [acme.id], as_of=DAY)
    added = [(acme.id, ago(50), 5), (acme.id, ago(50), 6), (acme.id, ago(30), 7)]
    for _, on, amount in added:
        order(session, acme, on, amount)
    add_orders(session, new_orders(added), as_of=DAY)
    r = rollup_of(session, acme)
    assert (r.order_count, r.order_days, r.spend_minor) == (6, 4, 6_018)


def test_orders_before_the_first_one_replace_or_add_to_the_first_day(session: Session) -> None:
    acme = new_account(session)
    order(session, acme, ago(100), 1_000)
    refresh_accounts(session, [acme.id], as_of=DAY)
    order(session, acme, ago(100), 50)  # the same first day
    add_orders(session, new_orders([(acme.id, ago(100), 50)]), as_of=DAY)
    assert rollup_of(session, acme).first_day_minor == 1_050
    order(session, acme, ago(400), 7)  # a new first day, outside every window
    order(session, acme, ago(400), 8)
    add_orders(session, new_orders([(acme.id, ago(400), 7), (acme.id, ago(400), 8)]), as_of=DAY)
    r = rollup_of(session, acme)
    assert (r.first_order_on, r.first_day_minor, r.order_days, r.spend_minor) == (
        ago(400),
        15,
        2,
        1_065,
    )
    assert r.revenue_365_minor == 1_050


def test_a_future_order_only_moves_stale_on(session: Session) -> None:
    acme = new_account(session)
    refresh_accounts(session, [acme.id], as_of=DAY)
    order(session, acme, DAY + timedelta(days=4), 100)
    add_orders(session, new_orders([(acme.id, DAY + timedelta(days=4), 100)]), as_of=DAY)
    r = rollup_of(session, acme)
    assert (r.order_count, r.spend_minor, r.first_order_on) == (0, 0, None)
    assert r.stale_on == DAY + timedelta(days=4)
    assert bring_current(session, DAY + timedelta(days=4), rebuild_share=1.0) == 1
    assert rollup_of(session, acme).order_count == 1


def test_rows_that_are_not_exact_are_recomputed_instead(session: Session) -> None:
    acme, globex = new_account(session, "Acme"), new_account(session, "Globex")
    order(session, acme, ago(85), 100)  # leaves the 90 days in 5 days
    refresh_accounts(session, [acme.id], as_of=DAY)  # Globex has no row at all
    later = DAY + timedelta(days=5)
    order(session, acme, later, 10)
    order(session, globex, later, 20)
    added = [(acme.id, later, 10), (globex.id, later, 20)]
    assert add_orders(session, new_orders(added), as_of=later) == 2
    a, g = rollup_of(session, acme), rollup_of(session, globex)
    assert (a.revenue_90_minor, a.revenue_prior_90_minor, a.as_of) == (10, 100, later)
    assert (g.order_count, g.spend_minor, g.as_of) == (1, 20, later)


def test_make_current_recomputes_only_rows_that_are_not_exact(session: Session) -> None:
    acme, globex = new_account(session, "Acme"), new_account(session, "Globex")
    order(session, acme, ago(85), 100)
    rebuild(session, as_of=DAY)
    assert make_current(session, [acme.id, globex.id], as_of=DAY + timedelta(days=4)) == 0
    assert make_current(session, [acme.id, globex.id], as_of=DAY + timedelta(days=5)) == 1
    assert rollup_of(session, acme).revenue_prior_90_minor == 100
