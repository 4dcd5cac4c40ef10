"""SMS gateway adapters: eSMS and SpeedSMS (Vietnamese brandname gateways, httpx) and apprise
(international gateways such as ``twilio://``). Each reads the gateway's own result code: an HTTP 200
whose body says "failed" is a failure.

eSMS ``CodeResult``: 100 accepted; 124 duplicate ``RequestId`` = this very message was accepted before
(a crash between send and record, then a re-send with the same key) → success, nothing sent twice;
101 / 140 credentials or IP not whitelisted → AuthError; 99 / 108 / 177 this number cannot get it →
PermanentError; 102 / 103 / 104 / 118 / 146 account or template problems → PermanentError with a hint;
anything else → RetryableError.

SpeedSMS has no idempotency field: a timeout after sending may mean a double SMS (logged as
"outcome unknown"; the outbox re-sends). 429 (over 60 requests a minute) → RetryableError.
"""

import logging
from datetime import timedelta
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from models.domain.masking import scrub
from notifiers.base import AuthError, PermanentError, RetryableError, SendResult
from notifiers.http import http_send, json_body
from notifiers.masking import scrub_library_logs
from notifiers.phones import VnPhone

log = logging.getLogger("dondoc.notifiers.sms")


class SmsText(Protocol):
    text: str
    encoding: str
    segments: int


class SmsGateway(Protocol):
    transport: str
    bucket: str  # rate-limit bucket name
    dedupes_by_key: bool  # the gateway keeps one copy per request id (eSMS RequestId)

    def send(self, phone: VnPhone, sms: SmsText, *, request_id: str) -> SendResult: ...

    def close(self) -> None: ...


def _client(timeout: float) -> httpx.Client:
    return httpx.Client(timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)))


ESMS_AUTH = {"101", "140"}
ESMS_RECIPIENT = {"99", "108", "177"}
ESMS_HINTS = {
    "102": "eSMS account has no price list: contact eSMS",
    "103": "eSMS account balance is empty: top it up",
    "104": "the brandname is not registered with eSMS (DONDOC_SMS_BRANDNAME)",
    "118": "eSMS does not support this SmsType (config/channels.yaml sms.esms.sms_type)",
    "119": "eSMS refused the brandname message type",
    "146": "the SMS text does not match a customer-care template registered with eSMS",
}


class EsmsGateway:
    transport = "esms"
    bucket = "esms"
    dedupes_by_key = True  # a repeated RequestId answers 124 (accepted earlier): never a second SMS
    PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str,
        secret_key: str,
        brandname: str,
        sms_type: str = "2",
        sandbox: bool = False,
        callback_url: str | None = None,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.url = base_url.rstrip("/") + self.PATH
        self.api_key = api_key
        self.secret_key = secret_key
        self.brandname = brandname
        self.sms_type = sms_type
        self.sandbox = sandbox
        self.callback_url = callback_url
        self.client = client or _client(timeout)
        self._own_client = client is None

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def payload(self, phone: VnPhone, sms: SmsText, request_id: str) -> dict[str, Any]:
        body = {
            "ApiKey": self.api_key,
            "SecretKey": self.secret_key,
            "Phone": phone.national,
            "Content": sms.text,
            "Brandname": self.brandname,
            "SmsType": self.sms_type,
            "IsUnicode": "1" if sms.encoding == "ucs2" else "0",
            "RequestId": request_id,
            "Sandbox": "1" if self.sandbox else "0",
        }
        if self.callback_url:
            body["CallbackUrl"] = self.callback_url
        return body

    def send(self, phone: VnPhone, sms: SmsText, *, request_id: str) -> SendResult:
        payload = self.payload(phone, sms, request_id)
        answer = json_body("esms", http_send("esms", lambda: self.client.post(self.url, json=payload)))
        code = str(answer.get("CodeResult", "")).strip()
        sms_id = str(answer.get("SMSID") or "") or None
        detail = scrub(str(answer.get("ErrorMessage") or ""))[:200]
        if code == "100":
            return SendResult(self.transport, sms_id, f"CodeResult=100 segments={sms.segments}")
        if code == "124":
            log.info("esms: RequestId %s already accepted: not sent again", request_id)
            return SendResult(self.transport, sms_id, "CodeResult=124 duplicate RequestId: accepted earlier")
        if code in ESMS_AUTH:
            raise AuthError(f"esms: credentials or server IP refused (CodeResult {code}) {detail}".strip(), code=code)
        if code in ESMS_RECIPIENT:
            raise PermanentError(f"esms: this number cannot receive it (CodeResult {code}) {detail}".strip(), code=code)
        if code in ESMS_HINTS:
            raise PermanentError(f"esms: {ESMS_HINTS[code]} (CodeResult {code})", code=code)
        raise RetryableError(f"esms: CodeResult {code or '?'} {detail}".strip(), code=code or None)


