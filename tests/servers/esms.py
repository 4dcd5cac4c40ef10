"""A fake eSMS (``SendMultipleMessage_V4_post_json``): 100 accepted; 101 bad keys; 124 duplicate
``RequestId``; 146 content not matching a registered template (when ``templates`` is set); ``script``
forces the next answers (a code string, ``("http", 500)`` or ``("sleep", s)``)."""

import re
import threading
import time
import uuid
from typing import Any

from servers.base import FakeServer, Reply, Request

SEND_PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"


class FakeEsms(FakeServer):
    def __init__(self, *, api_key: str = "key", secret_key: str = "secret", templates: list[str] | None = None):
        super().__init__()
        self.api_key = api_key
        self.secret_key = secret_key
        self.templates = [re.compile(t) for t in templates] if templates else None
        self.script: list[Any] = []
        self.accepted: dict[str, dict[str, Any]] = {}  # RequestId -> request body (with SMSID)
        self._state = threading.Lock()

    def route(self, request: Request) -> Reply:
        if request.method != "POST" or request.path != SEND_PATH:
            return Reply(404, {"CodeResult": "404"})
        forced: Any = None
        with self._state:
            if self.script:
                forced = self.script.pop(0)
        if isinstance(forced, tuple) and forced[0] == "http":
            return Reply(forced[1], b"Service Unavailable", {"Content-Type": "text/plain"})
        if isinstance(forced, tuple) and forced[0] == "sleep":
            time.sleep(forced[1])
            forced = None
        if isinstance(forced, str):
            return Reply(200, {"CodeResult": forced, "ErrorMessage": f"forced {forced}"})
        body = request.json()
        if body.get("ApiKey") != self.api_key or body.get("SecretKey") != self.secret_key:
            return Reply(200, {"CodeResult": "101", "ErrorMessage": "Sai ApiKey hoặc SecretKey"})
        if self.templates is not None and not any(t.fullmatch(body.get("Content", "")) for t in self.templates):
            return Reply(200, {"CodeResult": "146", "ErrorMessage": "Sai template"})
        request_id = body.get("RequestId") or ""
        with self._state:
            if request_id and request_id in self.accepted:
                return Reply(200, {"CodeResult": "124", "ErrorMessage": "Trùng RequestId"})
            sms_id = uuid.uuid4().hex
            self.accepted[request_id or sms_id] = dict(body, SMSID=sms_id)
        return Reply(200, {"CodeResult": "100", "CountRegenerate": 0, "SMSID": sms_id})

    def callback_params(self, sms_id: str, status: str = "5", request_id: str = "") -> dict[str, str]:
        """The query eSMS sends to the CallbackUrl for one recipient."""
        ok = status == "5"
        return {
            "SMSID": sms_id,
            "SendFailed": "0" if ok else "1",
            "SendStatus": status,
            "SendSuccess": "1" if ok else "0",
            "TotalPrice": "0.0000",
            "TotalReceiver": "1",
            "TotalSent": "1",
            "RequestId": request_id,
            "TypeId": "2",
            "telcoid": "1",
            "phonenumber": "0901888484",
        }
