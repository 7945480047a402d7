"""Drawing the demo world, one chunk of accounts at a time: NumPy only, no database.

Buying follows the BG/NBD story (Fader, Hardie & Lee 2005): each customer buys at its own
Poisson rate, drawn from a Gamma, and after every purchase drops out with its own
probability, drawn from a Beta; order values follow the Gamma-Gamma spend model. So some
customers buy weekly, some quarterly, some went quiet long ago and some are new, which is
what the rhythm model and the neglect rules are there to tell apart.

Each chunk draws from its own generator, seeded by (seed, chunk number), so a world is the
same whatever the machine; ids are handed out in order, so the same rows get the same ids.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from math import gcd
from typing import Any

import numpy as np
import numpy.typing as npt

from goodwill.bulk import day_text, moment_text
from goodwill.demo import vocabulary as v

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Objects = npt.NDArray[np.object_]

SLOTS_PER_DAY = 108  # five-minute slots from 12:00 to 20:55 UTC: US business hours
DAYS_AHEAD = 31  # the latest due date of a promise, counted from the last day
NOON_SLOT = 24  # 14:00 UTC, the time of day given to records that only have a date
TIER_A_MINOR = 5_000_000  # $50,000 a year
TIER_B_MINOR = 1_000_000  # $10,000 a year

# The buying population. Rates are per year; the mean customer orders 12 times a year, a
# few every week; the dropout chance after each order averages about 1.5%.
RATE_SHAPE, RATE_SCALE = 0.8, 15.0
DROPOUT_A, DROPOUT_B = 0.6, 40.0
# Spend (Gamma-Gamma): order value ~ Gamma(p, nu), nu ~ Gamma(q, gamma); mean $800.
SPEND_P, SPEND_Q, SPEND_GAMMA = 2.5, 3.0, 640.0
ESTABLISHED_SHARE = 0.6  # customers already buying when the history starts

# Classes of relationship intensity: A, B, C customers, then suppliers and partners.
CLASS_A, CLASS_B, CLASS_C, CLASS_SUPPLIER, CLASS_PARTNER = range(5)
TOUCHES_PER_YEAR = np.array([24.0, 9.0, 2.0, 3.0, 1.5])
QUOTES_PER_YEAR = np.array([8.0, 3.0, 0.6, 0.0, 0.0])
PROMISES_PER_YEAR = np.array([5.0, 2.0, 0.4, 0.6, 0.3])
CONTACTS_EXTRA = np.array([3.0, 1.5, 0.5, 0.8, 0.5])  # mean contacts beyond the first
FACTS_BASE = np.array([5, 2, 0, 0, 0])
FACTS_EXTRA = np.array([5.0, 3.0, 1.2, 1.5, 1.0])

# Channel mix by class (columns in vocabulary.CHANNELS order): top accounts get calls and
# visits, small ones more e-mail, suppliers more thank-you notes.
CHANNEL_MIX = np.array(
    [
        [0.32, 0.18, 0.08, 0.08, 0.22, 0.06, 0.06],
        [0.38, 0.10, 0.04, 0.08, 0.30, 0.05, 0.05],
        [0.40, 0.04, 0.01, 0.08, 0.40, 0.03, 0.04],
        [0.30, 0.05, 0.00, 0.25, 0.35, 0.05, 0.00],
        [0.35, 0.10, 0.05, 0.10, 0.30, 0.10, 0.00],
    ]
)
# Value delivered (vocabulary.VALUES order) for a note, a sit-down and anything else.
VALUE_NOTE = np.array([0.10, 0.0, 0.0, 0.05, 0.85])
VALUE_SIT_DOWN = np.array([0.30, 0.40, 0.10, 0.20, 0.0])
VALUE_OTHER = np.array([0.55, 0.22, 0.05, 0.10, 0.08])
# Sentiment -2..2 while a customer is buying, and once it has gone quiet.
SENTIMENT_ACTIVE = np.array([0.02, 0.07, 0.41, 0.35, 0.15])
SENTIMENT_QUIET = np.array([0.08, 0.20, 0.45, 0.20, 0.07])
PREFERRED_CHANNEL = np.array([0.40, 0.12, 0.03, 0.03, 0.30, 0.02, 0.10])
FACT_KIND_MIX = np.array([0.16, 0.10, 0.08, 0.08, 0.13, 0.07, 0.09, 0.09, 0.08, 0.04, 0.08])
QUOTE_OUTCOME = np.array([0.38, 0.37, 0.25])  # won, lost, expired
PROMISE_DUE_DAYS = np.array([1, 2, 3, 5, 7, 10, 14, 21, 30])

# Team positions (vocabulary.TEAM order) of those who own accounts: reps, then service.
SELLERS = np.array([2, 3, 4, 5, 6])
SELLER_WEIGHTS = np.array([0.24, 0.24, 0.24, 0.14, 0.14])
REPS = np.array([2, 3, 4])
SERVICE = np.array([5, 6])

# A multiplier coprime to the name space makes index -> name a bijection (no duplicates).
_NAME_MULTIPLIER = 1_000_003


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


# Touch summaries flattened: each template's text (with {p} a person and {x} its filler), and
# where each channel's templates and each kind of filler start.
_FILLER_LISTS = (v.TOPICS, v.INFORMATION, v.EVENTS, v.NOTE_REASONS, ("",))
_FILLER_KEYS = ("{t}", "{i}", "{e}", "{r}")
_FILLERS = np.array([text for group in _FILLER_LISTS for text in group], dtype=object)
_FILLER_COUNT = np.array([len(group) for group in _FILLER_LISTS])
_FILLER_START = np.cumsum(_FILLER_COUNT) - _FILLER_COUNT


def _filler_kind(template: str) -> int:
    found = [k for k, key in enumerate(_FILLER_KEYS) if key in template]
    return found[0] if found else len(_FILLER_KEYS)


def _with_x(template: str) -> str:
    for key in _FILLER_KEYS:
        template = template.replace(key, "{x}")
    return template


_SUMMARY_TEXT = [_with_x(t) for group in v.SUMMARIES for t in group]
_SUMMARY_FILLER = np.array([_filler_kind(t) for group in v.SUMMARIES for t in group])
_SUMMARY_INBOUND = np.array([t.startswith("{p}") for group in v.SUMMARIES for t in group])
_SUMMARY_COUNT = np.array([len(group) for group in v.SUMMARIES])
_SUMMARY_START = np.cumsum(_SUMMARY_COUNT) - _SUMMARY_COUNT

_FIRST_SLUGS = [_slug(w) for w in v.COMPANY_FIRST]
_TRADE_SLUGS = [_slug(w) for w in v.COMPANY_TRADE]
_PERSON_FIRST_SLUGS = [_slug(w) for w in v.FIRST_NAMES]
_PERSON_LAST_SLUGS = [_slug(w) for w in v.LAST_NAMES]


@dataclass(frozen=True)
class Calendar:
    """The days of the history, and every date and moment in it as text the engine stores."""

    as_of: date
    years: int
    dialect: str
    first_day: int = field(init=False)  # days since 1970-01-01
    start_day: int = field(init=False)
    last_day: int = field(init=False)
    day_texts: Objects = field(init=False, repr=False)
    moment_texts: Objects = field(init=False, repr=False)

    def __post_init__(self) -> None:
        epoch = date(1970, 1, 1)
        try:
            start = self.as_of.replace(year=self.as_of.year - self.years)
        except ValueError:  # 29 February
            start = self.as_of.replace(year=self.as_of.year - self.years, day=28)
        start_day = (start - epoch).days
        first_day = start_day - 3  # weekends are moved back to Friday
        last_day = (self.as_of - epoch).days
        # Promises made lately fall due after the last day.
        days = [epoch + timedelta(days=d) for d in range(first_day, last_day + DAYS_AHEAD + 1)]
        day_texts = [day_text(d) for d in days]
        # In UTC a moment's text is its day's text and then the time of day: build the
        # times once and join them to every day.
        noon = datetime.combine(days[0], time(12), tzinfo=UTC)
        times = [
            moment_text(noon + timedelta(minutes=5 * s), self.dialect)[len(day_texts[0]) :]
            for s in range(SLOTS_PER_DAY)
        ]
        moments = [d + t for d in day_texts for t in times]
        object.__setattr__(self, "first_day", first_day)
        object.__setattr__(self, "start_day", start_day)
        object.__setattr__(self, "last_day", last_day)
        object.__setattr__(self, "day_texts", np.array(day_texts, dtype=object))
        object.__setattr__(self, "moment_texts", np.array(moments, dtype=object))

    def days(self, day: Ints) -> list[Any]:
        """Days (since 1970) as date text."""
        return list(self.day_texts[day - self.first_day].tolist())

    def moments(self, day: Ints, slot: Ints | int = NOON_SLOT) -> list[Any]:
        """Days and five-minute slots as moment text."""
        index = (day - self.first_day) * SLOTS_PER_DAY + slot
        return list(self.moment_texts[index].tolist())


@dataclass
class NextIds:
    """The next free id of each table; chunks take ids in order."""

    account: int = 1
    contact: int = 1
    quote: int = 1
    promise: int = 1
    touch: int = 1
    fact: int = 1
    order: int = 1

    def take(self, table: str, count: int) -> Ints:
        """``count`` consecutive ids of ``table``'s kind, advancing the counter."""
        first: int = getattr(self, table)
        setattr(self, table, first + count)
        return np.arange(first, first + count, dtype=np.int64)


