"""The one clock: ``TZ`` (Asia/Ho_Chi_Minh, the plans' time zone), today there, now in UTC, and dates
as people type and read them (``local_text``, ``day_text``)."""

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


def local_text(moment: datetime | None) -> str:
    """A stored moment as people read it: dd/mm/yyyy HH:MM in Asia/Ho_Chi_Minh ("—" for none). A naive
    value is UTC (what SQLite gives back)."""
    if moment is None:
        return "—"
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(TZ).strftime("%d/%m/%Y %H:%M")


def day_text(day: date | str | None) -> str:
    """A date (or an ISO date string of a listing) as dd/mm/yyyy ("—" for none)."""
    if not day:
        return "—"
    value = date.fromisoformat(day) if isinstance(day, str) else day
    return value.strftime("%d/%m/%Y")
