"""rollups count quotes due a follow-up

``account_rollup.open_quotes`` now counts the open quotes that were followed up or are due
a follow-up (older than a week), not every open quote: a quote made this morning no longer
lowers the account's health before anyone could follow it up. Rows computed before hold the
old count, so every row is marked stale (``stale_on = as_of``): the next scoring run
recomputes them (``goodwill.scoring.rollups.bring_current``), and no stored figure is read
as exact until then.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 18:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE account_rollup SET stale_on = as_of")


def downgrade() -> None:
    op.execute("UPDATE account_rollup SET stale_on = as_of")