@dataclass(frozen=True)
class Rows:
    """Rows for one table, in the column order given, ready for bulk insertion."""

    table: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class WorldPlan:
    """What to draw: how many accounts, over which years, for which team."""

    seed: int
    accounts: int
    calendar: Calendar
    team_ids: tuple[int, ...]  # member ids in vocabulary.TEAM order


def _segments(counts: Ints) -> tuple[Ints, Ints]:
    """For groups of the given sizes: each element's group and its rank within the group."""
    owner = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(owner.size, dtype=np.int64) - starts[owner]


def _pick(rng: np.random.Generator, weights: npt.NDArray[Any], rows: Ints) -> Ints:
    """One category per row, drawn from the weight row (of ``weights``) that the row names."""
    table = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(rows.size)
    found: Ints = np.minimum((u[:, None] >= table[rows]).sum(axis=1), weights.shape[1] - 1)
    return found


def _choose(rng: np.random.Generator, weights: npt.NDArray[Any], size: int) -> Ints:
    """``size`` categories drawn from one weight vector."""
    cumulative = np.cumsum(weights / weights.sum())
    return np.minimum(np.searchsorted(cumulative, rng.random(size), side="right"), weights.size - 1)


def _uniform_days(rng: np.random.Generator, lo: Ints, hi: Ints) -> Ints:
    """A day drawn uniformly from each [lo, hi] (inclusive)."""
    return lo + np.floor(rng.random(lo.size) * (hi - lo + 1)).astype(np.int64)


