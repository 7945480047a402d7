"""Creating and upgrading the database schema (Alembic, run from code)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

SEARCH_OBJECTS = (
    "account_search",
    "contact_search",
    "ix_account_lower_name",
    "ix_contact_birthday_month_day",
)
"""Made by migrations, not declared on the models: 0007's for account search (FTS5 tables
and their shadow tables on SQLite, expression and trigram indexes) and 0008's index of
birthdays by month and day (an expression of its own on each dialect)."""


def include_object(
    obj: object, name: str | None, kind: str, reflected: bool, other: object
) -> bool:
    """Leave account search's own tables and indexes out of autogenerate's comparison."""
    del obj, kind, other
    if not reflected or name is None:
        return True
    return not (name.startswith(SEARCH_OBJECTS) or name.endswith("_trgm"))


def differences(engine: Engine) -> list[object]:
    """What autogenerate finds between the migrated database and the models (none, if the
    migrations and the models agree)."""
    from alembic.autogenerate import compare_metadata

    import goodwill.models  # noqa: F401  (registers every table on the metadata)
    from goodwill.db import Base

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        return list(compare_metadata(context, Base.metadata))


def alembic_config() -> Config:
    """Alembic's configuration, pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return config


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (creates it when empty)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def is_current(engine: Engine) -> bool:
    """Whether the database is at the newest schema."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head
