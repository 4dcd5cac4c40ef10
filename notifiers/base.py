"""The one small interface every channel implements, and the errors it may raise.

A channel takes an ``OutgoingMessage`` and either returns a ``SendResult`` (the provider accepted it;
its message id) or raises a ``ChannelError`` classified as:

- ``RetryableError`` — timeouts, 5xx, rate limits, quota for today: try again later (``retry_after``);
- ``PermanentError`` — this channel can never deliver this message (invalid number, user unreachable on
  Zalo, template rejected): fall back to the next channel;
- ``AuthError`` — credentials expired or revoked: the channel has already tried to refresh once.

A ``RetryableError`` with ``code="outcome-unknown"`` (:data:`OUTCOME_UNKNOWN`) says the request left and
no answer came back (read timeout, connection lost during SMTP DATA): the provider may have accepted it.
The outbox then applies the channel's ``on_unknown`` policy instead of counting a plain failure.

A channel whose provider drops a repeated idempotency key (eSMS ``RequestId``, the file channel's file
name) sets ``dedupes_by_key = True``: a re-send after an unknown outcome cannot make a second copy.

The outbox (``notifiers.outbox``) calls ``send``; a new channel is a module implementing this plus one
line in the channel table (``notifiers/table.py``).
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to one recipient through one channel, as rendered at queue time."""

    key: str  # the outbox idempotency key; providers get it (or a digest) as their idempotency field
    channel: str  # "zalo" | "sms" | "email"
    to: str  # phone (E.164), email address or Zalo user id
    subject: str = ""
    text: str = ""  # plain text: the email's text part, the SMS body, the Zalo fallback text
    html: str | None = None
    params: dict[str, Any] = field(default_factory=dict)  # Zalo template parameters
    template: str | None = None  # logical template name ("reminder", "escalation" …)
    link: str | None = None


@dataclass(frozen=True)
class SendResult:
    """The provider accepted the message."""

    transport: str  # "file", "smtp", "zalo-zbs", "esms", "speedsms", "apprise" …
    provider_message_id: str | None = None
    detail: str = ""  # the provider's answer, safe to log (no secrets, no addresses)
    provider_ref: str | None = None  # another reference the provider gave (the SMTP server's queue id)


OUTCOME_UNKNOWN = "outcome-unknown"  # the code of an error after which the message may have been accepted


class ChannelError(Exception):
    """A classified send failure. ``code`` is the provider's code when it gave one."""

    kind = "retryable"

    def __init__(self, message: str, *, code: str | None = None, retry_after: timedelta | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.retry_after = retry_after

    @property
    def outcome_unknown(self) -> bool:
        """The request reached the provider (or may have) and no answer came back."""
        return self.code == OUTCOME_UNKNOWN


class ChannelConfigError(ValueError):
    """A channel is configured but not usable (a missing key, a plain-text mail URL to a remote host)."""


class RetryableError(ChannelError):
    kind = "retryable"


class PermanentError(ChannelError):
    kind = "permanent"


class AuthError(ChannelError):
    kind = "auth"


@runtime_checkable
class Channel(Protocol):
    """What the outbox needs of a channel."""

    name: str  # the logical channel: "zalo" | "sms" | "email"
    transport: str
    # Optional (read with getattr, default False): the provider keeps one copy per idempotency key.

    def send(self, message: OutgoingMessage) -> SendResult: ...