def _events(rng: np.random.Generator, lo: Ints, hi: Ints, per_year: Floats) -> tuple[Ints, Ints]:
    """Poisson events in each group's [lo, hi]: (group, day), sorted by group then day."""
    span = np.maximum(hi - lo + 1, 0)
    counts = rng.poisson(per_year * span / 365.25).astype(np.int64)
    owner, _ = _segments(counts)
    day = _uniform_days(rng, lo[owner], hi[owner])
    order = np.lexsort((day, owner))
    return owner[order], day[order]


def _weekday_shift(day: Ints, start_day: int) -> Ints:
    """Move Saturdays and Sundays back to Friday (forward to Monday at the very start)."""
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    shifted: Ints = day - (weekday == 5) - 2 * (weekday == 6)
    return np.where(shifted < start_day, shifted + 3, shifted)


def _quarter_text(day: Ints) -> list[str]:
    """The quarter a goal learned on this day is for: the coming one in a quarter's last month."""
    month = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    month = month + (month % 3 == 2)
    year, quarter = month // 12 + 1970, (month % 12) // 3 + 1
    return [f"{y}-Q{q}" for y, q in zip(year.tolist(), quarter.tolist(), strict=True)]


def account_names(indices: Ints, kinds: Ints) -> tuple[list[str], list[str]]:
    """Unique company names and their web domains for these account numbers (0-based)."""
    n_first, n_trade, n_suffix = len(v.COMPANY_FIRST), len(v.COMPANY_TRADE), len(v.COMPANY_SUFFIX)
    space = n_first * n_trade * n_suffix
    assert gcd(_NAME_MULTIPLIER, space) == 1
    branch = indices // space
    j = (_NAME_MULTIPLIER * (indices % space) + 7_919) % space
    first, trade, suffix = j % n_first, (j // n_first) % n_trade, j // (n_first * n_trade)
    names: list[str] = []
    domains: list[str] = []
    for f, t, s, b, k in zip(
        first.tolist(),
        trade.tolist(),
        suffix.tolist(),
        branch.tolist(),
        kinds.tolist(),
        strict=True,
    ):
        middle = ("", " Supply", " Partners")[k]
        name = f"{v.COMPANY_FIRST[f]} {v.COMPANY_TRADE[t]}{middle} {v.COMPANY_SUFFIX[s]}"
        if b:
            # Past the plain name space, accounts are branches: "Name (City)", then numbered.
            city, lap = v.CITIES[(b - 1) % len(v.CITIES)][0], (b - 1) // len(v.CITIES)
            name = f"{name} ({city})" if lap == 0 else f"{name} ({city} {lap + 1})"
        names.append(name)
        domains.append(f"{_FIRST_SLUGS[f]}{_TRADE_SLUGS[t]}.com")
    return names, domains


def _phones(rng: np.random.Generator, area: list[str]) -> list[str]:
    exchange = rng.integers(200, 1000, len(area)).tolist()
    line = rng.integers(0, 10_000, len(area)).tolist()
    return [f"+1{a}{x:03d}{n:04d}" for a, x, n in zip(area, exchange, line, strict=True)]


def draw_chunk(plan: WorldPlan, chunk: int, first: int, count: int, ids: NextIds) -> list[Rows]:
    """Every row for accounts ``first`` .. ``first + count - 1``, in foreign-key order."""
    rng = np.random.default_rng([plan.seed, chunk])
    cal = plan.calendar
    team = np.array(plan.team_ids, dtype=np.int64)
    n = count
    start, as_of = cal.start_day, cal.last_day
    account_id = ids.take("account", n)

    # --- who they are ------------------------------------------------------------------
    u = rng.random(n)
    kind = np.where(u < 0.03, 1, np.where(u < 0.05, 2, 0)).astype(np.int64)
    customer = kind == 0
    names, domains = account_names(np.arange(first, first + n, dtype=np.int64), kind)
    city = rng.integers(0, len(v.CITIES), n)
    established = rng.random(n) < ESTABLISHED_SHARE
    birth = np.where(
        established, start, _uniform_days(rng, np.full(n, start), np.full(n, as_of))
    ).astype(np.int64)
    birth = _weekday_shift(birth, start)

    # --- how they buy (BG/NBD) and spend (Gamma-Gamma) -------------------------------------
    rate = rng.gamma(RATE_SHAPE, RATE_SCALE, n) / 365.25
    dropout = rng.beta(DROPOUT_A, DROPOUT_B, n)
    nu = rng.gamma(SPEND_Q, 1.0 / SPEND_GAMMA, n)
    mean_spend = SPEND_P / nu  # dollars
    span = as_of - birth
    possible = np.where(customer, rng.poisson(rate * span), 0).astype(np.int64)
    repeats_before_dropout = rng.geometric(dropout) - 1
    kept = np.minimum(possible, repeats_before_dropout)
    alive = (possible <= repeats_before_dropout) | ~customer
    owner, rank = _segments(possible)
    day = birth[owner] + 1 + np.floor(rng.random(owner.size) * span[owner]).astype(np.int64)
    day = day[np.lexsort((day, owner))]
    keep = rank < kept[owner]
    newcomer = customer & ~established
    order_owner = np.concatenate([owner[keep], np.flatnonzero(newcomer)])
    order_day = np.concatenate([day[keep], birth[newcomer]])
    order_day = _weekday_shift(order_day, start)
    order_value = rng.gamma(SPEND_P, 1.0 / nu[order_owner])

    last_buy = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_buy, order_owner, order_day)
    last_alive = np.where(alive, as_of, np.where(last_buy >= 0, last_buy, birth))
    expected_revenue = rate * 365.25 * mean_spend * 100
    klass = np.where(
        kind == 1,
        CLASS_SUPPLIER,
        np.where(
            kind == 2,
            CLASS_PARTNER,
            np.where(
                expected_revenue >= TIER_A_MINOR,
                CLASS_A,
                np.where(expected_revenue >= TIER_B_MINOR, CLASS_B, CLASS_C),
            ),
        ),
    ).astype(np.int64)
    # A relationship winds down for a while after the buying stops, then the calls stop.
    touch_end = np.where(
        alive,
        as_of,
        np.minimum(as_of, last_alive + 30 + rng.exponential(120.0, n).astype(np.int64)),
    )

    # --- owners -------------------------------------------------------------------------
    primary = SELLERS[_choose(rng, SELLER_WEIGHTS, n)]
    second = np.where(
        np.isin(primary, REPS),
        SERVICE[rng.integers(0, SERVICE.size, n)],
        REPS[rng.integers(0, REPS.size, n)],
    )
    has_second = klass == CLASS_A
    owner_rows = list(
        zip(
            np.concatenate([account_id, account_id[has_second]]).tolist(),
            team[np.concatenate([primary, second[has_second]])].tolist(),
            strict=True,
        )
    )

    def member_for(group: Ints, owner_share: float = 0.85) -> Ints:
        """Mostly the account's first owner, sometimes anyone who sells."""
        anyone = SELLERS[rng.integers(0, SELLERS.size, group.size)]
        return team[np.where(rng.random(group.size) < owner_share, primary[group], anyone)]

    # --- contacts ---------------------------------------------------------------------
    contact_count = np.minimum(1 + rng.poisson(CONTACTS_EXTRA[klass]), 6).astype(np.int64)
    contact_start = np.cumsum(contact_count) - contact_count  # local position of the first
    c_owner, _ = _segments(contact_count)
    nc = c_owner.size
    contact_id = ids.take("contact", nc)
    c_first = rng.integers(0, len(v.FIRST_NAMES), nc)
    c_last = rng.integers(0, len(v.LAST_NAMES), nc)
    c_first_names = [v.FIRST_NAMES[i] for i in c_first.tolist()]
    c_title = rng.integers(0, len(v.CONTACT_TITLES), nc)
    has_birthday = rng.random(nc) < 0.7
    birthday_days = np.datetime64("1955-01-01") + rng.integers(0, 46 * 365, nc).astype(
        "timedelta64[D]"
    )
    birthdays = np.datetime_as_string(birthday_days, unit="D").tolist()
    preferred = _choose(rng, PREFERRED_CHANNEL, nc)
    has_preferred = rng.random(nc) < 0.85
    area = [v.CITIES[i][3] for i in city.tolist()]
    c_area = [area[i] for i in c_owner.tolist()]
    c_created = cal.moments(birth[c_owner])
    contact_rows = list(
        zip(
            contact_id.tolist(),
            account_id[c_owner].tolist(),
            [
                f"{v.FIRST_NAMES[f]} {v.LAST_NAMES[s]}"
                for f, s in zip(c_first.tolist(), c_last.tolist(), strict=True)
            ],
            [v.CONTACT_TITLES[i] for i in c_title.tolist()],
            [
                f"{_PERSON_FIRST_SLUGS[f]}.{_PERSON_LAST_SLUGS[s]}@{domains[o]}"
                for f, s, o in zip(c_first.tolist(), c_last.tolist(), c_owner.tolist(), strict=True)
            ],
            _phones(rng, c_area),
            [b if h else None for b, h in zip(birthdays, has_birthday.tolist(), strict=True)],
            [
                v.CHANNELS[p] if h else None
                for p, h in zip(preferred.tolist(), has_preferred.tolist(), strict=True)
            ],
            c_created,
            c_created,
            strict=True,
        )
    )

    def some_contact(group: Ints) -> Ints:
        """A local contact position at each group's account."""
        pick = np.floor(rng.random(group.size) * contact_count[group]).astype(np.int64)
        return contact_start[group] + pick

    # --- quotes, and the orders the won ones became ------------------------------------
    q_owner, q_day = _events(rng, birth, last_alive, QUOTES_PER_YEAR[klass])
    q_day = _weekday_shift(q_day, start)
    nq = q_owner.size
    quote_id = ids.take("quote", nq)
    q_amount = np.maximum(
        np.round(mean_spend[q_owner] * rng.gamma(2.0, 1.5, nq) * 100), 5_000
    ).astype(np.int64)
    outcome = _choose(rng, QUOTE_OUTCOME, nq)
    lag = np.where(outcome == 2, 30, 2 + np.round(rng.gamma(2.0, 5.0, nq))).astype(np.int64)
    decided = q_day + lag
    q_open = decided > as_of
    q_status = np.where(q_open, 0, outcome + 1)  # open, won, lost, expired
    q_member = member_for(q_owner)
    q_item = rng.integers(0, len(v.QUOTE_ITEMS), nq)
    q_purpose = rng.integers(0, len(v.QUOTE_PURPOSES), nq)
    q_descriptions = [
        f"{v.QUOTE_ITEMS[i]}, {v.QUOTE_PURPOSES[p]}"
        for i, p in zip(q_item.tolist(), q_purpose.tolist(), strict=True)
    ]
    q_external = [f"Q-{i:07d}" for i in quote_id.tolist()]
    status_names = ("open", "won", "lost", "expired")
    quote_rows = list(
        zip(
            quote_id.tolist(),
            account_id[q_owner].tolist(),
            q_external,
            cal.days(q_day),
            q_amount.tolist(),
            [status_names[s] for s in q_status.tolist()],
            [
                None if o else d
                for o, d in zip(q_open.tolist(), cal.days(np.minimum(decided, as_of)), strict=True)
            ],
            q_member.tolist(),
            q_descriptions,
            cal.moments(q_day),
            strict=True,
        )
    )
    won = q_status == 1
    all_owner = np.concatenate([order_owner, q_owner[won]])
    all_day = np.concatenate([order_day, decided[won]])
    all_amount = np.concatenate(
        [np.maximum(np.round(order_value * 100), 2_500).astype(np.int64), q_amount[won]]
    )
    sort = np.lexsort((all_day, all_owner))
    all_owner, all_day, all_amount = all_owner[sort], all_day[sort], all_amount[sort]
    order_id = ids.take("order", all_owner.size)
    quantity = 1 + rng.poisson(all_amount / 6_000.0)
    order_rows = list(
        zip(
            order_id.tolist(),
            account_id[all_owner].tolist(),
            [f"SO-{i:08d}" for i in order_id.tolist()],
            cal.days(all_day),
            all_amount.tolist(),
            quantity.tolist(),
            cal.moments(all_day),
            strict=True,
        )
    )
    year_ago = as_of - 365
    recent = all_day > year_ago
    revenue = np.bincount(all_owner[recent], weights=all_amount[recent], minlength=n)
    tier = np.where(revenue >= TIER_A_MINOR, "A", np.where(revenue >= TIER_B_MINOR, "B", "C"))

    # --- promises ---------------------------------------------------------------------
    p_owner, p_made = _events(rng, birth, touch_end, PROMISES_PER_YEAR[klass])
    npr = p_owner.size
    promise_id = ids.take("promise", npr)
    due = p_made + PROMISE_DUE_DAYS[rng.integers(0, PROMISE_DUE_DAYS.size, npr)]
    u = rng.random(npr)
    kept_on_time = p_made + np.floor(rng.random(npr) * (np.minimum(due, as_of) - p_made + 1))
    late = due + 1 + rng.integers(0, 10, npr)
    recent_due = as_of - due <= 30
    # status codes: 0 open, 1 kept, 2 kept late, 3 broken, 4 cancelled. Not yet due: open,
    # or already kept; due lately: often still open (overdue); due long ago: settled.
    settled = np.where(
        u < 0.74,
        1,
        np.where(u < 0.86, np.where(late <= as_of, 2, 0), np.where(u < 0.94, 3, 4)),
    )
    lately = np.where(u < 0.5, 1, np.where(u < 0.6, 2, np.where(u < 0.9, 0, 4)))
    lately = np.where((lately == 2) & (late > as_of), 0, lately)
    p_status = np.where(due > as_of, np.where(u < 0.3, 1, 0), np.where(recent_due, lately, settled))
    done = np.where(p_status == 1, kept_on_time, late).astype(np.int64)
    has_done = (p_status == 1) | (p_status == 2)
    p_contact = np.where(rng.random(npr) < 0.7, some_contact(p_owner), -1)
    p_member = member_for(p_owner)
    p_what_index = rng.integers(0, len(v.PROMISES), npr)
    p_what = [v.PROMISES[i] for i in p_what_index.tolist()]
    promise_status_names = ("open", "kept", "kept_late", "broken", "cancelled")
    promise_rows = list(
        zip(
            promise_id.tolist(),
            account_id[p_owner].tolist(),
            [int(contact_id[c]) if c >= 0 else None for c in p_contact.tolist()],
            p_member.tolist(),
            p_what,
            cal.days(p_made),
            cal.days(due),
            [
                d if h else None
                for d, h in zip(
                    cal.days(np.where(has_done, done, as_of)), has_done.tolist(), strict=True
                )
            ],
            [promise_status_names[s] for s in p_status.tolist()],
            cal.moments(p_made),
            strict=True,
        )
    )

    # --- touches: the relationship itself, quote follow-ups and promises kept ------------
    t_owner, t_day = _events(rng, birth, touch_end, TOUCHES_PER_YEAR[klass])
    t_day = _weekday_shift(t_day, start)
    t_day = np.minimum(t_day, as_of)
    nt = t_owner.size
    t_channel = _pick(rng, CHANNEL_MIX, klass[t_owner])
    t_member = member_for(t_owner, 0.8)
    t_quote = np.full(nt, -1, dtype=np.int64)
    t_promise = np.full(nt, -1, dtype=np.int64)
    t_summary_kind = np.zeros(nt, dtype=np.int64)  # 0 ordinary, 1 quote follow-up, 2 promise

    follow = (rng.random(nq) < np.where(won, 0.8, 0.55)) & (q_day + 2 <= as_of)
    f_day = q_day + 2 + rng.integers(0, 6, nq)
    f_day = np.minimum(f_day, np.where(q_open, as_of, np.minimum(decided, as_of)))
    f_day = np.maximum(f_day, q_day)
    f_index = np.flatnonzero(follow)
    kept_follow = np.flatnonzero(has_done & (rng.random(npr) < 0.5))

    t_owner = np.concatenate([t_owner, q_owner[f_index], p_owner[kept_follow]])
    t_day = np.concatenate([t_day, f_day[f_index], done[kept_follow]])
    t_channel = np.concatenate(
        [
            t_channel,
            np.zeros(f_index.size, dtype=np.int64),
            np.array([0, 4, 1])[rng.integers(0, 3, kept_follow.size)],
        ]
    )
    t_member = np.concatenate([t_member, q_member[f_index], p_member[kept_follow]])
    t_quote = np.concatenate([t_quote, f_index, np.full(kept_follow.size, -1)])
    t_promise = np.concatenate([t_promise, np.full(f_index.size, -1), kept_follow])
    t_summary_kind = np.concatenate(
        [t_summary_kind, np.ones(f_index.size, np.int64), np.full(kept_follow.size, 2)]
    )
    nt = t_owner.size
    t_slot = rng.integers(0, SLOTS_PER_DAY, nt)
    sort = np.lexsort((t_slot, t_day, t_owner))
    t_owner, t_day, t_slot = t_owner[sort], t_day[sort], t_slot[sort]
    t_channel, t_member = t_channel[sort], t_member[sort]
    t_quote, t_promise, t_summary_kind = t_quote[sort], t_promise[sort], t_summary_kind[sort]
    touch_id = ids.take("touch", nt)

    t_inbound = np.zeros(nt, dtype=bool)  # set below, from what the summary says
    value_class = np.where(t_channel == 3, 0, np.where(t_channel == 2, 1, 2))
    t_value = _pick(rng, np.stack([VALUE_NOTE, VALUE_SIT_DOWN, VALUE_OTHER]), value_class)
    t_value = np.where(t_summary_kind == 2, np.where(rng.random(nt) < 0.5, 1, 3), t_value)
    quiet = t_day > last_alive[t_owner] + 90
    t_sentiment = (
        _pick(rng, np.stack([SENTIMENT_ACTIVE, SENTIMENT_QUIET]), quiet.astype(np.int64)) - 2
    )

    # Who took part: usually one person, sometimes two, now and then nobody in particular.
    people = contact_count[t_owner]
    u = rng.random(nt)
    t_first = np.where(u < 0.92, some_contact(t_owner), -1)
    two = (u < 0.12) & (people > 1)
    offset = 1 + np.floor(rng.random(nt) * np.maximum(people - 1, 1)).astype(np.int64)
    t_second = np.where(
        two,
        contact_start[t_owner]
        + (t_first - contact_start[t_owner] + offset) % np.maximum(people, 1),
        -1,
    )
    pair_touch = np.concatenate([touch_id[t_first >= 0], touch_id[t_second >= 0]])
    pair_contact = np.concatenate(
        [contact_id[t_first[t_first >= 0]], contact_id[t_second[t_second >= 0]]]
    )
    pair_sort = np.lexsort((pair_contact, pair_touch))
    touch_contact_rows = list(
        zip(pair_touch[pair_sort].tolist(), pair_contact[pair_sort].tolist(), strict=True)
    )

    person = np.array([*c_first_names, v.NO_CONTACT], dtype=object)[t_first]  # -1: nobody
    summaries = np.empty(nt, dtype=object)
    plain = np.flatnonzero(t_summary_kind == 0)
    channel = t_channel[plain]
    template = (
        _SUMMARY_START[channel] + rng.integers(0, 1 << 30, plain.size) % _SUMMARY_COUNT[channel]
    )
    t_inbound[plain] = _SUMMARY_INBOUND[template]
    filler_kind = _SUMMARY_FILLER[template]
    filler = _FILLERS[
        _FILLER_START[filler_kind]
        + rng.integers(0, 1 << 30, plain.size) % _FILLER_COUNT[filler_kind]
    ]
    summaries[plain] = [
        _SUMMARY_TEXT[t].format(p=p, x=x)
        for t, p, x in zip(template.tolist(), person[plain].tolist(), filler.tolist(), strict=True)
    ]
    quoted = np.flatnonzero(t_summary_kind == 1)
    summaries[quoted] = [
        f"Followed up with {p} on quote {q_external[q]}: {q_descriptions[q]}"
        for p, q in zip(person[quoted].tolist(), t_quote[quoted].tolist(), strict=True)
    ]
    promised = np.flatnonzero(t_summary_kind == 2)
    summaries[promised] = [
        f"Done as promised: {p_what[p].lower()}" for p in t_promise[promised].tolist()
    ]
    t_moments = cal.moments(t_day, t_slot)
    touch_rows = list(
        zip(
            touch_id.tolist(),
            account_id[t_owner].tolist(),
            t_member.tolist(),
            [v.CHANNELS[c] for c in t_channel.tolist()],
            ["inbound" if i else "outbound" for i in t_inbound.tolist()],
            t_moments,
            summaries.tolist(),
            [v.VALUES[x] for x in t_value.tolist()],
            t_sentiment.tolist(),
            [int(quote_id[q]) if q >= 0 else None for q in t_quote.tolist()],
            [int(promise_id[p]) if p >= 0 else None for p in t_promise.tolist()],
            t_moments,
            strict=True,
        )
    )

    # --- profile facts ----------------------------------------------------------------
    fact_count = (FACTS_BASE[klass] + rng.poisson(FACTS_EXTRA[klass])).astype(np.int64)
    f_owner, _ = _segments(fact_count)
    nf = f_owner.size
    fact_id = ids.take("fact", nf)
    f_kind = _choose(rng, FACT_KIND_MIX, nf)
    f_learned = _weekday_shift(_uniform_days(rng, birth[f_owner], touch_end[f_owner]), start)
    f_learned = np.minimum(f_learned, as_of)
    personal = np.isin(f_kind, [v.FACT_KINDS.index(k) for k in v.PERSONAL_FACT_KINDS])
    # What someone values, and the role vendors play, is often one buyer's view, not the firm's.
    views = np.isin(f_kind, [v.FACT_KINDS.index(k) for k in ("values", "vendor_role")])
    about_person = personal | (views & (rng.random(nf) < 0.3))
    f_contact = np.where(about_person, some_contact(f_owner), -1)
    f_member = member_for(f_owner)
    f_periods = _quarter_text(f_learned)
    f_template = rng.integers(0, 1 << 30, nf)
    f_year = rng.integers(1948, 2016, nf)
    f_number = rng.integers(3, 40, nf)
    f_city = rng.integers(0, len(v.CITIES), nf)
    goal = v.FACT_KINDS.index("goal")
    fact_rows = list(
        zip(
            fact_id.tolist(),
            account_id[f_owner].tolist(),
            [int(contact_id[c]) if c >= 0 else None for c in f_contact.tolist()],
            [v.FACT_KINDS[k] for k in f_kind.tolist()],
            [
                v.FACTS[k][tpl % len(v.FACTS[k])].format(
                    p=c_first_names[c] if c >= 0 else "The owner",
                    c=v.CITIES[ci][0],
                    y=y,
                    n=num,
                )
                for k, tpl, c, ci, y, num in zip(
                    f_kind.tolist(),
                    f_template.tolist(),
                    f_contact.tolist(),
                    f_city.tolist(),
                    f_year.tolist(),
                    f_number.tolist(),
                    strict=True,
                )
            ],
            cal.days(f_learned),
            f_member.tolist(),
            [p if k == goal else None for p, k in zip(f_periods, f_kind.tolist(), strict=True)],
            cal.moments(f_learned),
            strict=True,
        )
    )

    # --- the accounts themselves --------------------------------------------------------
    prefixes = ("C", "V", "P")
    street_number = rng.integers(100, 10_000, n)
    street = rng.integers(0, len(v.STREETS), n)
    zip_tail = rng.integers(0, 100, n)
    created = cal.moments(birth)
    account_rows = list(
        zip(
            account_id.tolist(),
            [
                f"{prefixes[k]}-{i:07d}"
                for k, i in zip(kind.tolist(), account_id.tolist(), strict=True)
            ],
            names,
            [("customer", "supplier", "partner")[k] for k in kind.tolist()],
            tier.tolist(),
            _phones(rng, area),
            created,
            created,
            [
                f"{num} {v.STREETS[s]}"
                for num, s in zip(street_number.tolist(), street.tolist(), strict=True)
            ],
            [v.CITIES[c][0] for c in city.tolist()],
            [v.CITIES[c][1] for c in city.tolist()],
            [
                f"{v.CITIES[c][2]}{z:02d}"
                for c, z in zip(city.tolist(), zip_tail.tolist(), strict=True)
            ],
            ["US"] * n,
            strict=True,
        )
    )

    return [
        Rows("account", ACCOUNT_COLUMNS, account_rows),
        Rows("account_owner", ("account_id", "member_id"), owner_rows),
        Rows("contact", CONTACT_COLUMNS, contact_rows),
        Rows("quote", QUOTE_COLUMNS, quote_rows),
        Rows("promise", PROMISE_COLUMNS, promise_rows),
        Rows("touch", TOUCH_COLUMNS, touch_rows),
        Rows("touch_contact", ("touch_id", "contact_id"), touch_contact_rows),
        Rows("fact", FACT_COLUMNS, fact_rows),
        Rows("sales_order", ORDER_COLUMNS, order_rows),
    ]


ACCOUNT_COLUMNS = (
    "id", "external_id", "name", "kind", "tier", "phone", "created_at", "updated_at",
    "address_line1", "city", "region", "postal_code", "country",
)  # fmt: skip
CONTACT_COLUMNS = (
    "id", "account_id", "name", "title", "email", "phone", "birthday", "preferred_channel",
    "created_at", "updated_at",
)  # fmt: skip
QUOTE_COLUMNS = (
    "id", "account_id", "external_id", "quoted_on", "amount_minor", "status", "decided_on",
    "member_id", "description", "created_at",
)  # fmt: skip
PROMISE_COLUMNS = (
    "id", "account_id", "contact_id", "member_id", "what", "made_on", "due_on", "done_on",
    "status", "created_at",
)  # fmt: skip
TOUCH_COLUMNS = (
    "id", "account_id", "member_id", "channel", "direction", "happened_at", "summary", "value",
    "sentiment", "quote_id", "promise_id", "created_at",
)  # fmt: skip
FACT_COLUMNS = (
    "id", "account_id", "contact_id", "kind", "text", "learned_on", "learned_by_id", "period",
    "created_at",
)  # fmt: skip
ORDER_COLUMNS = (
    "id", "account_id", "external_id", "ordered_on", "amount_minor", "quantity", "created_at",
)  # fmt: skip


def team_email(name: str) -> str:
    """A team member's e-mail address: first.last at the team's domain."""
    return ".".join(_slug(part) for part in name.split()) + "@" + v.TEAM_DOMAIN


def team_rows(ids: Sequence[int], calendar: Calendar) -> list[tuple[Any, ...]]:
    """The team as member rows: (id, name, email, role, active, created_at)."""
    joined = calendar.moments(np.array([calendar.start_day]))[0]
    return [
        (member_id, name, team_email(name), role, True, joined)
        for member_id, (name, role, _job) in zip(ids, v.TEAM, strict=True)
    ]
