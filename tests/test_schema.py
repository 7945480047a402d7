"""The migrations build exactly the schema the models declare, on both engines."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from goodwill import schema


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_the_migrated_database_matches_the_models(engine: Engine) -> None:
    assert schema.is_current(engine)
    assert schema.differences(engine) == []