SPEEDSMS_AUTH = {"007", "008", "009"}
SPEEDSMS_PERMANENT = {
    "101": "SpeedSMS refused the request parameters",
    "105": "SpeedSMS: invalid phone number",
    "110": "SpeedSMS does not support the content encoding",
    "113": "the sender name is not registered with SpeedSMS",
    "300": "SpeedSMS balance is empty: top it up",
}


class SpeedSmsGateway:
    transport = "speedsms"
    bucket = "speedsms"
    dedupes_by_key = False  # no idempotency field
    PATH = "/index.php/sms/send"

    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        sender: str = "",
        sms_type: int = 3,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.url = base_url.rstrip("/") + self.PATH
        self.auth = httpx.BasicAuth(token, "x")
        self.sender = sender
        self.sms_type = sms_type
        self.client = client or _client(timeout)
        self._own_client = client is None

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def send(self, phone: VnPhone, sms: SmsText, *, request_id: str) -> SendResult:
        payload = {"to": [phone.intl], "content": sms.text, "sms_type": self.sms_type, "sender": self.sender}
        response = http_send("speedsms", lambda: self.client.post(self.url, json=payload, auth=self.auth))
        answer = json_body("speedsms", response)
        status = str(answer.get("status", "")).lower()
        code = str(answer.get("code", "")).strip()
        data = answer.get("data") if isinstance(answer.get("data"), dict) else {}
        if status == "success" and code == "00":
            invalid = [str(p) for p in (data.get("invalidPhone") or [])]
            if phone.intl in invalid or phone.national in invalid:
                raise PermanentError("speedsms: invalid phone number", code="invalidPhone")
            tran = data.get("tranId")
            return SendResult(
                self.transport, str(tran) if tran is not None else None, f"code=00 segments={sms.segments}"
            )
        detail = scrub(str(answer.get("message") or ""))[:200]
        if code in SPEEDSMS_AUTH:
            raise AuthError(f"speedsms: account or IP refused (code {code}) {detail}".strip(), code=code)
        if code in SPEEDSMS_PERMANENT:
            raise PermanentError(f"{SPEEDSMS_PERMANENT[code]} (code {code})", code=code)
        raise RetryableError(f"speedsms: {status or '?'} code {code or '?'} {detail}".strip(), code=code or None)


class AppriseSmsGateway:
    """An apprise SMS URL (``twilio://sid:token@+1555…``); ``{to}`` in it is replaced by the number,
    otherwise the number is appended as a path target. One Apprise object per message (no throttle)."""

    transport = "apprise"
    bucket = "apprise-sms"
    dedupes_by_key = False

    def __init__(self, url: str) -> None:
        self.url = url

    def close(self) -> None:
        return None

    def target_url(self, phone: VnPhone) -> str:
        if "{to}" in self.url:
            return self.url.replace("{to}", quote(phone.e164))
        base, sep, query = self.url.partition("?")
        return f"{base.rstrip('/')}/{quote(phone.e164)}{sep}{query}"

    def send(self, phone: VnPhone, sms: SmsText, *, request_id: str) -> SendResult:
        import apprise

        scrub_library_logs("apprise")
        notifier = apprise.Apprise()
        if not notifier.add(self.target_url(phone)):
            raise PermanentError("sms: apprise does not accept the configured DONDOC_SMS_URL", code="bad-url")
        result = notifier.notify(body=sms.text)
        if bool(result):  # full success only
            return SendResult(self.transport, None, f"apprise: accepted segments={sms.segments}")
        problems = []
        for service in getattr(result, "results", ()):
            lines = [e.message for e in service.logs() if e.level in ("WARNING", "ERROR")]
            problems.append(f"{service.name}: {getattr(service.status, 'name', service.status)} {' '.join(lines)}")
        text = scrub("; ".join(problems))[:300] or "apprise reported a failure"
        raise RetryableError(f"sms (apprise): {text}", code="apprise", retry_after=timedelta(minutes=1))
