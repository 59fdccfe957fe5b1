"""One settings class for the API, the worker and the CLI (env prefix ``JANITOR_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values shipped in .env.example; the app refuses to run in production with any of them.
PLACEHOLDER_SECRET = "change-me-to-a-long-random-string"
PLACEHOLDER_FERNET_KEY = "change-me-generate-with-task-gen-key"

REPO_ROOT = Path(__file__).resolve().parents[4]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JANITOR_", env_file=".env", env_file_encoding="utf-8", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/janitor"
    redis_url: str = "redis://127.0.0.1:6379/0"
    secret_key: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    fernet_keys: SecretStr = SecretStr(PLACEHOLDER_FERNET_KEY)

    access_token_ttl_seconds: int = Field(default=900, ge=60, le=86_400)
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=365)
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)
    cookie_secure: bool | None = None  # None: secure in production only

    login_attempts_per_ip: int = Field(default=30, ge=1)
    login_failures_per_account_ip: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    signups_per_ip: int = Field(default=10, ge=1)
    signup_window_seconds: int = Field(default=3600, ge=1)

    # Hosted mode (the default) may only reach public addresses; a self-hosted install sets this
    # to reach servers on its own network (private ranges and loopback; never cloud metadata).
    allow_private_networks: bool = False
    upstream_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    sync_page_size: int = Field(default=1000, ge=10, le=10_000)
    sync_concurrency: int = Field(default=3, ge=1, le=16)
    sync_detail_batch: int = Field(default=250, ge=1, le=500)
    full_sync_interval_hours: float = Field(default=24.0, gt=0)
    # The stall watchdog fails a running sync whose progress row has not moved for this long. A
    # healthy run writes it at every page; its longest silence is one request with its retries
    # (4 tries of up to upstream_timeout_seconds, each after a Retry-After of up to 300 s: ~22 min
    # at the defaults), so 30 minutes never kills a slow but healthy run, and a stuck one blocks the
    # account's refreshes for half an hour, not until the job's time limit (an hour).
    sync_stall_minutes: float = Field(default=30.0, gt=0, le=1440)
    plex_tv_url: str = "https://plex.tv"
    plex_auth_url: str = "https://app.plex.tv/auth"

    log_level: str = "INFO"
    log_json: bool = True
    spa_dir: Path = REPO_ROOT / "frontend" / "build"
    db_pool_size: int = Field(default=10, ge=1)
    # Report pages are cached per account until anything they depend on changes; this bounds how
    # long a page may follow the clock alone (0 turns the cache off).
    report_cache_seconds: int = Field(default=60, ge=0, le=3600)

    # An open live-progress stream (GET /api/v1/sync/events) checks its sign-in this often and ends
    # once the token is no longer valid (expired, password changed, account deleted).
    events_session_check_seconds: float = Field(default=15.0, gt=0, le=30)

    worker_poll_delay: float = Field(default=0.1, gt=0)
    worker_max_jobs: int = Field(default=10, ge=1)
    worker_job_timeout_seconds: int = Field(default=3600, ge=1)
    worker_max_tries: int = Field(default=5, ge=1)
    heartbeat_cron_minutes: int = Field(default=15, ge=1, le=60)

    @field_validator("database_url")
    @classmethod
    def _asyncpg_driver(cls, value: str) -> str:
        # Accept the plain URL people copy from their provider and use the async driver.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+asyncpg://" + value[len(prefix) :]
        return value

    @model_validator(mode="after")
    def _no_placeholders_in_production(self) -> Settings:
        if self.env != "production":
            return self
        problems = []
        secret = self.secret_key.get_secret_value()
        if secret == PLACEHOLDER_SECRET or len(secret) < 32:
            problems.append("JANITOR_SECRET_KEY must be set to a random string of at least 32 characters")
        if PLACEHOLDER_FERNET_KEY in self.fernet_keys.get_secret_value():
            problems.append("JANITOR_FERNET_KEYS must hold real Fernet keys (task gen:key prints one)")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def secure_cookies(self) -> bool:
        return self.env == "production" if self.cookie_secure is None else self.cookie_secure


@lru_cache
def get_settings() -> Settings:
    return Settings()
