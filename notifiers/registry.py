"""Which channel object serves each logical channel, and what every channel shares.

- :func:`build_channels` gives ``{"zalo", "sms", "email"} → Channel``: the real provider where its
  settings are configured, otherwise the embedded :class:`~notifiers.file.FileChannel` (the demo and a
  fresh install never contact anyone).
- :func:`mask_address` / :func:`scrub`: log lines never carry phone numbers, email addresses, tokens or
  URLs with credentials — every channel masks through these.
- :func:`http_send`: one place that turns httpx transport failures and HTTP statuses into the classified
  errors of ``notifiers.base`` (Zalo and the SMS gateways share it).

Channel modules import only the helpers from here; this module imports the channels lazily.
"""

import hashlib
import logging
import re
from collections.abc import Callable
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from notifiers.base import AuthError, Channel, PermanentError, RetryableError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from config.channels import ChannelsConfig
    from config.settings import Settings

log = logging.getLogger("dondoc.notifiers")

CHANNEL_NAMES = ("zalo", "sms", "email")


class ChannelConfigError(ValueError):
    """A channel is configured but not usable (a missing key, a plain-text mail URL to a remote host)."""


# --------------------------------------------------------------------------------------- masking
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# Phone-like: +<country>…, 84…, or 0… followed by 7–12 more digits (dates and codes do not match).
_PHONE = re.compile(r"(?<![\w.\-])(?:(?:\+|%2[Bb])\d{1,3}[ .\-]?|84|0)\d(?:[ .\-]?\d){6,11}(?![\w/])")
_URL_CREDS = re.compile(r"([a-z][a-z0-9+.\-]*://)[^/\s@]*@", re.IGNORECASE)
_SECRET_QUERY = re.compile(
    r"((?:access_token|refresh_token|token|secret(?:_?key)?|apikey|api_key|key|pass(?:word)?|pwd|auth)=)[^&\s]+",
    re.IGNORECASE,
)


def _mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}"


