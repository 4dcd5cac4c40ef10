"""The SMS channel: text preparation (unaccented, GSM-7 segments, the link kept whole) and one gateway.

Vietnamese brandname SMS are sent unaccented: one accented letter turns the whole message into UCS-2
(70 characters instead of 160). :func:`prepare_sms` strips diacritics ("Đôn đốc" → "Don doc"), replaces
typographic punctuation that GSM-7 lacks, counts segments exactly (160 single / 153 per part in GSM-7,
counting the escape characters ``^{}\\[~]|€`` twice and never splitting them; 70 / 67 UTF-16 units in
UCS-2) and shortens the words — never the link — to fit ``sms_max_segments``.

The gateways (eSMS, SpeedSMS, apprise) live in ``notifiers.sms_gateways``; this module picks one from
the settings, validates the number as a Vietnamese mobile and applies the shared rate limit.
"""

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from config.channels import ChannelsConfig
from models.domain.masking import mask_address
from models.domain.text import strip_diacritics
from notifiers.base import ChannelConfigError, OutgoingMessage, PermanentError, SendResult
from notifiers.delivery import callback_url
from notifiers.http import short_id
from notifiers.phones import parse_vn_mobile
from notifiers.ratelimit import RateLimiter
from notifiers.sms_gateways import AppriseSmsGateway, EsmsGateway, SmsGateway, SpeedSmsGateway

if TYPE_CHECKING:
    from config.settings import Settings

log = logging.getLogger("dondoc.notifiers.sms")

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXT = frozenset("^{}\\[~]|€\f")  # sent as ESC + char: two septets

# Typographic characters office documents bring in, mapped to what GSM-7 has.
_ASCII = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "‘": "'",
        "’": "'",
        "`": "'",
        "–": "-",
        "—": "-",
        "‑": "-",
        "…": "...",
        "\u00a0": " ",
        "\u202f": " ",
        "\t": " ",
        "•": "-",
        "·": "-",
        "×": "x",
    }
)
_SPACES = re.compile(r"[ ]{2,}")


@dataclass(frozen=True)
class SmsText:
    text: str
    encoding: str  # "gsm7" | "ucs2"
    segments: int
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    truncated: bool = False


