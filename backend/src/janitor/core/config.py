"""One settings class for the API, the worker and the CLI (env prefix ``JANITOR_``)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    # How long the link of a "forgot password" mail works (single use; a newer link or any password
    # change revokes it first).
    password_reset_minutes: int = Field(default=30, ge=5, le=1440)
    # Whether a new account (or a new address) must be confirmed from its inbox before a server can be
    # connected: the install's default; the operator can switch it at run time (`janitor verification
    # on|off`, which wins once used). A self-hosted install for one household can turn it off.
    email_verification: bool = True
    # How long the link that confirms an address works (sign-up, change of e-mail; a newer link revokes it).
    email_link_hours: int = Field(default=48, ge=1, le=720)
    # How long the old address can undo a change of e-mail.
    email_undo_days: int = Field(default=7, ge=1, le=90)
    # The address users reach the app at, without a trailing slash: the links in mails point here.
    public_url: str = "http://localhost:8000"
    # Addresses or networks of the reverse proxies in front of the API. Only a connection from one
    # of them may say who the client is (X-Forwarded-For, X-Forwarded-Proto); the client is then the
    # right-most address in X-Forwarded-For that is not one of them. Empty: no forwarding header is
    # believed, the client is the connecting address. Comma-separated in the environment.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

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

    # Request bodies larger than this are refused with 413 before anything parses them; the
    # import routes (allowlist CSV/JSON) take up to the second limit.
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    max_import_body_bytes: int = Field(default=5_000_000, ge=1024)

    # /metrics: with a token, scrapers send ``Authorization: Bearer <token>``; without one it is
    # public in development and test and not served at all in production.
    metrics_token: SecretStr | None = None
    # /api/docs and /api/openapi.json: None serves them outside production only.
    api_docs: bool | None = None

    # Strict-Transport-Security: None sends it in production only (serve production over HTTPS).
    hsts: bool | None = None
    hsts_max_age_seconds: int = Field(default=31_536_000, ge=0)

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

    # The operator's kill switch for the whole deployment: while it is on the deleter deletes nothing
    # (queued rows wait). The ``deletions_disabled`` service flag does the same without a restart.
    deletions_disabled: bool = False

    # Outgoing mail (verification, password reset, security notices), sent by the worker. An empty
    # host sends nothing (the mails are logged as not sent); ``./dev up`` points it at a local catcher.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65_535)
    # starttls: plain connection upgraded with STARTTLS (port 587); tls: TLS from the first byte
    # (port 465); none: no encryption (a relay on the same host or network only).
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    # A CA bundle (PEM) to trust for the SMTP server's certificate instead of the system's.
    smtp_ca_file: Path | None = None
    smtp_timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    mail_from: str = "Media Janitor <no-reply@localhost>"

    worker_poll_delay: float = Field(default=0.1, gt=0)
    # Jobs each worker process runs at once from the background queue (daily syncs, deletion runs, …)
    # and, in slots of their own (core/queue.py), from the interactive queue (Refresh), the first-sync
    # queue (the sync after connecting a server) and the quick one (mails, dashboard figures after an
    # edit). First syncs: one per ~1.5 cores the worker and Postgres share: one keeps 1.45 cores busy,
    # so on 2 cores a second at once only halves the speed of both (bench/README.md, "Soak").
    worker_max_jobs: int = Field(default=4, ge=1)
    worker_interactive_max_jobs: int = Field(default=2, ge=1)
    worker_first_sync_max_jobs: int = Field(default=1, ge=1)
    worker_quick_max_jobs: int = Field(default=4, ge=1)
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

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")) or "?" in value or "#" in value:
            raise ValueError("JANITOR_PUBLIC_URL must be the app's address, e.g. https://janitor.example.com")
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_networks(cls, value: Any) -> list[str]:
        items = [p.strip() for p in value.split(",")] if isinstance(value, str) else list(value)
        networks = []
        for item in filter(None, items):
            try:
                networks.append(str(ipaddress.ip_network(item)))
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network (e.g. 172.18.0.1 or 10.0.0.0/8)") from None
        return networks

    @field_validator(
        "cookie_secure",
        "api_docs",
        "hsts",
        "smtp_host",
        "smtp_username",
        "smtp_password",
        "smtp_ca_file",
        mode="before",
    )
    @classmethod
    def _empty_is_default(cls, value: object) -> object:
        # .env.example leaves these empty ("KEY="): empty means the environment's default.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        if value is None or (isinstance(value, str | SecretStr) and not _secret_text(value).strip()):
            return None
        if isinstance(value, str | SecretStr) and len(_secret_text(value)) < 16:
            raise ValueError("JANITOR_METRICS_TOKEN must be at least 16 characters (or empty)")
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

    @property
    def serve_api_docs(self) -> bool:
        return self.env != "production" if self.api_docs is None else self.api_docs

    @property
    def send_hsts(self) -> bool:
        return self.env == "production" if self.hsts is None else self.hsts

    @property
    def serve_metrics(self) -> bool:
        """/metrics exists: behind its token, or openly outside production."""
        return self.metrics_token is not None or self.env != "production"


def _secret_text(value: str | SecretStr) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


@lru_cache
def get_settings() -> Settings:
    return Settings()
