"""A channel that records every send in a log file (one key a line), to count sends across processes
and crashes. Appends are single ``write`` calls on a file opened in append mode: whole lines, even when
several processes write at once."""

import os
from pathlib import Path

from notifiers.base import OutgoingMessage, SendResult


class RecordingChannel:
    transport = "recording"

    def __init__(self, name: str, log: Path) -> None:
        self.name = name
        self.log = log

    def send(self, message: OutgoingMessage) -> SendResult:
        fd = os.open(self.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, f"{message.key}\n".encode())
        finally:
            os.close(fd)
        return SendResult(transport=self.transport, provider_message_id=message.key[:64])


def read_log(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []
