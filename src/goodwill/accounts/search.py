"""Finding accounts as you type: by name, external id or a person's name, fuzzily, with filters.

Typed text is matched twice: as a plain substring of a name or external id, ignoring case
(what people expect when they type the start of a name), and with rapidfuzz's WRatio over
names, external ids and people's names (what catches typos and word order). Substring hits
come first, by name; fuzzy matches follow, best first. Filters (owner, tier, kind, arrow,
flag) run in SQL on the account and its newest scored week.

The web page asks once per keystroke. WRatio over every name and person, loaded into Python
for each query, took 1.4 s at 100,000 accounts (seconds more for one letter); now the database's own
trigram index (migration 0007) finds the few hundred rows worth ranking, and nothing is
loaded whole (benchmarks/search_latency.py; docs/benchmarks.md has the figures).

- Substring hits stay in SQL, a condition on the account: counting and paging them costs
  the same however many there are. From 3 characters on, a quoted FTS5 phrase over the
  ``account_search`` trigram table on SQLite (exactly "contains this text"), and
  ``lower(name) LIKE '%text%'`` on PostgreSQL, which the GIN trigram index answers. One or
  two characters make no trigram: a LIKE scan, whose first page walks the ``lower(name)``
  index in order and stops.
- Fuzzy candidates, from 4 characters on (below that, WRatio finds only noise beyond the
  substrings): the rows most like the text by trigrams, at most :data:`CANDIDATES` names
  and as many people, which WRatio then ranks as it once ranked every row. A typo keeps
  most of a word's trigrams ("acme tolls" shares acm, cme, " to" … with "Acme Tools"), and
  trigrams ignore word order. On SQLite: FTS5 ``MATCH`` of the text's rarer trigrams
  OR'ed, ranked by bm25 (see :func:`_telling_trigrams` for why only the rarer ones). On
  PostgreSQL: pg_trgm's word similarity (``<%``, the best-matching stretch of a longer
  name) and, for external ids, similarity (``%``).
- What the bound costs: a fuzzy match outside the candidates is not found. Where many
  rows are about as like the text as each other (a common first name, a code sharing its
  prefix with thousands), the total counts those among the candidates, not all of them;
  before, it counted the first 200 of all. A typo so bad that the text keeps no trigram
  of its word finds nothing fuzzily.
- Without the index (FTS5 or pg_trgm missing; migration 0007 warns) the same queries run
  as scans: substrings by LIKE; fuzzy candidates are the rows holding one of the typed
  words, up to :data:`CANDIDATES`. Slower and less forgiving, never an error.

Typed text is only ever a bound parameter: LIKE's ``%`` and ``_`` are escaped, and FTS5
sees each trigram, or the whole text, as a quoted string, so quotes, ``*``, ``-``, ``OR``
and parentheses are plain characters.
"""

from __future__ import annotations

import itertools
from typing import Any, Literal

