"""Building the demo world: a team, its customers and years of history, in one transaction.

Rows go in through :func:`goodwill.bulk.insert_rows` a chunk of accounts at a time, so a
million accounts take bounded memory; the audit log gets one "demo" event saying what was
built (seed, size, last day), not one event per row.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from goodwill import schema
from goodwill.accounts.service import one_year_before
from goodwill.bulk import dialect_name, insert_rows, refresh_statistics
from goodwill.demo import queries
from goodwill.demo import vocabulary as v
from goodwill.demo.schemas import DemoReport, LargestAccount, TeamMemberOut
from goodwill.demo.world import (
    Calendar,
    NextIds,
    WorldPlan,
    draw_chunk,
    team_email,
    team_rows,
)
from goodwill.errors import Conflict, Invalid
from goodwill.models import Account, Member
from goodwill.models.audit import audit_event
from goodwill.scoring import rollups

CHUNK_ACCOUNTS = 5_000
MAX_ACCOUNTS = 5_000_000
MAX_YEARS = 20
LARGEST = 15

# (stage, done, total): "accounts" while loading, then "rollups" once.
Progress = Callable[[str, int, int], None]

# Tables whose ids the demo hands out itself; PostgreSQL's sequences are moved past them.
ID_TABLES = ("member", "account", "contact", "quote", "promise", "touch", "fact", "sales_order")


def database_label(engine: Engine) -> str:
    """Where the database is, for people: the SQLite file, or the URL without its password."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database:
        return str(Path(url.database).resolve())
    return make_url(url).render_as_string(hide_password=True)


def reset_database(engine: Engine) -> None:
    """Throw the whole database away and re-create it empty at the newest schema."""
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        engine.dispose()
        if database and database != ":memory:":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(database + suffix).unlink(missing_ok=True)
    else:
        with engine.begin() as connection:
            name = connection.execute(text("SELECT current_schema()")).scalar() or "public"
            quoted = connection.dialect.identifier_preparer.quote(name)
            connection.execute(text(f"DROP SCHEMA {quoted} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {quoted}"))
        engine.dispose()
    schema.upgrade(engine)


def team_emails() -> list[str]:
    """The e-mail addresses of the demo team, in vocabulary order."""
    return [team_email(name) for name, _role, _job in v.TEAM]


def check_empty(session: Session, where: str) -> None:
    """Refuse to mix the demo into a database that already holds accounts or the demo team."""
    accounts = session.scalar(select(func.count()).select_from(Account)) or 0
    if accounts:
        raise Conflict(
            f"the database {where} already holds {accounts:,} accounts: "
            "pass --reset to replace everything in it with the demo world"
        )
    taken = session.scalars(select(Member.email).where(Member.email.in_(team_emails()))).all()
    if taken:
        raise Conflict(
            f"the database {where} already has a member {taken[0]}: "
            "pass --reset to replace everything in it with the demo world"
        )


def _next_ids(session: Session) -> dict[str, int]:
    found = {}
    for table in ID_TABLES:
        found[table] = int(session.scalar(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")) or 0)
    return {table: last + 1 for table, last in found.items()}


def _move_sequences(session: Session) -> None:
    """After explicit ids, PostgreSQL's sequences must continue past them."""
    for table in ID_TABLES:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )
        )


