"""account search trigrams

Trigram indexes for searching accounts as you type (see goodwill.accounts.search).

SQLite: two FTS5 tables with the trigram tokenizer, ``account_search`` (rowid = account.id;
name, external_id) and ``contact_search`` (rowid = contact.id; name), filled from the
existing rows and kept in step by triggers on account and contact, so every writer (the
ORM, goodwill.bulk, the importer's INSERT … ON CONFLICT DO UPDATE, cascaded deletes) keeps
them right without knowing they exist. They hold their own copy of the text rather than
reading it from account/contact ("external content"): a copy costs a few megabytes, while
an external-content index that misses one change is silently corrupt.

PostgreSQL: the pg_trgm extension (trusted since PostgreSQL 13, so the database owner may
create it) and GIN trigram indexes on lower(name), lower(external_id) and contact
lower(name); no triggers are needed. Where the extension cannot be created (not installed,
or not allowed), the migration warns and goes on without the indexes, and the search falls
back to plain scans (its docstring says how).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:40:00.000000
"""

import warnings
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UPGRADE = [
    "CREATE VIRTUAL TABLE account_search USING fts5(name, external_id, tokenize='trigram')",
    "CREATE VIRTUAL TABLE contact_search USING fts5(name, tokenize='trigram')",
    "INSERT INTO account_search (rowid, name, external_id) SELECT id, name, external_id FROM account",
    "INSERT INTO contact_search (rowid, name) SELECT id, name FROM contact",
    # One b-tree per index instead of the segments the backfill wrote.
    "INSERT INTO account_search (account_search) VALUES ('optimize')",
    "INSERT INTO contact_search (contact_search) VALUES ('optimize')",
    """CREATE TRIGGER account_search_insert AFTER INSERT ON account BEGIN
        INSERT INTO account_search (rowid, name, external_id)
        VALUES (new.id, new.name, new.external_id);
    END""",
    """CREATE TRIGGER account_search_update AFTER UPDATE OF id, name, external_id ON account
    BEGIN
        DELETE FROM account_search WHERE rowid = old.id;
        INSERT INTO account_search (rowid, name, external_id)
        VALUES (new.id, new.name, new.external_id);
    END""",
    """CREATE TRIGGER account_search_delete AFTER DELETE ON account BEGIN
        DELETE FROM account_search WHERE rowid = old.id;
    END""",
    """CREATE TRIGGER contact_search_insert AFTER INSERT ON contact BEGIN
        INSERT INTO contact_search (rowid, name) VALUES (new.id, new.name);
    END""",
    """CREATE TRIGGER contact_search_update AFTER UPDATE OF id, name ON contact BEGIN
        DELETE FROM contact_search WHERE rowid = old.id;
        INSERT INTO contact_search (rowid, name) VALUES (new.id, new.name);
    END""",
    """CREATE TRIGGER contact_search_delete AFTER DELETE ON contact BEGIN
        DELETE FROM contact_search WHERE rowid = old.id;
    END""",
]

SQLITE_DOWNGRADE = [
    *(
        f"DROP TRIGGER IF EXISTS {table}_search_{event}"
        for table in ("account", "contact")
        for event in ("insert", "update", "delete")
    ),
    "DROP TABLE IF EXISTS account_search",
    "DROP TABLE IF EXISTS contact_search",
]

POSTGRESQL_INDEXES = {
    "ix_account_name_trgm": "account USING gin (lower(name) gin_trgm_ops)",
    "ix_account_external_id_trgm": "account USING gin (lower(external_id) gin_trgm_ops)",
    "ix_contact_name_trgm": "contact USING gin (lower(name) gin_trgm_ops)",
}


def _try(statements: Sequence[str], what: str) -> None:
    """Run the statements in a savepoint; if the engine refuses them, warn and go on."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            for statement in statements:
                bind.exec_driver_sql(statement)
    except sa.exc.DBAPIError as refused:
        warnings.warn(
            f"account search goes without {what} ({refused.orig}); "
            "it still works, by scanning, but slower on a large book",
            RuntimeWarning,
            stacklevel=2,
        )


def upgrade() -> None:
    # The first page of hits for a letter or two (most of the book) walks names in this
    # order and stops, instead of sorting tens of thousands of them.
    op.create_index("ix_account_lower_name", "account", [sa.text("lower(name)")])
    if op.get_bind().dialect.name == "sqlite":
        _try(SQLITE_UPGRADE, "its FTS5 trigram tables")
    else:
        _try(
            [
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                *(f"CREATE INDEX {name} ON {on}" for name, on in POSTGRESQL_INDEXES.items()),
            ],
            "the pg_trgm extension and its indexes",
        )


def downgrade() -> None:
    op.drop_index("ix_account_lower_name", "account")
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWNGRADE:
            op.execute(statement)
        return
    for name in POSTGRESQL_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    # The pg_trgm extension stays: it may have been there before, or be used by others.
