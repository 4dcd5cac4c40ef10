"""A daily worker run in a subprocess by the concurrency and crash tests:

    python tests/support/worker.py DAY LOG [evaluate|dispatch|both] [FAULT]

Settings come from the environment (DONDOC_DATABASE_URL, DONDOC_DATA_DIR); sends go to a
RecordingChannel writing LOG. ``FAULT`` (``after_send:3``, ``after_claim:1``) gives the outbox a fault
hook that kills the process (``os._exit``, no clean-up, like a power cut) at the 3rd send or the 1st
claimed row: production code has only the hook's call points (``Outbox(fault_hook=…)``), never the crash.

Outbox options from the environment: ``DONDOC_TEST_BATCH`` (claim size, 50); ``DONDOC_TEST_CONCURRENCY``
(sends in flight per channel; unset: one at a time in id order, so that "the n-th send" is well defined);
``DONDOC_TEST_ON_UNKNOWN`` (every channel's on_unknown policy; unset: the configured one);
``DONDOC_TEST_UNKNOWN_WAIT`` (seconds before an unknown outcome is re-sent; 0 by default: the rerun
comes at once, as if the wait had passed).
"""

import os
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.app import build_app
from models.services.daily import evaluate_day
from support.recording import RecordingChannel


def crash_at(spec: str) -> Callable[[str, str], None]:
    """A fault hook that exits the process at the n-th call of ``point`` (``"after_send:3"``)."""
    point, _, nth = spec.partition(":")
    remaining = int(nth or "1")

    def hook(where: str, _key: str) -> None:
        nonlocal remaining
        if where == point:
            remaining -= 1
            if remaining <= 0:
                os._exit(99)

    return hook


def main() -> None:
    day = date.fromisoformat(sys.argv[1])
    log = Path(sys.argv[2])
    mode = sys.argv[3] if len(sys.argv) > 3 else "both"
    fault = crash_at(sys.argv[4]) if len(sys.argv) > 4 else None
    app = build_app(migrate=False)
    if mode in ("evaluate", "both"):
        evaluate_day(app.runtime, day)
    if mode in ("dispatch", "both"):
        channels = {name: RecordingChannel(name, log) for name in ("zalo", "sms", "email")}
        options: dict = {"unknown_wait": timedelta(seconds=float(os.environ.get("DONDOC_TEST_UNKNOWN_WAIT", "0")))}
        width = os.environ.get("DONDOC_TEST_CONCURRENCY")
        options["concurrency"] = dict.fromkeys(channels, int(width)) if width else None
        if os.environ.get("DONDOC_TEST_ON_UNKNOWN"):
            options["on_unknown"] = dict.fromkeys(channels, os.environ["DONDOC_TEST_ON_UNKNOWN"])
        outbox = app.outbox(channels=channels, fault_hook=fault, **options)
        outbox.window = None  # the test runs at any hour
        outbox.divert = {}  # send the demo contacts through the recording channel
        outbox.dispatch(batch=int(os.environ.get("DONDOC_TEST_BATCH", "50")))


if __name__ == "__main__":
    main()
