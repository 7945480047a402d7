"""health week without foreign key

``health_week`` rows are derived: only scoring writes them, for the accounts it has just
read in the same transaction. Their foreign key to ``account`` was checked row by row on
every write; on PostgreSQL each check also locks the account row (FOR KEY SHARE), and for a
million rows the checks took 5 of the 11.4 s of writing the week. The key is dropped; a
trigger on ``account`` deletes an account's health rows with it, as ``ON DELETE CASCADE``
did.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 05:20:00.000000
"""

import warnings
from collections.abc import Sequence

from alembic import op
from sqlalchemy.exc import SAWarning

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOREIGN_KEY = "fk_health_week_account_id_account"

SQLITE_TRIGGER = """
CREATE TRIGGER health_week_account_delete AFTER DELETE ON account BEGIN
    DELETE FROM health_week WHERE account_id = old.id;
END
"""

POSTGRESQL_TRIGGER = [
    """
CREATE FUNCTION health_week_account_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM health_week WHERE account_id = OLD.id;
    RETURN OLD;
END
$$
""",
    """
CREATE TRIGGER health_week_account_delete AFTER DELETE ON account
FOR EACH ROW EXECUTE FUNCTION health_week_account_delete()
""",
]


def upgrade() -> None:
    # Reflecting the tables for SQLite's copy passes over migration 0007's expression index
    # on account, which SQLAlchemy cannot reflect and warns about.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", SAWarning)
        with op.batch_alter_table("health_week") as batch:
            batch.drop_constraint(FOREIGN_KEY, type_="foreignkey")
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE_TRIGGER)
    else:
        for statement in POSTGRESQL_TRIGGER:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS health_week_account_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS health_week_account_delete ON account")
        op.execute("DROP FUNCTION IF EXISTS health_week_account_delete()")
    op.execute("DELETE FROM health_week WHERE account_id NOT IN (SELECT id FROM account)")
    with op.batch_alter_table("health_week") as batch:
        batch.create_foreign_key(FOREIGN_KEY, "account", ["account_id"], ["id"], ondelete="CASCADE")
