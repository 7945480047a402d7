"""Settings, read from the environment (prefix ``GOODWILL_``) or a ``.env`` file.

Every setting is documented in the README; a test fails if one is not.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """The folder that holds the embedded SQLite database: ``./data`` beside where you run."""
    return Path.cwd() / "data"


class Settings(BaseSettings):
    """Goodwill's settings. Each field is one ``GOODWILL_<NAME>`` environment variable."""

    model_config = SettingsConfigDict(env_prefix="GOODWILL_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Folder for the embedded SQLite database and other local files.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the database, e.g. postgresql+psycopg://user:pw@host/goodwill. "
            "Unset: a SQLite file goodwill.db in the data folder."
        ),
    )
    member: str | None = Field(
        default=None,
        description="E-mail of the team member the CLI acts as (the default for --as).",
    )
    currency: str = Field(
        default="USD", description="ISO 4217 code of the currency amounts are kept in."
    )
    sqlite_busy_timeout_ms: int = Field(
        default=30_000,
        description="How long a SQLite writer waits for another writer before giving up.",
    )

    @property
    def resolved_database_url(self) -> str:
        """The database URL in force: the configured one, or the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'goodwill.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
