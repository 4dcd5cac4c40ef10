"""The embedded default channel: writes each message to a file in the data folder instead of sending it.

Email becomes an ``.eml`` file (a real RFC 5322 message with text and HTML parts that any mail client
opens); SMS, Zalo and other channels become ``.txt`` files. The file name is derived from the outbox key, so a re-send
of the same message overwrites the same file: the folder holds each message exactly once.
"""

import hashlib
import json
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr
from pathlib import Path

from notifiers.base import OutgoingMessage, SendResult


def _file_name(key: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in key)[:80]
    return f"{safe}-{hashlib.sha256(key.encode()).hexdigest()[:10]}"


class FileChannel:
    """Writes messages of one logical channel under ``folder/<channel>/``."""

    transport = "file"
    dedupes_by_key = True  # a re-send rewrites the same file: never a second copy

    def __init__(
        self,
        name: str,
        folder: Path,
        from_name: str = "dondoc",
        from_address: str = "dondoc@localhost",
        *,
        as_email: bool | None = None,
    ) -> None:
        self.name = name
        # An .eml file for a channel that carries email (the table's body kind), a .txt file otherwise.
        self.as_email = name == "email" if as_email is None else as_email
        self.folder = folder / name
        self.from_name = from_name
        self.from_address = from_address
        self._ready = False

    def send(self, message: OutgoingMessage) -> SendResult:
        if not self._ready:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._ready = True
        base = self.folder / _file_name(message.key)
        if self.as_email:
            path = base.with_suffix(".eml")
            # The compat32 MIME classes: the same RFC 5322 output as EmailMessage for this use, ten times
            # faster (EmailMessage's header folding cost ~10 ms a message; simulations write tens of thousands).
            mail = MIMEMultipart("alternative")
            mail["Subject"] = Header(message.subject, "utf-8").encode()
            mail["From"] = formataddr((str(Header(self.from_name, "utf-8")), self.from_address))
            mail["To"] = message.to
            mail["Message-ID"] = f"<{hashlib.sha256(message.key.encode()).hexdigest()[:32]}@dondoc.local>"
            mail["X-Dondoc-Key"] = message.key
            mail.attach(MIMEText(message.text, "plain", "utf-8"))
            if message.html:
                mail.attach(MIMEText(message.html, "html", "utf-8"))
            data = mail.as_bytes()
        else:
            path = base.with_suffix(".txt")
            lines = [f"To: {message.to}", f"Channel: {message.channel}", f"Key: {message.key}"]
            if message.params:
                lines.append("Params: " + json.dumps(message.params, ensure_ascii=False, sort_keys=True))
            data = ("\n".join(lines) + "\n\n" + message.text + "\n").encode("utf-8")
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)  # atomic: a crash never leaves half a message
        return SendResult(transport=self.transport, provider_message_id=path.name, detail=str(path))