def _mask_digits(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if len(digits) <= 6:
        return "***"
    plus = "+" if value.strip().startswith("+") else ""
    return f"{plus}{digits[:3]}****{digits[-3:]}"


def mask_url(url: str) -> str:
    """A URL without its credentials: user:password and secret-looking query values become ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<url>"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    query = urlencode(
        [(k, "***" if _SECRET_QUERY.match(f"{k}=x") or "@" in v else v) for k, v in parse_qsl(parts.query)],
        safe="*",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def mask_address(value: str | None) -> str:
    """A loggable form of a recipient: ``+849****678``, ``n***@sokhcn.gov.vn``, a URL without secrets."""
    if not value:
        return "<none>"
    value = str(value).strip()
    if "://" in value:
        return mask_url(value)
    if "@" in value:
        return _mask_email(value)
    if re.fullmatch(r"[+\d][\d .\-()]*", value):
        return _mask_digits(value)
    # A Zalo user id or anything else personal: keep a short stable fingerprint only.
    return "id#" + hashlib.sha256(value.encode()).hexdigest()[:8]


def scrub(text: str) -> str:
    """``text`` with any email address, phone number, URL credentials or secret query value masked."""
    text = _URL_CREDS.sub(r"\1***@", text)
    text = _SECRET_QUERY.sub(r"\1***", text)
    text = _EMAIL.sub(lambda m: _mask_email(m.group(0)), text)
    return _PHONE.sub(lambda m: _mask_digits(m.group(0)), text)


class ScrubFilter(logging.Filter):
    """Masks addresses and secrets in the records of a library logger we do not control (apprise logs
    "Sent Email to <address>" and the URLs it posts to)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error handling
            return True
        record.msg, record.args = scrub(text), None
        return True


def scrub_library_logs(name: str) -> None:
    """Install :class:`ScrubFilter` on logger ``name`` once."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, ScrubFilter) for f in logger.filters):
        logger.addFilter(ScrubFilter())


def short_id(key: str, limit: int = 48) -> str:
    """A provider idempotency id for an outbox key: the key itself when short and plain enough,
    otherwise a stable digest (``sha-`` + hex) of exactly ``limit`` characters."""
    if len(key) <= limit and key.isascii() and key.isprintable() and not key.startswith("sha-"):
        return key
    return "sha-" + hashlib.sha256(key.encode()).hexdigest()[: limit - 4]


# --------------------------------------------------------------------------------------- HTTP
def retry_after_header(response: httpx.Response) -> timedelta | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    if value.strip().isdigit():
        return timedelta(seconds=int(value.strip()))
    try:
        from models.domain.clock import utcnow

        return max(timedelta(0), parsedate_to_datetime(value) - utcnow())
    except (TypeError, ValueError):
        return None


def http_send(provider: str, call: Callable[[], httpx.Response]) -> httpx.Response:
    """Run one HTTP call and classify what can be classified without reading the body.

    - connection refused / connect timeout: nothing reached the provider → RetryableError;
    - read timeout or a broken answer: the provider may have accepted the message → RetryableError
      with ``code="outcome-unknown"`` and a warning (the outbox re-sends with the same idempotency key);
    - 429 and 5xx → RetryableError (``retry_after`` from Retry-After); 401/403 → AuthError;
      other 4xx → PermanentError. 2xx and 3xx are returned: the caller must still read the provider's
      own result code (a 200 with a failure body is a failure).
    """
    try:
        response = call()
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise RetryableError(f"{provider}: cannot connect ({type(exc).__name__})", code="connect") from None
    except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError, httpx.ReadError) as exc:
        log.warning("%s: no answer (%s): the message may have been accepted", provider, type(exc).__name__)
        raise RetryableError(
            f"{provider}: no answer ({type(exc).__name__}); outcome unknown", code="outcome-unknown"
        ) from None
    except httpx.HTTPError as exc:
        raise RetryableError(f"{provider}: {type(exc).__name__}: {scrub(str(exc))}", code="http") from None
    status = response.status_code
    if status == 429 or status == 408 or status >= 500:
        raise RetryableError(
            f"{provider}: HTTP {status}", code=f"http-{status}", retry_after=retry_after_header(response)
        )
    if status in (401, 403):
        raise AuthError(f"{provider}: HTTP {status} (credentials refused)", code=f"http-{status}")
    if status >= 400:
        raise PermanentError(f"{provider}: HTTP {status}", code=f"http-{status}")
    return response


def json_body(provider: str, response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a 2xx answer; anything else is an unknown outcome (retry with the same key)."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        log.warning("%s: answer is not a JSON object: the message may have been accepted", provider)
        raise RetryableError(f"{provider}: unexpected answer (not JSON)", code="outcome-unknown")
    return data


# --------------------------------------------------------------------------------------- registry
def build_channels(
    settings: "Settings",
    engine: "Engine | None" = None,
    *,
    config: "ChannelsConfig | None" = None,
) -> dict[str, Channel]:
    """The channel of each logical name: a real provider where configured, else the file channel.

    A provider that is configured but unusable raises :class:`ChannelConfigError` (never a silent file
    channel in production)."""
    from config.channels import load_channels_config
    from notifiers.file import FileChannel

    config = config or load_channels_config(settings.channels_file)
    outbox_dir = settings.data_dir / "outbox"
    from_address = settings.email_from_address or "dondoc@localhost"
    channels: dict[str, Channel] = {}

    if settings.zalo_app_id and settings.zalo_secret_key and settings.zalo_refresh_token:
        if engine is None:
            raise ChannelConfigError("the Zalo channel needs the database (token store, quota)")
        from notifiers.zalo import ZaloChannel

        channels["zalo"] = ZaloChannel.from_settings(settings, engine, config)
    if settings.sms_gateway:
        from notifiers.sms import SmsChannel

        channels["sms"] = SmsChannel.from_settings(settings, engine, config)
    if settings.email_url:
        from notifiers.email import EmailChannel

        channels["email"] = EmailChannel.from_settings(settings, engine, config)

    for name in CHANNEL_NAMES:
        if name not in channels:
            channels[name] = FileChannel(name, outbox_dir, settings.email_from_name, from_address)
    log.info("channels: %s", ", ".join(f"{name}={channels[name].transport}" for name in CHANNEL_NAMES))
    return channels


def close_channels(channels: dict[str, Channel]) -> None:
    """Close the HTTP clients and SMTP connections the channels hold (file channels hold none)."""
    for channel in channels.values():
        close = getattr(channel, "close", None)
        if callable(close):
            close()