from pydantic import BaseModel
from rapidfuzz import fuzz, process, utils
from sqlalchemy import (
    Integer,
    Select,
    String,
    bindparam,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session, lazyload

from goodwill.models import Account, AccountKind, Contact, HealthWeek, Member, account_owner

Flag = Literal["top", "complacent", "neglected"]
FUZZY_CUTOFF = 60.0
PERSON_CUTOFF = 80.0
MAX_MATCHES = 200
CANDIDATES = 500
"""Names (and, apart, people) read per query for WRatio to rank: enough that a typo's
target is among them, few enough to read and rank in a millisecond or two."""
TRIGRAM = 3
FUZZY_FROM = 4
"""Characters typed before fuzzy matching starts (fewer find substrings only)."""
GRAM_CAP = 5_000
GRAM_BUDGET = 10_000
"""Rows a trigram is counted up to, and the rows the kept trigrams may share in all (see
:func:`_telling_trigrams`)."""
MAX_TRIGRAMS = 32
"""Trigrams of a long text looked up for fuzzy candidates (a pasted paragraph would
otherwise OR together hundreds); substring hits still use the whole text."""

Index = Literal["fts5", "pg_trgm", "none"]
Match = tuple[float, str | None]

account_search = table("account_search", column("rowid", Integer))


class AccountRow(BaseModel):
    """One account in a list: who owns it, how healthy it is, and why it matched."""

    id: int
    name: str
    external_id: str | None
    kind: AccountKind
    tier: str
    owners: list[str]
    health: float | None
    arrow: str | None
    top: bool
    complacent: bool
    neglected: bool
    revenue_365_minor: int | None
    matched: str | None


class AccountPage(BaseModel):
    """A page of accounts and how many there are in all."""

    total: int
    offset: int
    limit: int
    rows: list[AccountRow]


def newest_week(session: Session) -> Any:
    """The newest scored week, or None before the first scoring run."""
    return session.scalar(select(func.max(HealthWeek.week_on)))


def trigram_index(session: Session) -> Index:
    """Which trigram index this database has for search (asked once per connection)."""
    connection = session.connection()
    known: Index | None = connection.info.get("goodwill_search_index")
    if known is None:
        if connection.dialect.name == "sqlite":
            probe = "SELECT 1 FROM sqlite_master WHERE name = 'account_search'"
            known = "fts5" if connection.exec_driver_sql(probe).first() else "none"
        else:
            probe = "SELECT to_regclass('ix_account_name_trgm') IS NOT NULL"
            known = "pg_trgm" if connection.exec_driver_sql(probe).scalar() else "none"
        connection.info["goodwill_search_index"] = known
    return known


def _quoted(phrase: str) -> str:
    """Text as one FTS5 string: inside double quotes only a double quote is special."""
    return '"' + phrase.replace('"', '""') + '"'


def _fts_match(fts: str, query: str) -> Any:
    return literal_column(fts).op("MATCH")(query)


def _trigrams(wanted: str) -> list[str]:
    """The text's distinct trigrams, at most :data:`MAX_TRIGRAMS` spread over it."""
    lowered = wanted.lower()
    grams = list(dict.fromkeys(lowered[i : i + TRIGRAM] for i in range(len(lowered) - 2)))
    if len(grams) > MAX_TRIGRAMS:
        step = len(grams) / MAX_TRIGRAMS
        grams = [grams[int(i * step)] for i in range(MAX_TRIGRAMS)]
    return grams


def _telling_trigrams(session: Session, fts: str, wanted: str) -> tuple[str | None, bool]:
    """An FTS5 query for rows sharing the text's rarer trigrams, and whether to rank them.

    bm25 costs about a microsecond per row and trigram, and trigrams such as "er " or
    "-00" are in most rows: ranking every row sharing any trigram took 60-130 ms at
    100,000 accounts. Counting a trigram's rows up to :data:`GRAM_CAP` is cheap, so the
    rarest trigrams are kept while their rows add up to :data:`GRAM_BUDGET`: a typo's
    target still shares several of them, and the common ones say little (bm25 weighs
    them least anyway). On 180 typo and word-order texts drawn from the 100,000-account
    demo this found as many of the matches as ranking on every trigram, in a quarter of
    the time.
    When even the rarest trigram is common, its first rows are read unranked: any of
    them is as likely as another.
    """
    grams = _trigrams(wanted)
    if not grams:
        return None, False
    counts = session.execute(
        text(
            "SELECT "
            + ", ".join(
                f"(SELECT count(*) FROM (SELECT 1 FROM {fts} WHERE {fts} MATCH :g{i} "
                f"LIMIT {GRAM_CAP}))"
                for i in range(len(grams))
            )
        ),
        {f"g{i}": _quoted(g) for i, g in enumerate(grams)},
    ).one()
    kept: list[str] = []
    rows = 0
    for n, gram in sorted((int(n), g) for n, g in zip(counts, grams, strict=True)):
        if n == 0:
            continue  # a typo's own trigrams: in no row
        if kept and (rows + n > GRAM_BUDGET or n >= GRAM_CAP):
            break
        kept.append(gram)
        rows += n
    if not kept:
        return None, False
    return " OR ".join(_quoted(g) for g in kept), rows < GRAM_CAP or len(kept) > 1


def _fts_candidates(session: Session, fts: str, wanted: str, *columns: str) -> list[Any]:
    """Rowid and the columns of the FTS table's rows most like the text, most likely first."""
    query, ranked = _telling_trigrams(session, fts, wanted)
    if query is None:
        return []
    candidates: Select[*tuple[Any, ...]] = (
        select(*(literal_column(f"{fts}.{c}") for c in ("rowid", *columns)))
        .select_from(table(fts))
        .where(_fts_match(fts, query))
    )
    if ranked:
        candidates = candidates.order_by(literal_column("rank"))
    return list(session.execute(candidates.limit(CANDIDATES)))


def _contains(session: Session, wanted: str, *columns: Any) -> Any:
    """The columns holding the text, ignoring case, with LIKE's wildcards taken literally."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite's LIKE ignores (ASCII) case itself, and lower() would double its cost.
        return or_(*(c.contains(wanted, autoescape=True) for c in columns))
    if len(wanted) < TRIGRAM:
        # No trigram index helps, so every row is read: lower() on each cost PostgreSQL
        # 50 ms at 100,000 accounts, a case-sensitive LIKE per way of writing the text 20.
        return or_(*(c.contains(v, autoescape=True) for c in columns for v in _cases(wanted)))
    lowered = wanted.lower()  # lower(column): what the trigram indexes are on
    return or_(*(func.lower(c).contains(lowered, autoescape=True) for c in columns))


def _cases(wanted: str) -> list[str]:
    """Every way of writing the (short) text in upper and lower case."""
    ways = [
        {ch, ch.lower(), ch.upper()} if len(ch.lower()) == len(ch.upper()) == 1 else {ch}
        for ch in wanted
    ]
    return sorted("".join(letters) for letters in itertools.product(*ways))


def _substring(session: Session, wanted: str, index: Index) -> Any:
    """Accounts whose name or external id holds the text: a condition on the account."""
    if index == "fts5" and len(wanted) >= TRIGRAM:
        hits = select(account_search.c.rowid).where(_fts_match("account_search", _quoted(wanted)))
        return Account.id.in_(hits)
    return _contains(session, wanted, Account.name, Account.external_id)


def _name_candidates(session: Session, wanted: str, index: Index) -> list[Any]:
    """(id, name, external_id) of accounts that may be what the text means, most likely first."""
    if len(wanted) < FUZZY_FROM:
        # Beyond its substrings, WRatio finds only noise in so little text: one letter off
        # in three scores 60, just at the cut-off.
        return []
    columns = (Account.id, Account.name, Account.external_id)
    if index == "fts5":
        # The table's own copy of the text, which its triggers keep the same as the account's.
        return _fts_candidates(session, "account_search", wanted, "name", "external_id")
    if index == "pg_trgm":
        return list(session.execute(_pg_similar(wanted, columns)))
    return list(
        session.execute(_by_words(session, wanted, columns, Account.name, Account.external_id))
    )


def _person_candidates(session: Session, wanted: str, index: Index) -> list[Any]:
    """(account_id, name) of people who may be who the text means, most likely first."""
    columns = (Contact.id, Contact.account_id, Contact.name)
    people: list[Any]
    if len(wanted) < FUZZY_FROM:
        # People whose name holds the letters, as far as the candidates go (a scan stops
        # there; from three letters on, the trigram index finds them).
        if index == "fts5" and len(wanted) >= TRIGRAM:
            hits: Select[Any] = (
                select(literal_column("contact_search.rowid"))
                .select_from(table("contact_search"))
                .where(_fts_match("contact_search", _quoted(wanted)))
            )
            holding = Contact.id.in_(hits.limit(CANDIDATES))
        else:
            holding = _contains(session, wanted, Contact.name)
        people = list(session.execute(select(*columns).where(holding).limit(CANDIDATES)))
    elif index == "fts5":
        candidates = _fts_candidates(session, "contact_search", wanted, "name")
        ids = [person[0] for person in candidates]
        accounts = select(Contact.id, Contact.account_id).where(Contact.id.in_(ids))
        account_of: dict[int, int] = dict(session.execute(accounts).all())
        people = [(i, account_of[i], name) for i, name in candidates if i in account_of]
    elif index == "pg_trgm":
        people = list(session.execute(_pg_similar(wanted, columns)))
    else:
        people = list(session.execute(_by_words(session, wanted, columns, Contact.name)))
    return [(account_id, name) for _id, account_id, name in people]


PG_WORD_SIMILARITY = 0.4
"""pg_trgm's word similarity a name needs to be a candidate (its default, 0.6, drops a
typo in a short word); WRatio then decides which candidates are matches."""
PG_SIMILARITY = 0.6
"""pg_trgm's similarity an external id needs to be a candidate. Codes share much: "C-00…"
holds 4 of the 10 trigrams of every other "C-00…" code, and a tenth of them share a fifth,
so at 0.4 the GIN index could rule out none of 100,000 (0.5 s), at 0.5 not 12,000 (80 ms).
At 0.6 a wrong last digit is still a candidate ("C-0042447" for "C-0042446": 0.67); two
digits swapped in the middle are not (SQLite's trigram candidates still find them)."""


PG_RECHECKED = 1_000
"""Rows passing pg_trgm's test that are ranked at most. A prefix such as "stan" has a
stretch like it in thousands of names (every Stanton and Stanley), each costing some
microseconds to score; they are substring hits anyway, so any thousand will do."""


def _pg_similar(wanted: str, columns: tuple[Any, ...]) -> Select[*tuple[Any, ...]]:
    """Rows with a name with a stretch like the text (pg_trgm's ``<%``), or an external id
    like it (``%``), most alike first."""
    typed = bindparam("typed", wanted.lower(), type_=String)
    if columns[0] is Contact.id:
        name = func.lower(Contact.name)
        passing = select(*columns, func.word_similarity(typed, name).label("likeness"))
        passing = passing.where(typed.op("<%")(name))
    else:
        name, external_id = func.lower(Account.name), func.lower(Account.external_id)
        likeness = func.greatest(
            func.word_similarity(typed, name), func.coalesce(func.similarity(external_id, typed), 0)
        )
        passing = select(*columns, likeness.label("likeness"))
        passing = passing.where(or_(typed.op("<%")(name), external_id.op("%")(typed)))
    some = passing.limit(PG_RECHECKED).subquery()
    return (
        select(*(some.c[c.key] for c in columns)).order_by(some.c.likeness.desc()).limit(CANDIDATES)
    )


def _by_words(session: Session, wanted: str, columns: tuple[Any, ...], *texts: Any) -> Select[Any]:
    """Without a trigram index: rows whose text holds one of the typed words."""
    words = [w for w in utils.default_process(wanted).split() if len(w) >= TRIGRAM][:8]
    if not words:
        return select(*columns).where(text("1 = 0"))
    holding = or_(*(_contains(session, w, *texts) for w in words))
    return select(*columns).where(holding).limit(CANDIDATES)


def _ranked(wanted: str, matched: str, likeness: float) -> float:
    """The order of a fuzzy match: its WRatio with the token-set ratio (WRatio alone lifts
    any name sharing one short word: "shenandoh wire" put "Allegheny Wire & Sons", 85.5,
    level with "Shenandoah Wire Company")."""
    words = fuzz.token_set_ratio(wanted, matched, processor=utils.default_process)
    return (likeness + words) / 2


def _fuzzy(session: Session, wanted: str, index: Index) -> dict[int, Match]:
    """Accounts the text may mean by WRatio, each with its score (0-100) and what matched."""
    found: dict[int, Match] = {}
    names = _name_candidates(session, wanted, index)
    choices: dict[int, str] = {}
    for i, row in enumerate(names):
        choices[2 * i] = row[1]
        if row[2]:
            choices[2 * i + 1] = row[2]
    for matched, score, key in process.extract(
        wanted,
        choices,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=MAX_MATCHES,
        score_cutoff=FUZZY_CUTOFF,
    ):
        score = _ranked(wanted, matched, score)
        account_id = names[key // 2][0]
        if account_id not in found or found[account_id][0] < score:
            found[account_id] = (float(score), None)
    people = _person_candidates(session, wanted, index)
    for name, score, key in process.extract(
        wanted,
        {i: row[1] for i, row in enumerate(people)},
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=MAX_MATCHES,
        score_cutoff=PERSON_CUTOFF,
    ):
        score = _ranked(wanted, name, score)
        account_id = people[key][0]
        if account_id not in found or found[account_id][0] < score:
            found[account_id] = (float(score), f"person: {name}")
    return found


def _filtered(
    week: Any,
    owner_id: int | None,
    tier: str | None,
    kind: AccountKind | None,
    arrow: str | None,
    flag: Flag | None,
) -> Select[int, str]:
    """Ids and names of the accounts the filters let through (their newest week joined
    only when a filter needs it: counting a whole book through the join doubled the cost)."""
    query = select(Account.id, Account.name)
    if arrow or flag is not None:
        query = query.join(
            HealthWeek, (HealthWeek.account_id == Account.id) & (HealthWeek.week_on == week)
        )
    if owner_id is not None:
        query = query.where(
            Account.id.in_(
                select(account_owner.c.account_id).where(account_owner.c.member_id == owner_id)
            )
        )
    if tier:
        query = query.where(Account.tier == tier)
    if kind is not None:
        query = query.where(Account.kind == kind)
    if arrow:
        query = query.where(HealthWeek.arrow == arrow)
    if flag is not None:
        query = query.where(getattr(HealthWeek, flag).is_(True))
    return query


def _count(session: Session, query: Select[int, str]) -> int:
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def _with_health(session: Session, week: Any, ids: list[int]) -> list[tuple[Account, Any]]:
    """The accounts (in the order of ``ids``) with their newest week, if scored."""
    if not ids:
        return []
    read = {
        account.id: (account, health)
        for account, health in session.execute(
            select(Account, HealthWeek)
            .options(lazyload(Account.owners))  # read below for the page alone, by name
            .outerjoin(
                HealthWeek, (HealthWeek.account_id == Account.id) & (HealthWeek.week_on == week)
            )
            .where(Account.id.in_(ids))
        )
    }
    return [read[i] for i in ids]


def _page_of_matches(
    session: Session, query: Select[int, str], wanted: str, offset: int, limit: int
) -> tuple[int, list[int], dict[int, Match]]:
    """How many accounts match in all, the ids on the page, and why each matched.

    Substring hits and fuzzy matches scoring 100 (words reordered, a person's full name)
    come first, by name: SQL counts and pages them, however many there are (for the many
    hits of a letter or two, the ``lower(name)`` index lets the page stop early). The other
    fuzzy matches, a few hundred at most, follow best first, ranked here.
    """
    index = trigram_index(session)
    if index == "pg_trgm":
        # For this transaction only, like SET LOCAL (which takes no bound parameter).
        session.execute(
            select(
                func.set_config("pg_trgm.word_similarity_threshold", str(PG_WORD_SIMILARITY), True),
                func.set_config("pg_trgm.similarity_threshold", str(PG_SIMILARITY), True),
            )
        )
    substring = _substring(session, wanted, index)
    fuzzy = _fuzzy(session, wanted, index)
    perfect = [i for i, (score, _) in fuzzy.items() if score >= 100.0]
    first = query.where(or_(substring, Account.id.in_(perfect)) if perfect else substring)
    n_first = _count(session, first)
    ids: list[int] = []
    if offset < n_first:
        hits: Any = first.add_columns(Account.external_id)
        if index == "pg_trgm" and len(wanted) >= TRIGRAM:
            # Take the hits from the trigram index, then sort them: PostgreSQL would rather
            # walk every name in order looking for them (100 ms for "stan"), since it
            # cannot know they all begin with S.
            hits = select(hits.cte("hits").prefix_with("MATERIALIZED"))
        page = hits.order_by(func.lower(hits.selected_columns.name), hits.selected_columns.id)
        lowered = wanted.lower()
        for row in session.execute(page.offset(offset).limit(limit)):
            ids.append(row.id)
            if row.id in fuzzy and lowered in f"{row.name}\n{row.external_id or ''}".lower():
                fuzzy[row.id] = (100.0, None)  # a substring hit says nothing more
    rest_ids = [i for i, (score, _) in fuzzy.items() if score < 100.0]
    if not rest_ids:
        return n_first, ids, fuzzy
    # IS NOT TRUE rather than NOT: a NULL external id must not make the test NULL.
    rest = sorted(
        session.execute(query.where(Account.id.in_(rest_ids), substring.is_not(True))),
        key=lambda r: (-fuzzy[r.id][0], r.name.lower(), r.id),
    )
    start = max(0, offset - n_first)
    ids += [r.id for r in rest[start : start + limit - len(ids)]]
    return n_first + len(rest), ids, fuzzy


def search_accounts(
    session: Session,
    text: str = "",
    *,
    owner_id: int | None = None,
    tier: str | None = None,
    kind: AccountKind | None = None,
    arrow: str | None = None,
    flag: Flag | None = None,
    offset: int = 0,
    limit: int = 50,
) -> AccountPage:
    """Accounts matching the typed text and the filters: best match first, else by name."""
    week = newest_week(session)
    query = _filtered(week, owner_id, tier, kind, arrow, flag)
    # No database stores NUL in text (and FTS5 would end its query string there).
    wanted = text.replace("\x00", "").strip()
    why: dict[int, Match] = {}
    if wanted:
        total, page, why = _page_of_matches(session, query, wanted, offset, limit)
    else:
        total = _count(session, query)
        page = list(
            session.scalars(
                query.with_only_columns(Account.id)
                .order_by(Account.name, Account.id)
                .offset(offset)
                .limit(limit)
            )
        )
    rows = _with_health(session, week, page)
    ids = [account.id for account, _ in rows]
    owners: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for account_id, name in session.execute(
            select(account_owner.c.account_id, Member.name)
            .join(Member, Member.id == account_owner.c.member_id)
            .where(account_owner.c.account_id.in_(ids))
            .order_by(Member.name)
        ):
            owners[account_id].append(name)
    return AccountPage(
        total=total,
        offset=offset,
        limit=limit,
        rows=[
            AccountRow(
                id=account.id,
                name=account.name,
                external_id=account.external_id,
                kind=account.kind,
                tier=account.tier,
                owners=owners[account.id],
                health=health.health if health else None,
                arrow=health.arrow if health else None,
                top=bool(health and health.top),
                complacent=bool(health and health.complacent),
                neglected=bool(health and health.neglected),
                revenue_365_minor=health.revenue_365_minor if health else None,
                matched=why[account.id][1] if account.id in why else None,
            )
            for account, health in rows
        ],
    )


def tiers(session: Session) -> list[str]:
    """The tiers in use, for the filter."""
    return [t for t in session.scalars(select(Account.tier).distinct().order_by(Account.tier)) if t]
