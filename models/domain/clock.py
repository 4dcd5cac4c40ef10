"""The one clock: ``TZ`` (Asia/Ho_Chi_Minh, the plans' time zone), today there, now in UTC, and dates
as people type them."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    """Now, timezone-aware in UTC. SQLModel 0.0.50 maps ``datetime`` fields to ``UTCDateTime``, which
    refuses naive values and gives back aware UTC values on SQLite and PostgreSQL alike."""
    return datetime.now(UTC)


def today_local() -> date:
    """Today in Asia/Ho_Chi_Minh (not the machine's zone: a server in UTC is 7 hours behind)."""
    return datetime.now(TZ).date()


def parse_day(text: str) -> date:
    """Parse YYYY-MM-DD (also DD/MM/YYYY, as Vietnamese officers write it); ValueError says what was given."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r} (expected YYYY-MM-DD or DD/MM/YYYY)")
