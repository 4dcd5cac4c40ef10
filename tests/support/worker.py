"""A daily worker run in a subprocess by the concurrency and crash tests:

    python tests/support/worker.py DAY LOG [evaluate|dispatch|both]

Settings come from the environment (DONDOC_DATABASE_URL, DONDOC_DATA_DIR); sends go to a
RecordingChannel writing LOG; ``DONDOC_FAULT=after_send:3`` makes the outbox exit the process
(os._exit) at the 3rd send — see models/outbox.py.
"""

import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.app import build_app
from models.services.daily import evaluate_day
from support.recording import RecordingChannel


def main() -> None:
    day = date.fromisoformat(sys.argv[1])
    log = Path(sys.argv[2])
    mode = sys.argv[3] if len(sys.argv) > 3 else "both"
    app = build_app(migrate=False)
    if mode in ("evaluate", "both"):
        evaluate_day(app.runtime, day)
    if mode in ("dispatch", "both"):
        channels = {name: RecordingChannel(name, log) for name in ("zalo", "sms", "email")}
        outbox = app.outbox(channels=channels)
        outbox.window = None  # the test runs at any hour
        outbox.divert = {}  # send the demo contacts through the recording channel
        outbox.dispatch(batch=int(__import__("os").environ.get("DONDOC_TEST_BATCH", "50")))


if __name__ == "__main__":
    main()
