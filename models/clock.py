"""Today's date and parsing of dates given by people, in Asia/Ho_Chi_Minh (the plans' time zone)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


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
