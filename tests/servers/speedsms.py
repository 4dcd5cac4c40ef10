"""A fake SpeedSMS (``/index.php/sms/send``, HTTP Basic token:x): ``{"status": "success", "code": "00"}``,
error bodies with HTTP 200, and 429 beyond ``per_minute`` requests in a minute."""

import base64
import threading
import time
from typing import Any

from servers.base import FakeServer, Reply, Request

SEND_PATH = "/index.php/sms/send"


class FakeSpeedSms(FakeServer):
    def __init__(self, *, token: str = "tok", per_minute: int = 60) -> None:
        super().__init__()
        self.token = token
        self.per_minute = per_minute
        self.script: list[Any] = []
        self.sent: list[dict[str, Any]] = []
        self._times: list[float] = []
        self._state = threading.Lock()
        self._tran = 1000

    def route(self, request: Request) -> Reply:
        if request.method != "POST" or request.path != SEND_PATH:
            return Reply(404, {"status": "error", "code": "404"})
        auth = request.headers.get("authorization", "")
        expected = "Basic " + base64.b64encode(f"{self.token}:x".encode()).decode()
        if auth != expected:
            return Reply(401, {"status": "error", "code": "401", "message": "unauthorized"})
        now = time.monotonic()
        with self._state:
            self._times = [t for t in self._times if now - t < 60]
            if len(self._times) >= self.per_minute:
                return Reply(
                    429,
                    {"status": "error", "code": "429", "message": "too many requests"},
                    {"Retry-After": "30"},
                )
            self._times.append(now)
            forced = self.script.pop(0) if self.script else None
        if isinstance(forced, str):
            return Reply(200, {"status": "error", "code": forced, "message": f"forced {forced}"})
        body = request.json()
        invalid = [p for p in body.get("to", []) if not (str(p).startswith("84") and len(str(p)) in (11, 12))]
        with self._state:
            self._tran += 1
            self.sent.append(body)
            tran = self._tran
        return Reply(
            200,
            {
                "status": "success",
                "code": "00",
                "data": {"tranId": tran, "totalSMS": 1, "totalPrice": 250, "invalidPhone": invalid},
            },
        )
