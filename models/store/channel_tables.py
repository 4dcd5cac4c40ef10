"""Tables the delivery channels need: provider credentials that rotate (Zalo's token pair),
rate-limit buckets shared by every worker, and delivery reports received from providers."""

from datetime import date, datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class ProviderToken(SQLModel, table=True):
    """The current credential pair of a provider (e.g. Zalo OA access + single-use refresh token).

    One row per provider; refreshes lock the row (``SELECT … FOR UPDATE`` on PostgreSQL, a write
    transaction on SQLite) so that only one process spends the single-use refresh token.
    """

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=32, unique=True, index=True)
    access_token: str | None = Field(default=None, sa_column=Column(Text))
    refresh_token: str | None = Field(default=None, sa_column=Column(Text))
    access_expires_at: datetime | None = None
    refreshed_at: datetime | None = None
    version: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    # Auth circuit breaker (notifiers.zalo_tokens): after a refused refresh no send and no refresh is made
    # until ``paused_until`` — unless the credentials changed (``pause_key`` is their fingerprint).
    paused_until: datetime | None = None
    pause_key: str | None = Field(default=None, max_length=64)


class RateBucket(SQLModel, table=True):
    """A token bucket / daily quota counter shared across workers, updated atomically."""

    __table_args__ = (UniqueConstraint("name", "day", name="uq_ratebucket_name_day"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, index=True)
    day: date
    tokens: float = 0.0
    updated_at: datetime
    used_today: int = 0
    quota_exhausted: bool = False


class DeliveryEvent(SQLModel, table=True):
    """A delivery report from a provider (Zalo webhook, SMS callback); idempotent on (provider, event id)."""

    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_delivery_event"),)

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=32)
    event_id: str = Field(max_length=128)  # provider message id (+ event kind)
    notification_id: int | None = Field(default=None, foreign_key="notification.id", index=True)
    status: str = Field(max_length=32)
    occurred_at: datetime | None = None
    received_at: datetime
    raw: str = Field(default="", sa_column=Column(Text, nullable=False))
