"""The Zalo channel: ZBS template messages (formerly ZNS) sent to a phone number with httpx.

``POST {zalo_api_base}/message/template`` with header ``access_token`` and JSON
``{"phone": "84…", "template_id", "template_data", "tracking_id"}``. Zalo always answers HTTP 200 with
``{"error": 0 | negative, "message", "data": {"msg_id", "sent_time", "quota"}}``; the error code decides:

====================================  ==============================================================
−108, −110, −114, −118, −119, −139…   PermanentError: this person cannot get it by Zalo → next channel
−115, −144                            daily quota: RetryableError until 00:00 Asia/Ho_Chi_Minh (the
                                      quota row is marked so every worker stops, within
                                      ``QUOTA_CHECK_EVERY``), or PermanentError with
                                      ``quota_exhausted: fallback``
−124                                  token refused: refresh once, send once more, then AuthError;
                                      a refused refresh pauses Zalo for every process (ZaloAuthPaused)
−109, −111, −112, −117, −131…         template problem: PermanentError with a message for the officer
−101…−105                             app/OA configuration: AuthError
5xx, timeouts, −100, unknown          RetryableError
====================================  ==============================================================

Templates (id + parameter names) come from ``config/channels.yaml``; a message whose template or
parameters do not fit is refused before any network call. ``tracking_id`` is the outbox key (or a digest
of it when longer than 48 characters): delivery webhooks carry it back (``notifiers.delivery``).
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy.engine import Engine

from config.channels import ChannelsConfig, ZaloSection, load_channels_config
from models.domain.clock import utcnow
from models.domain.masking import mask_address, scrub
from notifiers.base import AuthError, ChannelConfigError, OutgoingMessage, PermanentError, RetryableError, SendResult
from notifiers.http import http_send, json_body, short_id
from notifiers.phones import parse_vn_mobile
from notifiers.ratelimit import RateLimiter, until_local_midnight
from notifiers.zalo_tokens import ZaloTokenStore

if TYPE_CHECKING:
    from config.settings import Settings

log = logging.getLogger("dondoc.notifiers.zalo")

TRANSPORT = "zalo-zbs"
QUOTA_BUCKET = "zalo"
QUOTA_NOTE_EVERY = 5.0  # seconds between writes of the quota Zalo reports
# A worker trusts its last reading of "today's quota is not exhausted" this long (a database read per send
# cost a third of a send to a fast provider): a mark made by another worker stops this one at most that
# much later; the few sends in between are refused by Zalo (−115/−144), which marks the quota again.
QUOTA_CHECK_EVERY = 0.25

# The recipient cannot be reached by Zalo (no account, inactive, refuses ZBS, app too old, bad number).
UNREACHABLE = {-108, -110, -114, -118, -119, -123, -139, -141}
QUOTA = {-115, -144}
TOKEN = {-124}
# Our template or its data is wrong: no message of this kind will go until an officer fixes it.
TEMPLATE = {-109, -111, -112, -113, -116, -117, -121, -122, -130, -131, -132}
# The app / OA link is broken: credentials-level, like a refused token.
APP = {-101, -102, -103, -104, -105, -125}

OFFICER_HINT = {
    -131: "the Zalo template is not approved (yet): check it in Zalo Cloud Account → ZBS → Templates",
    -109: "the Zalo template id in config/channels.yaml does not exist for this OA",
    -117: "the OA or app is not allowed to use this Zalo template",
    -112: "the template parameters do not match the approved Zalo template (config/channels.yaml)",
}


@dataclass(frozen=True)
class ZaloStatus:
    """The answer of ``GET /message/status``."""

    msg_id: str
    delivered: bool
    delivery_time: datetime | None
    raw: dict[str, Any]


class ZaloChannel:
    """Sends ``OutgoingMessage`` with a logical ``template`` and ``params`` as a Zalo template message."""

    name = "zalo"
    transport = TRANSPORT
    # Zalo does not document tracking_id as an idempotency key: a re-send may be a second copy.
    dedupes_by_key = False

    def __init__(
        self,
        engine: Engine,
        *,
        app_id: str,
        secret_key: str,
        refresh_token: str | None,
        api_base: str = "https://business.openapi.zalo.me",
        oauth_base: str = "https://oauth.zaloapp.com",
        config: ZaloSection | None = None,
        rate: tuple[float, float] | None = (10.0, 10.0),
        max_wait: float = 10.0,
        client: httpx.Client | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.engine = engine
        self.config = config or load_channels_config().zalo
        self.api_base = api_base.rstrip("/")
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(self.config.timeout_seconds, connect=min(5.0, self.config.timeout_seconds))
        )
        self._own_client = client is None
        self.clock = clock
        self.tokens = ZaloTokenStore(
            engine,
            app_id=app_id,
            secret_key=secret_key,
            oauth_base=oauth_base,
            seed_refresh_token=refresh_token,
            client=self.client,
            clock=clock,
            refresh_margin=timedelta(minutes=self.config.refresh_margin_minutes),
            pause=timedelta(minutes=self.config.auth_pause_minutes),
        )
        self.limiter = RateLimiter(engine, clock=clock)
        self.rate = rate
        self.max_wait = max_wait
        self._quota_noted = -QUOTA_NOTE_EVERY

    @classmethod
    def from_settings(cls, settings: "Settings", engine: Engine, config: ChannelsConfig) -> "ZaloChannel":
        limit = config.rate_limit("zalo")
        return cls(
            engine,
            app_id=settings.zalo_app_id or "",
            secret_key=settings.zalo_secret_key.get_secret_value() if settings.zalo_secret_key else "",
            refresh_token=settings.zalo_refresh_token.get_secret_value() if settings.zalo_refresh_token else None,
            api_base=settings.zalo_api_base,
            oauth_base=settings.zalo_oauth_base,
            config=config.zalo,
            rate=(limit.rate, limit.burst) if limit else None,
            max_wait=config.max_wait_seconds,
        )

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    # -- sending ------------------------------------------------------------------------------------
    def build_payload(self, message: OutgoingMessage) -> dict[str, Any]:
        """The request body, validated locally (PermanentError before any network call)."""
        template = self.config.template_for(message.template)
        if template is None:
            raise PermanentError(
                f"zalo: no Zalo template configured for {message.template!r} (config/channels.yaml)",
                code="no-template",
            )
        try:
            data = template.fill(dict(message.params))
        except KeyError as exc:
            raise PermanentError(
                f"zalo: template {message.template!r} needs parameter(s) {exc.args[0]}", code="missing-param"
            ) from None
        except ValueError as exc:
            raise PermanentError(f"zalo: template {message.template!r}: {exc}", code="param-too-long") from None
        phone = parse_vn_mobile(message.to)
        return {
            "phone": phone.intl,
            "template_id": template.template_id,
            "template_data": data,
            "tracking_id": short_id(message.key),
        }

    def send(self, message: OutgoingMessage) -> SendResult:
        payload = self.build_payload(message)
        # The token first: while the auth circuit is open (ZaloAuthPaused) no quota is counted and no
        # rate-limit slot is spent on a message that cannot go.
        token = self.tokens.access_token()
        self._check_quota()
        if self.rate:
            self.limiter.acquire("zalo", self.rate[0], self.rate[1], max_wait=self.max_wait)
        answer = self._post(token, payload)
        if _code(answer) in TOKEN:
            log.info("zalo: access token refused (-124); refreshing once")
            token = self.tokens.refresh_after_rejection(token)
            answer = self._post(token, payload)
            if _code(answer) in TOKEN:
                raise AuthError("zalo: access token refused again right after a refresh", code="-124")
        return self._result(message, payload, answer)

    def _post(self, token: str, payload: dict[str, Any]) -> dict[str, Any]:
        response = http_send(
            "zalo",
            lambda: self.client.post(
                f"{self.api_base}/message/template", headers={"access_token": token}, json=payload
            ),
        )
        return json_body("zalo", response)

    def _check_quota(self) -> None:
        if self.limiter.is_exhausted(QUOTA_BUCKET, max_age=QUOTA_CHECK_EVERY):
            raise self._quota_error("zalo: today's quota is used up (known from an earlier answer)")
        if self.config.daily_quota and not self.limiter.take_daily(QUOTA_BUCKET, self.config.daily_quota):
            raise self._quota_error(f"zalo: our daily cap of {self.config.daily_quota} messages is reached")

    def _quota_error(self, text: str, code: str = "quota") -> RetryableError | PermanentError:
        if self.config.quota_exhausted == "fallback":
            return PermanentError(text + "; sending by the next channel", code=code)
        return RetryableError(text + "; retry after 00:00", code=code, retry_after=until_local_midnight(self.clock()))

    def _result(self, message: OutgoingMessage, payload: dict[str, Any], answer: dict[str, Any]) -> SendResult:
        code = _code(answer)
        text = scrub(str(answer.get("message") or ""))[:200]
        where = f"key={message.key} to={mask_address(payload['phone'])}"
        if code == 0:
            data = answer.get("data") or {}
            msg_id = str(data.get("msg_id") or "") or None
            self._note_quota(data.get("quota"))
            log.info("zalo sent %s msg_id=%s", where, msg_id)
            return SendResult(TRANSPORT, msg_id, f"error=0 {text}".strip())
        log.warning("zalo refused %s: error=%s %s", where, code, text)
        if code in UNREACHABLE:
            raise PermanentError(f"zalo: recipient unreachable by Zalo (error {code}: {text})", code=str(code))
        if code in QUOTA:
            self.limiter.mark_exhausted(QUOTA_BUCKET)
            raise self._quota_error(f"zalo: quota exhausted (error {code}: {text})", code=str(code))
        if code in TEMPLATE:
            hint = OFFICER_HINT.get(code, "the Zalo template or its data was refused: check config/channels.yaml")
            raise PermanentError(f"zalo: {hint} (error {code}: {text})", code=str(code))
        if code in APP:
            raise AuthError(f"zalo: app/OA configuration refused (error {code}: {text})", code=str(code))
        raise RetryableError(f"zalo: error {code}: {text}", code=str(code))

    def _note_quota(self, quota: Any) -> None:
        if not isinstance(quota, dict):
            return
        try:
            remaining = int(quota.get("remainingQuota"))
            daily = int(quota["dailyQuota"]) if quota.get("dailyQuota") is not None else None
        except (TypeError, ValueError):
            return
        now = time.monotonic()
        # Bookkeeping for `channels status`: written at most every few seconds per process (a write per
        # send would cost more than the rest of the send), but always when the quota is spent.
        if remaining > 0 and now - self._quota_noted < QUOTA_NOTE_EVERY:
            return
        self._quota_noted = now
        try:
            self.limiter.record_remaining(QUOTA_BUCKET, remaining, daily)
        except Exception:  # bookkeeping only: the message is sent, never fail the send for it
            log.exception("zalo: could not record the quota")

    # -- delivery status (polling) ------------------------------------------------------------------
    def message_status(self, msg_id: str) -> ZaloStatus:
        """``GET /message/status?message_id=``: whether Zalo delivered ``msg_id`` and when."""
        token = self.tokens.access_token()
        response = http_send(
            "zalo",
            lambda: self.client.get(
                f"{self.api_base}/message/status",
                params={"message_id": msg_id},
                headers={"access_token": token},
            ),
        )
        answer = json_body("zalo", response)
        code = _code(answer)
        if code in TOKEN:
            raise AuthError("zalo: access token refused", code="-124")
        if code != 0:
            raise RetryableError(f"zalo: status error {code}", code=str(code))
        data = answer.get("data") or {}
        when = _ms_datetime(data.get("delivery_time"))
        status = data.get("status")
        delivered = when is not None or str(status) in ("1", "delivered")
        return ZaloStatus(msg_id, delivered, when, data)


def _code(answer: dict[str, Any]) -> int:
    try:
        return int(answer.get("error", -100))
    except (TypeError, ValueError):
        return -100


def _ms_datetime(value: Any) -> datetime | None:
    """Zalo times are milliseconds since the epoch, as a number or a string."""
    try:
        ms = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    if ms <= 0:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def configured(settings: "Settings", engine: Engine | None, config: ChannelsConfig) -> ZaloChannel | None:
    """The channel table's factory: Zalo when its app id, secret and refresh token are set, else None."""
    if not (settings.zalo_app_id and settings.zalo_secret_key and settings.zalo_refresh_token):
        return None
    if engine is None:
        raise ChannelConfigError("the Zalo channel needs the database (token store, quota)")
    return ZaloChannel.from_settings(settings, engine, config)
