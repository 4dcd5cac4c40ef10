"""The one typed ``Settings`` object, read from the environment (prefix ``DONDOC_``) and an optional ``.env``.

Every knob an operator may turn lives here, with its default. Secrets (provider credentials) are read
from the environment only and are never logged: ``Settings.__repr__`` hides them.
"""

import re
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from config.files import SHIPPED_AGENCIES

CONFIG_DIR = Path(__file__).resolve().parent
SHIPPED_PLAN = CONFIG_DIR / "plans" / "25-KH-UBND-2025-thai-nguyen.txt"
SHIPPED_MESSAGES = CONFIG_DIR / "messages.yaml"
_CALLBACK_SECRET = re.compile(r"[A-Za-z0-9._~-]{16,200}")
_HH_MM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


class Settings(BaseSettings):
    """dondoc's settings. Each field is read from ``DONDOC_<FIELD NAME>``."""

    model_config = SettingsConfigDict(env_prefix="DONDOC_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("var"),
        description="Local data folder: the SQLite database, the file channel's messages, attachments.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL. Default: SQLite file dondoc.db inside data_dir. "
        "PostgreSQL: postgresql+psycopg://user@host:5432/db",
    )
    agencies_file: Path = Field(default=SHIPPED_AGENCIES, description="Agency directory YAML (default: shipped).")
    policy_file: Path | None = Field(default=None, description="Reporting policy YAML (default: shipped).")
    plan_file: Path = Field(default=SHIPPED_PLAN, description="Plan the main command imports when empty.")
    timezone: str = "Asia/Ho_Chi_Minh"
    public_base_url: str = Field(
        default="http://127.0.0.1:8000", description="Base of the answer links sent in messages."
    )
    secret_key: SecretStr | None = Field(default=None, description="Signing key for sessions and CSRF.")

    # --- Delivery channels (notifiers/). Unset provider settings mean: the embedded file channel. ---
    channel_order: list[str] = Field(
        default=["zalo", "sms", "email"],
        description="Default channel order for the instant message; a permanent failure falls back to the next.",
    )
    email_copy: bool = Field(
        default=False, description="Also send every reminder by email (a written trail) besides the instant channel."
    )
    channels_file: Path | None = Field(default=None, description="Channel config YAML (Zalo templates, limits).")
    send_window: str = Field(
        default="07:30-17:00",
        description="Local hours, on working days, in which messages are sent; 'always': any hour of any day.",
    )
    max_attempts: int = Field(default=5, description="Tries per message before it is dead.")
    zalo_api_base: str = "https://business.openapi.zalo.me"
    zalo_oauth_base: str = "https://oauth.zaloapp.com"
    zalo_app_id: str | None = None
    zalo_oa_id: str | None = None
    zalo_secret_key: SecretStr | None = None
    zalo_refresh_token: SecretStr | None = None
    zalo_webhook_secret: SecretStr | None = Field(default=None, description="OA secret key for webhook MACs.")
    email_url: SecretStr | None = Field(default=None, description="apprise URL, e.g. mailtos://user:pass@host")
    email_from_name: str = "Sở Khoa học và Công nghệ"
    email_from_address: str | None = None
    email_reply_to: str | None = None
    sms_gateway: str | None = Field(default=None, description="esms | speedsms | apprise (unset: file channel)")
    sms_url: str | None = Field(default=None, description="Gateway base URL, or the apprise URL for 'apprise'.")
    sms_api_key: SecretStr | None = None
    sms_secret_key: SecretStr | None = None
    sms_brandname: str | None = None
    sms_callback_url: str | None = Field(
        default=None, description="Delivery-report URL given to the gateway, e.g. https://host/hooks/sms/esms."
    )
    sms_callback_secret: SecretStr | None = Field(
        default=None,
        description="Secret added as the last path segment of the callback URL (at least 16 of A-Z a-z 0-9 - _ . ~); "
        "delivery reports without it are refused (403), and without it none are asked for.",
    )
    sms_max_segments: int = 1
    attachments_dir: Path | None = Field(
        default=None,
        description="Folder of the answers' attachments (default: data_dir/attachments). Several web servers "
        "share one (a network folder); it must exist and be writable when the web app starts.",
    )
    web_limits: Literal["database", "memory"] = Field(
        default="database",
        description="Where the web's rate limits and login / bad-link counters live: 'database' (shared by "
        "every web process, kept over a restart) or 'memory' (one process, restarting empty).",
    )
    template_reload: bool = Field(
        default=False,
        description="Development: the web pages' templates are read again when their file changes (a file "
        "check on every page). Off, each template is compiled once per process.",
    )
    web_processes: int = Field(
        default=1,
        ge=1,
        description="Web processes serving this database, on all machines together. Above 1 the secret key "
        "must be set (DONDOC_SECRET_KEY): a key generated per machine would not open the others' links.",
    )
    prefect_mode: Literal["auto", "server", "direct"] = Field(
        default="auto",
        description="How CLI flow commands run: through Prefect ('server': the configured server, else a "
        "temporary one), or the same flow code directly ('direct'); 'auto' = server when one is configured.",
    )

    # --- Health, metrics, alerts (web.health, models.services.system_status, models.services.alerts) ---
    daily_deadline: str = Field(
        default="09:00",
        description="Local time (HH:MM) by which the daily run must have completed; later, the officers are "
        "alerted (dondoc status --alert / the watch flow). The daily run starts at 07:00.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="When set, /metrics answers only requests with 'Authorization: Bearer <token>' (unset: "
        "open — it holds counts only, no names, addresses or links).",
    )

    @field_validator("daily_deadline")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        if not _HH_MM.fullmatch(value):
            raise ValueError("a local time HH:MM, e.g. 09:00")
        return value

    @field_validator("*", mode="before")
    @classmethod
    def _no_unfilled_placeholder(cls, value: Any) -> Any:
        # prefect.yaml's job variables are filled in from the deployer's environment; one that was not set
        # stays "{{ $DONDOC_X }}": refuse it (the error names the setting) rather than use it as a value.
        if isinstance(value, str) and value.startswith("{{") and value.endswith("}}"):
            raise ValueError(f"{value!r} is a prefect.yaml placeholder not filled in: set it before `prefect deploy`")
        return value

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("sms_callback_secret")
    @classmethod
    def _callback_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # It travels in a URL path: long enough not to be guessed, and nothing that needs escaping.
        if value is not None and not _CALLBACK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("DONDOC_SMS_CALLBACK_SECRET: at least 16 characters, only A-Z a-z 0-9 - _ . ~")
        return value

    @property
    def effective_attachments_dir(self) -> Path:
        return self.attachments_dir or self.data_dir / "attachments"

    @property
    def daily_deadline_time(self) -> time:
        """``daily_deadline`` as a time of day (local, Asia/Ho_Chi_Minh)."""
        hours, minutes = self.daily_deadline.split(":")
        return time(int(hours), int(minutes))

    @property
    def effective_database_url(self) -> str:
        """The database URL in force: the configured one, or SQLite inside the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'dondoc.db'}"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests clear the cache with ``get_settings.cache_clear()``)."""
    return Settings()