def measure(text: str) -> tuple[str, int, int]:
    """(encoding, segments, units) of ``text`` as an SMS."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXT for ch in text):
        sizes = [2 if ch in GSM7_EXT else 1 for ch in text]
        single, part, encoding = 160, 153, "gsm7"
    else:
        sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in text]  # surrogate pairs stay together
        single, part, encoding = 70, 67, "ucs2"
    units = sum(sizes)
    if units <= single:
        return encoding, (1 if units else 0), units
    segments, used = 1, 0
    for size in sizes:  # greedy packing: a 2-unit character never straddles two parts
        if used + size > part:
            segments, used = segments + 1, 0
        used += size
    return encoding, segments, units


def gsm_friendly(text: str) -> str:
    """Unaccented text with typographic punctuation replaced: GSM-7 whenever the content allows."""
    return strip_diacritics(text).translate(_ASCII)


def _cut(body: str, n: int) -> str:
    if n >= len(body):
        return body.rstrip()
    head = body[:n]
    space = head.rfind(" ")
    if body[n] != " " and space >= max(0, n - 20):
        head = head[:space]  # end on a word boundary when one is near
    return head.rstrip(" ,;:-")


def prepare_sms(text: str, link: str | None = None, *, max_segments: int = 1, unaccent: bool = True) -> SmsText:
    """The SMS to send: unaccented (by default), at most ``max_segments`` segments, the link whole.

    A link missing from the text is appended. When the text is too long, the words are shortened
    (ending in "...") and the link is placed at the end, intact; PermanentError when even the link
    alone does not fit."""
    body = (text or "").strip()
    link = (link or "").strip() or None
    if unaccent:
        body = gsm_friendly(body)
    body = _SPACES.sub(" ", body)
    full = body if not link or link in body else (f"{body} {link}" if body else link)
    encoding, segments, units = measure(full)
    if segments <= max_segments:
        return SmsText(full, encoding, segments, units)

    rest, tail = full, ""
    if link:
        before, _, after = full.partition(link)
        rest = _SPACES.sub(" ", f"{before.rstrip()} {after.lstrip()}").strip()
        tail = link
    if tail and measure(tail)[1] > max_segments:
        raise PermanentError(f"sms: the link alone does not fit in {max_segments} SMS segment(s)", code="link-too-long")

    def compose(n: int) -> str:
        head = _cut(rest, n)
        if not head:
            return tail or ""
        return f"{head}... {tail}".strip() if tail else f"{head}..."

    lo, hi = 0, len(rest)  # largest n whose composition fits (monotonic up to word-boundary noise)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if measure(compose(mid))[1] <= max_segments:
            lo = mid
        else:
            hi = mid - 1
    final = compose(lo)
    encoding, segments, units = measure(final)
    if not final or segments > max_segments:
        raise PermanentError(f"sms: the text cannot fit in {max_segments} SMS segment(s)", code="too-long")
    return SmsText(final, encoding, segments, units, truncated=True)


class SmsChannel:
    """SMS through one gateway (``transport`` = the gateway's: "esms", "speedsms", "apprise")."""

    name = "sms"

    def __init__(
        self,
        gateway: SmsGateway,
        *,
        max_segments: int = 1,
        unaccent: bool = True,
        limiter: RateLimiter | None = None,
        rate: tuple[float, float] | None = None,
        max_wait: float = 10.0,
    ) -> None:
        self.gateway = gateway
        self.transport = gateway.transport
        # eSMS drops a repeated RequestId: the outbox may re-send an unknown outcome without a duplicate.
        self.dedupes_by_key = bool(getattr(gateway, "dedupes_by_key", False))
        self.max_segments = max(1, max_segments)
        self.unaccent = unaccent
        self.limiter = limiter
        self.rate = rate
        self.max_wait = max_wait

    @classmethod
    def from_settings(cls, settings: "Settings", engine: Engine | None, config: ChannelsConfig) -> "SmsChannel":
        kind = (settings.sms_gateway or "").strip().lower()
        timeout = config.sms.timeout_seconds
        secret = settings.sms_secret_key.get_secret_value() if settings.sms_secret_key else None
        api_key = settings.sms_api_key.get_secret_value() if settings.sms_api_key else None
        gateway: SmsGateway
        if kind == "esms":
            if not (api_key and secret and settings.sms_brandname):
                raise ChannelConfigError(
                    "eSMS needs DONDOC_SMS_API_KEY, DONDOC_SMS_SECRET_KEY and DONDOC_SMS_BRANDNAME"
                )
            gateway = EsmsGateway(
                settings.sms_url or "https://rest.esms.vn",
                api_key=api_key,
                secret_key=secret,
                brandname=settings.sms_brandname,
                sms_type=config.sms.esms.sms_type,
                sandbox=config.sms.esms.sandbox,
                callback_url=_signed_callback(settings),
                timeout=timeout,
            )
            bucket = "esms"
        elif kind == "speedsms":
            if not api_key:
                raise ChannelConfigError("SpeedSMS needs DONDOC_SMS_API_KEY (the access token)")
            gateway = SpeedSmsGateway(
                settings.sms_url or "https://api.speedsms.vn",
                token=api_key,
                sender=settings.sms_brandname or "",
                sms_type=config.sms.speedsms.sms_type,
                timeout=timeout,
            )
            bucket = "speedsms"
        elif kind == "apprise":
            if not settings.sms_url:
                raise ChannelConfigError("sms_gateway=apprise needs DONDOC_SMS_URL (an apprise URL, e.g. twilio://…)")
            gateway = AppriseSmsGateway(settings.sms_url)
            bucket = "apprise-sms"
        else:
            raise ChannelConfigError(f"unknown DONDOC_SMS_GATEWAY {kind!r} (esms | speedsms | apprise)")
        limit = config.rate_limit(bucket)
        return cls(
            gateway,
            max_segments=settings.sms_max_segments,
            unaccent=config.sms.unaccent,
            limiter=RateLimiter(engine) if engine is not None and limit else None,
            rate=(limit.rate, limit.burst) if limit else None,
            max_wait=config.max_wait_seconds,
        )

    def close(self) -> None:
        self.gateway.close()

    def send(self, message: OutgoingMessage) -> SendResult:
        phone = parse_vn_mobile(message.to)
        sms = prepare_sms(message.text, message.link, max_segments=self.max_segments, unaccent=self.unaccent)
        if self.limiter and self.rate:
            self.limiter.acquire(self.gateway.bucket, self.rate[0], self.rate[1], max_wait=self.max_wait)
        result = self.gateway.send(phone, sms, request_id=short_id(message.key))
        log.info(
            "sms sent via %s key=%s to=%s segments=%s %s id=%s",
            self.transport,
            message.key,
            mask_address(phone.e164),
            sms.segments,
            sms.encoding,
            result.provider_message_id,
        )
        return result


def _signed_callback(settings: "Settings") -> str | None:
    """The callback URL with its secret (``notifiers.delivery.callback_url``); unsigned reports are refused
    by the web side, so without a secret none are asked for (and the operator is told once, here)."""
    secret = settings.sms_callback_secret.get_secret_value() if settings.sms_callback_secret else None
    if settings.sms_callback_url and not secret:
        log.warning("DONDOC_SMS_CALLBACK_URL is set without DONDOC_SMS_CALLBACK_SECRET: no delivery reports asked for")
    return callback_url(settings.sms_callback_url, secret)


def configured(settings: "Settings", engine: Engine | None, config: ChannelsConfig) -> SmsChannel | None:
    """The channel table's factory: SMS when ``DONDOC_SMS_GATEWAY`` names a gateway, else None."""
    return SmsChannel.from_settings(settings, engine, config) if settings.sms_gateway else None
