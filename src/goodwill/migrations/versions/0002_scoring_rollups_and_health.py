"""scoring: per-account rollups, weekly health history, scoring runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:13:46.534472
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import goodwill.models.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scoring_run",
        sa.Column("week_on", sa.Date(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("scored_at", goodwill.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("customers_fitted", sa.Integer(), nullable=False),
        sa.Column("rhythm_r", sa.Float(), nullable=False),
        sa.Column("rhythm_alpha", sa.Float(), nullable=False),
        sa.Column("rhythm_a", sa.Float(), nullable=False),
        sa.Column("rhythm_b", sa.Float(), nullable=False),
        sa.Column("rhythm_default", sa.Boolean(), nullable=False),
        sa.Column("spend_p", sa.Float(), nullable=False),
        sa.Column("spend_q", sa.Float(), nullable=False),
        sa.Column("spend_gamma", sa.Float(), nullable=False),
        sa.Column("spend_default", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("week_on", name=op.f("pk_scoring_run")),
    )
    op.create_table(
        "account_rollup",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("stale_on", sa.Date(), nullable=False),
        sa.Column("first_order_on", sa.Date(), nullable=True),
        sa.Column("last_order_on", sa.Date(), nullable=True),
        sa.Column("order_count", sa.Integer(), nullable=False),
        sa.Column("order_days", sa.Integer(), nullable=False),
        sa.Column("spend_minor", sa.BigInteger(), nullable=False),
        sa.Column("first_day_minor", sa.BigInteger(), nullable=False),
        sa.Column("revenue_90_minor", sa.BigInteger(), nullable=False),
        sa.Column("revenue_prior_90_minor", sa.BigInteger(), nullable=False),
        sa.Column("revenue_365_minor", sa.BigInteger(), nullable=False),
        sa.Column("last_touch_at", goodwill.models.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_call_at", goodwill.models.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_visit_at", goodwill.models.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column(
            "last_sit_down_at", goodwill.models.types.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column("last_note_at", goodwill.models.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_email_at", goodwill.models.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_value_at", goodwill.models.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("calls_90", sa.Integer(), nullable=False),
        sa.Column("visits_90", sa.Integer(), nullable=False),
        sa.Column("sit_downs_90", sa.Integer(), nullable=False),
        sa.Column("notes_90", sa.Integer(), nullable=False),
        sa.Column("emails_90", sa.Integer(), nullable=False),
        sa.Column("other_touches_90", sa.Integer(), nullable=False),
        sa.Column("promises_due_365", sa.Integer(), nullable=False),
        sa.Column("promises_kept_365", sa.Integer(), nullable=False),
        sa.Column("quotes_decided_365", sa.Integer(), nullable=False),
        sa.Column("quotes_won_365", sa.Integer(), nullable=False),
        sa.Column("open_quotes", sa.Integer(), nullable=False),
        sa.Column("open_quotes_followed", sa.Integer(), nullable=False),
        sa.Column("fact_kinds", sa.Integer(), nullable=False),
        sa.Column("fact_kinds_fresh", sa.Integer(), nullable=False),
        sa.Column("goal_this_quarter", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_account_rollup_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_rollup")),
    )
    with op.batch_alter_table("account_rollup", schema=None) as batch_op:
        batch_op.create_index("ix_account_rollup_stale_on", ["stale_on"], unique=False)

    op.create_table(
        "health_week",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("week_on", sa.Date(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("health", sa.Float(), nullable=False),
        sa.Column("vitality", sa.Float(), nullable=False),
        sa.Column("engagement", sa.Float(), nullable=False),
        sa.Column("richness", sa.Float(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("promises", sa.Float(), nullable=False),
        sa.Column("quotes", sa.Float(), nullable=False),
        sa.Column("knowledge", sa.Float(), nullable=False),
        sa.Column("chance_of_buying", sa.Float(), nullable=False),
        sa.Column("expected_purchases", sa.Float(), nullable=False),
        sa.Column("value_12_months_minor", sa.BigInteger(), nullable=False),
        sa.Column("revenue_90_minor", sa.BigInteger(), nullable=False),
        sa.Column("revenue_prior_90_minor", sa.BigInteger(), nullable=False),
        sa.Column("revenue_365_minor", sa.BigInteger(), nullable=False),
        sa.Column("days_since_order", sa.Integer(), nullable=True),
        sa.Column("days_since_value", sa.Integer(), nullable=True),
        sa.Column("trend", sa.Float(), nullable=False),
        sa.Column("arrow", sa.String(length=4), nullable=False),
        sa.Column("top", sa.Boolean(), nullable=False),
        sa.Column("complacent", sa.Boolean(), nullable=False),
        sa.Column("neglected", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_health_week_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "week_on", name=op.f("pk_health_week")),
    )
    with op.batch_alter_table("health_week", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_health_week_week_on"), ["week_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("health_week", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_health_week_week_on"))

    op.drop_table("health_week")
    with op.batch_alter_table("account_rollup", schema=None) as batch_op:
        batch_op.drop_index("ix_account_rollup_stale_on")

    op.drop_table("account_rollup")
    op.drop_table("scoring_run")
