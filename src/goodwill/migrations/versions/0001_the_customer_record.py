"""the customer record

Revision ID: 0001
Revises:
Create Date: 2026-11-22 20:57:40.402505
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import goodwill.models.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "customer",
                "supplier",
                "partner",
                name="account_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("created_at", goodwill.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", goodwill.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("address_line1", sa.String(length=200), nullable=True),
        sa.Column("address_line2", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("external_id", name=op.f("uq_account_external_id")),
    )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_name"), ["name"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", goodwill.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.BigInteger(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index(
            "ix_audit_event_table_name_row_id", ["table_name", "row_id"], unique=False
        )

    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin", "manager", "member", name="role", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("created_at", goodwill.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member")),
        sa.UniqueConstraint("email", name=op.f("uq_member_email")),
    )
    op.create_table(
        "account_owner",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_account_owner_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_account_owner_member_id_member"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "member_id", name=op.f("pk_account_owner")),
    )
    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("birthday", sa.Date(), nullable=True),
        sa.Column(
            "preferred_channel",
            sa.Enum(
                "call",
                "visit",
                "sit_down",
                "note",
                "email",
                "event",
                "other",
                name="channel",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("created_at", goodwill.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", goodwill.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("address_line1", sa.String(length=200), nullable=True),
        sa.Column("address_line2", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_contact_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
        sa.UniqueConstraint(
            "account_id", "external_id", name=op.f("uq_contact_account_id_external_id")
        ),
    )
    op.create_table(
        "quote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("quoted_on", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "won",
                "lost",
                "expired",
                name="quote_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", goodwill.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_quote_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_quote_member_id_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote")),
        sa.UniqueConstraint(
            "account_id", "external_id", name=op.f("uq_quote_account_id_external_id")
        ),
    )
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quote_member_id"), ["member_id"], unique=False)
        batch_op.create_index("ix_quote_status_quoted_on", ["status", "quoted_on"], unique=False)

    op.create_table(
        "sales_order",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("ordered_on", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("created_at", goodwill.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_sales_order_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_order")),
        sa.UniqueConstraint(
            "account_id", "external_id", name=op.f("uq_sales_order_account_id_external_id")
        ),
    )
    with op.batch_alter_table("sales_order", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sales_order_account_id_ordered_on", ["account_id", "ordered_on"], unique=False
        )

    op.create_table(
        "fact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "goal",
                "drawing_board",
                "planned_change",
                "history",
                "interest",
                "community",
                "family",
                "values",
                "vendor_role",
                "facility_tour",
                "other",
                name="fact_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("learned_on", sa.Date(), nullable=False),
        sa.Column("learned_by_id", sa.Integer(), nullable=True),
        sa.Column("period", sa.String(length=20), nullable=True),
        sa.Column("created_at", goodwill.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_fact_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_fact_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["learned_by_id"],
            ["member.id"],
            name=op.f("fk_fact_learned_by_id_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact")),
        sa.UniqueConstraint(
            "account_id", "external_id", name=op.f("uq_fact_account_id_external_id")
        ),
    )
    with op.batch_alter_table("fact", schema=None) as batch_op:
        batch_op.create_index("ix_fact_account_id_kind", ["account_id", "kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_fact_contact_id"), ["contact_id"], unique=False)

    op.create_table(
        "promise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "kept",
                "kept_late",
                "broken",
                "cancelled",
                name="promise_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("created_at", goodwill.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_promise_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_promise_contact_id_contact"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_promise_member_id_member"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promise")),
    )
    with op.batch_alter_table("promise", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_promise_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_promise_member_id"), ["member_id"], unique=False)
        batch_op.create_index("ix_promise_status_due_on", ["status", "due_on"], unique=False)

    op.create_table(
        "touch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column(
            "channel",
            sa.Enum(
                "call",
                "visit",
                "sit_down",
                "note",
                "email",
                "event",
                "other",
                name="channel",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "direction",
            sa.Enum(
                "outbound", "inbound", name="direction", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("happened_at", goodwill.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "value",
            sa.Enum(
                "none",
                "information",
                "introduction",
                "extra_mile",
                "thanks",
                name="touch_value",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("sentiment", sa.SmallInteger(), nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=True),
        sa.Column("promise_id", sa.Integer(), nullable=True),
        sa.Column("created_at", goodwill.models.types.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("sentiment BETWEEN -2 AND 2", name=op.f("ck_touch_sentiment_range")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_touch_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member.id"],
            name=op.f("fk_touch_member_id_member"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["promise_id"],
            ["promise.id"],
            name=op.f("fk_touch_promise_id_promise"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"], ["quote.id"], name=op.f("fk_touch_quote_id_quote"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_touch")),
        sa.UniqueConstraint(
            "account_id", "external_id", name=op.f("uq_touch_account_id_external_id")
        ),
    )
    with op.batch_alter_table("touch", schema=None) as batch_op:
        batch_op.create_index(
            "ix_touch_account_id_happened_at", ["account_id", "happened_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_touch_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_touch_promise_id"), ["promise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_touch_quote_id"), ["quote_id"], unique=False)

    op.create_table(
        "touch_contact",
        sa.Column("touch_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_touch_contact_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["touch_id"],
            ["touch.id"],
            name=op.f("fk_touch_contact_touch_id_touch"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("touch_id", "contact_id", name=op.f("pk_touch_contact")),
    )

    _make_audit_append_only()


def downgrade() -> None:
    _drop_audit_triggers()
    op.drop_table("touch_contact")
    with op.batch_alter_table("touch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_touch_quote_id"))
        batch_op.drop_index(batch_op.f("ix_touch_promise_id"))
        batch_op.drop_index(batch_op.f("ix_touch_member_id"))
        batch_op.drop_index("ix_touch_account_id_happened_at")

    op.drop_table("touch")
    with op.batch_alter_table("promise", schema=None) as batch_op:
        batch_op.drop_index("ix_promise_status_due_on")
        batch_op.drop_index(batch_op.f("ix_promise_member_id"))
        batch_op.drop_index(batch_op.f("ix_promise_account_id"))

    op.drop_table("promise")
    with op.batch_alter_table("fact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fact_contact_id"))
        batch_op.drop_index("ix_fact_account_id_kind")

    op.drop_table("fact")
    with op.batch_alter_table("sales_order", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_order_account_id_ordered_on")

    op.drop_table("sales_order")
    with op.batch_alter_table("quote", schema=None) as batch_op:
        batch_op.drop_index("ix_quote_status_quoted_on")
        batch_op.drop_index(batch_op.f("ix_quote_member_id"))

    op.drop_table("quote")
    op.drop_table("contact")
    op.drop_table("account_owner")
    op.drop_table("member")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_table_name_row_id")
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))

    op.drop_table("audit_event")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_name"))

    op.drop_table("account")


def _make_audit_append_only() -> None:
    """The audit log is append-only: the database itself refuses UPDATE and DELETE."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION audit_event_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
            "ON audit_event FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse()"
        )


def _drop_audit_triggers() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_refuse()")
