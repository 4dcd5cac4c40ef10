"""A fake Zalo: ZBS template send, OAuth v4 token refresh, message status, and webhook event signing.

Follows the documented shapes: always HTTP 200 with ``{"error", "message", "data"}`` for the OpenAPI;
refresh tokens are single-use; ``expires_in`` is a string. Behaviour knobs:

- ``script``: a list of forced answers for the next sends — an int error code, ``("http", 500)``,
  ``("sleep", seconds)`` (then answer normally) or a full dict;
- ``unreachable``: phones that answer −118; ``daily_quota``: −144 once used up;
- ``expire_access(token)``: the token is refused (−124) from now on (expiry mid-batch);
- ``refresh_delay``: seconds the OAuth endpoint waits (widens refresh races in tests).
"""

import hashlib
import json
import secrets
import threading
import time
import uuid
from typing import Any

from servers.base import FakeServer, Reply, Request

TEMPLATE_PATH = "/message/template"
OAUTH_PATH = "/v4/oa/access_token"
STATUS_PATH = "/message/status"


class FakeZalo(FakeServer):
    def __init__(
        self,
        *,
        app_id: str = "app-1",
        secret_key: str = "app-secret",
        refresh_token: str = "refresh-0",
        expires_in: int = 90000,
        daily_quota: int = 1000,
        templates: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__()
        self.app_id = app_id
        self.secret_key = secret_key
        self.valid_refresh = {refresh_token}
        self.access: dict[str, bool] = {}  # token -> still accepted
        self.expires_in = expires_in
        self.daily_quota = daily_quota
        self.used = 0
        self.templates = templates  # template_id -> param names (None: accept any)
        self.unreachable: set[str] = set()
        self.script: list[Any] = []
        self.refresh_delay = 0.0
        self.refreshes = 0
        self.sent: list[dict[str, Any]] = []
        self._state = threading.Lock()

    # -- helpers for tests --------------------------------------------------------------------------
    def issue_access(self) -> str:
        token = "acc-" + secrets.token_hex(8)
        self.access[token] = True
        return token

    def expire_access(self, token: str | None = None) -> None:
        with self._state:
            for key in [token] if token else list(self.access):
                self.access[key] = False

    # -- routes -------------------------------------------------------------------------------------
    def route(self, request: Request) -> Reply:
        if request.method == "POST" and request.path == OAUTH_PATH:
            return self._oauth(request)
        if request.method == "POST" and request.path == TEMPLATE_PATH:
            return self._send(request)
        if request.method == "GET" and request.path == STATUS_PATH:
            return self._status(request)
        return Reply(404, {"error": 404})

    def _oauth(self, request: Request) -> Reply:
        form = request.form()
        if self.refresh_delay:
            time.sleep(self.refresh_delay)
        with self._state:
            self.refreshes += 1
            if request.headers.get("secret_key") != self.secret_key or form.get("app_id") != self.app_id:
                return Reply(200, {"error": -14002, "error_name": "Invalid app", "error_reason": "secret"})
            token = form.get("refresh_token", "")
            if form.get("grant_type") != "refresh_token" or token not in self.valid_refresh:
                return Reply(
                    200,
                    {
                        "error": -14014,
                        "error_name": "Invalid refresh token",
                        "error_description": "refresh token is invalid or used",
                    },
                )
            self.valid_refresh.discard(token)  # single use
            new_refresh = "refresh-" + secrets.token_hex(8)
            self.valid_refresh.add(new_refresh)
            access = "acc-" + secrets.token_hex(8)
            self.access[access] = True
        return Reply(200, {"access_token": access, "refresh_token": new_refresh, "expires_in": str(self.expires_in)})

    def _send(self, request: Request) -> Reply:
        forced: Any = None
        with self._state:
            if self.script:
                forced = self.script.pop(0)
        if isinstance(forced, tuple) and forced[0] == "http":
            return Reply(forced[1], b"<html>upstream error</html>", {"Content-Type": "text/html"})
        if isinstance(forced, tuple) and forced[0] == "sleep":
            time.sleep(forced[1])
            forced = None
        if isinstance(forced, dict):
            return Reply(200, forced)
        if isinstance(forced, int):
            return Reply(200, {"error": forced, "message": f"forced error {forced}"})
        token = request.headers.get("access_token", "")
        if not self.access.get(token):
            return Reply(200, {"error": -124, "message": "Access token is invalid"})
        body = request.json()
        phone = str(body.get("phone", ""))
        if not phone.startswith("84") or not phone.isdigit():
            return Reply(200, {"error": -108, "message": "Phone number invalid"})
        if phone in self.unreachable:
            return Reply(200, {"error": -118, "message": "Zalo account not existed"})
        if self.templates is not None:
            names = self.templates.get(str(body.get("template_id")))
            if names is None:
                return Reply(200, {"error": -109, "message": "Template ID invalid"})
            if sorted(names) != sorted((body.get("template_data") or {}).keys()):
                return Reply(200, {"error": -112, "message": "Template data invalid"})
        if len(str(body.get("tracking_id", ""))) > 48:
            return Reply(200, {"error": -100, "message": "tracking_id too long"})
        with self._state:
            if self.used >= self.daily_quota:
                return Reply(200, {"error": -144, "message": "OA has exceeded daily quota"})
            self.used += 1
            remaining = self.daily_quota - self.used
            msg_id = uuid.uuid4().hex
            self.sent.append(dict(body, msg_id=msg_id))
        return Reply(
            200,
            {
                "error": 0,
                "message": "Success",
                "data": {
                    "msg_id": msg_id,
                    "sent_time": str(int(time.time() * 1000)),
                    "quota": {"dailyQuota": str(self.daily_quota), "remainingQuota": str(remaining)},
                },
            },
        )

    def _status(self, request: Request) -> Reply:
        msg_id = request.query.get("message_id", "")
        if not any(m["msg_id"] == msg_id for m in self.sent):
            return Reply(200, {"error": -107, "message": "Message ID invalid"})
        return Reply(
            200,
            {
                "error": 0,
                "message": "Success",
                "data": {"delivery_time": str(int(time.time() * 1000)), "status": 1, "message": "delivered"},
            },
        )


def signed_event(
    *,
    msg_id: str,
    tracking_id: str,
    first_id: str,
    secret: str,
    delivery_ms: int | None = None,
    timestamp_ms: int | None = None,
    event_name: str = "user_received_message",
) -> tuple[bytes, dict[str, str]]:
    """A webhook body and its headers as Zalo sends them: mac = sha256(id + body + timestamp + secret)."""
    now = int(time.time() * 1000)
    timestamp = str(timestamp_ms or now)
    event = {
        "app_id": first_id,
        "event_name": event_name,
        "sender": {"id": "oa-1"},
        "recipient": {"id": "user-1"},
        "message": {"msg_id": msg_id, "tracking_id": tracking_id, "delivery_time": str(delivery_ms or now)},
        "timestamp": timestamp,
    }
    body = json.dumps(event).encode()
    mac = hashlib.sha256(first_id.encode() + body + timestamp.encode() + secret.encode()).hexdigest()
    return body, {"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"}
