"""birthday month day

An expression index on each contact's birthday as month * 100 + day (1203 for 3 December),
for the plan's "birthday within a week" rule (goodwill.agenda.features): the day's few
birthdays are looked up instead of every contact being read (0.13 s of the plan at a million
contacts, on SQLite). The expression must stay the one the features query writes, for its
dialect; PostgreSQL's ``to_char`` cannot be indexed (it is not immutable), ``EXTRACT`` on a
date can. Only contacts with a birthday are indexed.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 04:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONTH_DAY = {
    "sqlite": "(CAST(substr(birthday, 6, 2) AS INTEGER) * 100"
    " + CAST(substr(birthday, 9, 2) AS INTEGER))",
    "postgresql": "(EXTRACT(MONTH FROM birthday) * 100 + EXTRACT(DAY FROM birthday))",
}


def upgrade() -> None:
    expression = MONTH_DAY[op.get_bind().dialect.name]
    op.execute(
        f"CREATE INDEX ix_contact_birthday_month_day ON contact ({expression}) "
        "WHERE birthday IS NOT NULL"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_contact_birthday_month_day")
