"""Alembic environment: runs migrations on the connection Goodwill hands over."""

from __future__ import annotations

from alembic import context

import goodwill.models  # noqa: F401  (registers every table on the metadata)
from goodwill.db import Base
from goodwill.schema import include_object

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when alembic's own CLI is used
    from goodwill.db import get_engine

    connection = get_engine().connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    include_object=include_object,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
