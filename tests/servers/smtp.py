"""A local SMTP server (aiosmtpd) that records what it receives and can refuse on purpose:
``reject`` addresses get 550, ``defer`` addresses 451; with ``users`` it requires AUTH (without TLS,
``auth_require_tls=False``: the test server is on 127.0.0.1)."""

import threading
import uuid
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from servers.base import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    queue_id: str = ""

    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


class _Handler:
    def __init__(self, server: "LocalSMTP") -> None:
        self.server = server

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address in self.server.reject:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if address in self.server.defer:
            return "451 4.7.1 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        queue_id = uuid.uuid4().hex[:10].upper()  # what Postfix says: "queued as 4XyZ…"
        with self.server.lock:
            self.server.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, queue_id)
            )
        return f"250 2.0.0 Ok: queued as {queue_id}"


class LocalSMTP:
    def __init__(self, *, users: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self.reject: set[str] = set()
        self.defer: set[str] = set()
        self.users = users
        self.lock = threading.Lock()
        kwargs: dict[str, Any] = {}
        if users is not None:
            kwargs.update(auth_require_tls=False, auth_required=True, authenticator=self._auth)
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **kwargs)

    def _auth(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and self.users is not None:
            user, password = auth_data.login.decode(), auth_data.password.decode()
            if self.users.get(user) == password:
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def start(self) -> "LocalSMTP":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> "LocalSMTP":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
