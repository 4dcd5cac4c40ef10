"""``DayReport``: the counts of one day's evaluation (``dondoc daily --json`` prints them: public fields)."""

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass
class DayReport:
    day: str
    created: int = 0  # cycles created
    cancelled: int = 0  # cycles cancelled (their agency no longer holds the work)
    opened: int = 0
    overdue: int = 0
    queued: int = 0  # outbox rows queued
    folded: int = 0  # earlier steps folded into a later message (catch-up after missed days)
    no_contact: int = 0  # recipients with no address on any configured channel
    expired: int = 0  # coordinators past their internal deadline: recorded, not reminded
    skipped_batches: int = 0  # batches another run had claimed already
    before_tracking: int = 0  # recipients' steps before a plan's tracking date: recorded, never sent
    recipients: int = 0  # distinct recipients of the day's consolidated messages
    items: int = 0  # (cycle, step, recipient) ledger entries those messages cover
    waiting: int = 0  # entries left for a later message (the recipient's daily cap was reached)
    # Not in the JSON: the recipients counted in ``no_contact`` and their cycles, for ONE log line each
    # per run (a line per cycle was 1,529 lines in a first run at 100,000 tasks).
    no_contact_by: dict[str, int] = field(default_factory=dict, repr=False)

    def add(self, other: "DayReport") -> None:
        for f in fields(self):
            if f.name == "day":
                continue
            if f.name == "no_contact_by":
                for who, n in other.no_contact_by.items():
                    self.no_contact_by[who] = self.no_contact_by.get(who, 0) + n
                continue
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "no_contact_by"}
