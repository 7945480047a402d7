"""Settings, read from the environment (prefix ``GOODWILL_``) or a ``.env`` file.

Every setting is documented in the README; a test fails if one is not.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

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
    sqlite_mmap_mib: int = Field(
        default=4096,
        ge=0,
        description=(
            "How much of the SQLite file each connection reads through memory mapping "
            "(0: none). Mapped pages are the operating system's page cache, shared by every "
            "connection and worker, and read without a copy."
        ),
    )
    playbook: Path | None = Field(
        default=None,
        description="A team's playbook (TOML) to use instead of the default one.",
    )
    daily_capacity: int = Field(
        default=8, ge=0, le=100, description="How many items each member's plan for the day holds."
    )
    dismiss_days: int = Field(
        default=30,
        ge=0,
        description="Days a dismissed plan item's advice stays away from the account.",
    )
    cadence_days: dict[str, int] = Field(
        default_factory=lambda: {"A": 14, "B": 30, "C": 60},
        description="Target days between touches per account tier, as JSON.",
    )
    cadence_default_days: int = Field(
        default=90, ge=1, description="Target days between touches for other tiers."
    )

    health_weights: dict[str, float] = Field(
        default_factory=lambda: {
            "vitality": 25.0,
            "engagement": 20.0,
            "richness": 10.0,
            "value": 15.0,
            "promises": 10.0,
            "quotes": 10.0,
            "knowledge": 10.0,
        },
        description=(
            "Weights of the health components (JSON object); they are scaled to add up to 100."
        ),
    )
    buying_window_days: int = Field(
        default=90, gt=0, description="The coming window the chance of buying is computed for."
    )
    neglect_days: int = Field(
        default=180, gt=0, description="No purchase in this many days marks a customer neglected."
    )
    complacency_days: int = Field(
        default=30,
        gt=0,
        description="A rising top account with nothing of value in this many days is complacent.",
    )
    top_account_share: float = Field(
        default=0.2,
        gt=0,
        le=1,
        description="Share of buying customers, by 12-month revenue, that count as top accounts.",
    )
    arrow_noise_points: float = Field(
        default=2.0,
        ge=0,
        description="Health trend (points per week) within which the trend gives no arrow.",
    )
    arrow_revenue_change: float = Field(
        default=0.2,
        ge=0,
        description=(
            "Relative change of revenue (last 90 days against the 90 before) within which "
            "revenue gives no arrow."
        ),
    )

    env: Literal["development", "production"] = Field(
        default="development",
        description=(
            "production refuses to start the web app without a secret key of its own; "
            "development makes one in the data folder."
        ),
    )
    secret_key: str | None = Field(
        default=None,
        description="Key that signs the sign-in form's CSRF token (at least 32 characters).",
    )
    web_host: str = Field(default="127.0.0.1", description="Address the web app listens on.")
    web_port: int = Field(default=8000, ge=1, le=65535, description="Port of the web app.")
    web_concurrency: int = Field(
        default=2,
        ge=1,
        le=64,
        description=(
            "Requests one worker process serves at once; more wait their turn (each holds a "
            "database connection, and the pool has 15)."
        ),
    )
    session_idle_minutes: int = Field(
        default=60, gt=0, description="A web session unused this long ends."
    )
    session_max_hours: int = Field(
        default=12, gt=0, description="A web session ends this long after sign-in, used or not."
    )
    cookie_secure: bool = Field(
        default=True,
        description="Send the session cookie over HTTPS only (browsers treat localhost as secure).",
    )
    signin_max_failures: int = Field(
        default=5,
        gt=0,
        description="Failed sign-ins per account (and 4x that per address) in 15 minutes.",
    )
    smtp_host: str | None = Field(default=None, description="Mail server for the weekly digest.")
    smtp_port: int = Field(default=587, ge=1, le=65535, description="Port of the mail server.")
    smtp_tls: Literal["starttls", "ssl", "none"] = Field(
        default="starttls", description="How mail is encrypted on the way to the server."
    )
    smtp_user: str | None = Field(default=None, description="User name on the mail server.")
    smtp_password: str | None = Field(default=None, description="Password on the mail server.")
    mail_from: str = Field(
        default="goodwill@localhost", description="Sender address of the mail Goodwill sends."
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