def build_demo(
    session: Session,
    *,
    seed: int,
    accounts: int,
    years: int,
    as_of: date,
    where: str = "",
    on_progress: Progress | None = None,
) -> dict[str, int]:
    """Load the demo world into an empty database, then rebuild the rollups; returns row counts."""
    if not 1 <= accounts <= MAX_ACCOUNTS:
        raise Invalid(f"--accounts {accounts} is out of range: give 1 to {MAX_ACCOUNTS:,}")
    if not 1 <= years <= MAX_YEARS:
        raise Invalid(f"--years {years} is out of range: give 1 to {MAX_YEARS}")
    check_empty(session, where)
    dialect = dialect_name(session)
    calendar = Calendar(as_of=as_of, years=years, dialect=dialect)
    first = _next_ids(session)
    team_ids = tuple(range(first["member"], first["member"] + len(v.TEAM)))
    counts = {
        "member": insert_rows(session, "member", MEMBER_COLUMNS, team_rows(team_ids, calendar))
    }
    plan = WorldPlan(seed=seed, accounts=accounts, calendar=calendar, team_ids=team_ids)
    ids = NextIds(
        account=first["account"],
        contact=first["contact"],
        quote=first["quote"],
        promise=first["promise"],
        touch=first["touch"],
        fact=first["fact"],
        order=first["sales_order"],
    )
    if dialect == "sqlite":
        # A bigger page cache keeps the indexes of a large load in memory (this connection only).
        session.execute(text("PRAGMA cache_size = -262144"))
    # Millions of short-lived tuples would set off the cycle collector again and again for
    # nothing: none of them form cycles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for chunk, start in enumerate(range(0, accounts, CHUNK_ACCOUNTS)):
            size = min(CHUNK_ACCOUNTS, accounts - start)
            for rows in draw_chunk(plan, chunk, start, size, ids):
                written = insert_rows(session, rows.table, rows.columns, rows.rows)
                counts[rows.table] = counts.get(rows.table, 0) + written
            if on_progress is not None:
                on_progress("accounts", start + size, accounts)
    finally:
        if collecting:
            gc.enable()
    if dialect == "postgresql":
        _move_sequences(session)
    audit_event(
        session,
        "demo",
        "account",
        after={
            "seed": seed,
            "accounts": accounts,
            "years": years,
            "as_of": as_of.isoformat(),
            "rows": counts,
        },
    )
    if on_progress is not None:
        on_progress("rollups", 0, 1)
    rollups.rebuild(session)
    refresh_statistics(session)
    if on_progress is not None:
        on_progress("rollups", 1, 1)
    return counts


def _days_between(later: date, moment: datetime | None) -> int | None:
    return None if moment is None else (later - moment.date()).days


def demo_report(
    session: Session, *, database: str, seed: int, accounts: int, years: int, as_of: date
) -> DemoReport:
    """What the database now holds: counts, date range, the team and the largest accounts."""
    counts = {
        kind: int(session.scalar(queries.record_count(kind)) or 0) for kind in queries.COUNTED
    }
    first_order, last_order = session.execute(queries.order_range()).one()
    jobs = dict(zip(team_emails(), (job for _name, _role, job in v.TEAM), strict=True))
    team = [
        TeamMemberOut(name=m.name, email=m.email, role=m.role.value, job=jobs.get(m.email))
        for m in session.scalars(queries.team())
    ]
    top = session.execute(queries.largest_accounts(one_year_before(as_of), as_of, LARGEST)).all()
    ids = [row[0].id for row in top]
    owners: dict[int, list[str]] = {}
    for account_id, name in session.execute(queries.owner_names(ids)):
        owners.setdefault(account_id, []).append(name)
    touched: dict[int, datetime] = dict(session.execute(queries.last_touches(ids)).all())
    promised: dict[int, int] = dict(session.execute(queries.open_promise_counts(ids)).all())
    largest = [
        LargestAccount(
            id=account.id,
            name=account.name,
            external_id=account.external_id,
            tier=account.tier,
            owners=owners.get(account.id, []),
            orders_12m=int(orders),
            revenue_12m_minor=int(revenue),
            last_order_on=last_order_on,
            days_since_last_touch=_days_between(as_of, touched.get(account.id)),
            open_promises=int(promised.get(account.id, 0)),
        )
        for account, revenue, orders, last_order_on in top
    ]
    return DemoReport(
        database=database,
        seed=seed,
        accounts=accounts,
        years=years,
        as_of=as_of,
        counts=counts,
        first_order_on=first_order,
        last_order_on=last_order,
        team=team,
        largest_accounts=largest,
    )


MEMBER_COLUMNS = ("id", "name", "email", "role", "active", "created_at")


DEMO_PASSWORD_FILE = "demo-password"


def give_demo_passwords(session: Session, data_dir: Path) -> str:
    """One fresh random password for every demo team member, kept in the data folder.

    The demo prints it (and ``goodwill serve`` repeats it) so the web app can be tried at
    once; it is never a fixed default. Real members get theirs from ``goodwill user add``.
    """
    from goodwill.auth.service import hash_password, new_password

    password = new_password()
    hashed = hash_password(password)
    session.execute(
        update(Member).where(Member.email.in_(team_emails())).values(password_hash=hashed)
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / DEMO_PASSWORD_FILE
    path.unlink(missing_ok=True)
    path.touch(mode=0o600)
    path.write_text(password + "\n", encoding="utf-8")
    return password


def demo_password(data_dir: Path) -> str | None:
    """The demo team's password, if this data folder holds a demo."""
    path = data_dir / DEMO_PASSWORD_FILE
    return path.read_text(encoding="utf-8").strip() if path.exists() else None
