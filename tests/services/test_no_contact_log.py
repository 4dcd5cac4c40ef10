"""A recipient without an address on any channel is ONE warning line per daily run, with its count —
not a line per cycle (1,529 lines in a first run at 100,000 tasks buried everything else in the log)."""

import logging
from collections import Counter
from datetime import date

from config.app import build_app
from models.services.daily import evaluate_day


def test_one_warning_per_recipient_without_contact(imported_url, cli_env, _cached_config, caplog) -> None:
    directory, policy = _cached_config
    app = build_app(directory=directory, policy=policy, migrate=False)
    # Nobody has an address on any channel: every recipient is "no contact".
    app.runtime.channel_order = []
    with caplog.at_level(logging.WARNING, logger="dondoc.reminders"):
        report = evaluate_day(app.runtime, date(2025, 7, 1))
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("no contact for ")]
    assert report.no_contact > len(lines) > 1  # several recipients, several cycles each: fewer lines
    who = Counter(line.split(":")[0].removeprefix("no contact for ") for line in lines)
    assert max(who.values()) == 1  # one line per recipient
    counted = sum(int(line.split(": ")[1].split()[0]) for line in lines)
    assert counted == report.no_contact  # the lines add up to the report's count
    assert "no_contact_by" not in report.as_json()  # not part of the public JSON
