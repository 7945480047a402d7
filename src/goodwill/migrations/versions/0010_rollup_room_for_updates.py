"""rollup room for updates

PostgreSQL only: ``account_rollup`` pages are filled to 80%, so that updating a row (new
orders folded in, ``goodwill.scoring.rollups.add_orders``) can put its new version on the
same page without touching the table's indexes (a heap-only update). Full pages made every
update insert into both indexes: at a million accounts, folding 100,000 new orders into
95,070 rows took 1.2 s of UPDATE, 0.85 s with room. The setting applies to pages written
from now on (the next ``goodwill score --rebuild`` rewrites every row); ``VACUUM FULL
account_rollup`` applies it at once. SQLite has no such setting.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 05:25:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE account_rollup SET (fillfactor = 80)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE account_rollup RESET (fillfactor)")
