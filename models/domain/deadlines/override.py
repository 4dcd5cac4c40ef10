"""Officer overrides of a task's deadline: a single date, a list of dates, or an RFC 5545 RRULE.

Overrides are configured in ``config/policy.yaml`` under ``deadline_overrides`` (keyed by plan number, then
task number) and validated by :func:`validate_override` when the file is loaded. :func:`apply_override`
turns a parsed rule into the overriding rule: the override wins, the rule says so (``overridden=True``,
``source="override"``), and the original phrase stays visible (``text`` and ``original``).

RRULE text is read by python-dateutil's ``rrulestr``: "FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=30" or with its own
"DTSTART:20251130\\nRRULE:FREQ=YEARLY;UNTIL=20301231". Without DTSTART the recurrence starts at the plan's
issue date; it always stops at the plan horizon, and at most :data:`MAX_OCCURRENCES` dates are produced.
Frequencies finer than daily are refused (a deadline is a day, not an hour).
"""

from __future__ import annotations

from datetime import date, datetime
from itertools import islice, pairwise

from dateutil.rrule import DAILY, rrule, rruleset, rrulestr

from .calendar import TZ
from .rules import DeadlineOverride, DeadlineRule, Kind

MAX_OCCURRENCES = 5000


def _build(text: str, dtstart: date) -> rrule | rruleset:
    start = datetime(dtstart.year, dtstart.month, dtstart.day)
    return rrulestr(text.strip(), dtstart=start)


def validate_override(override: DeadlineOverride) -> None:
    """Raise ValueError (with a message fit for an officer) when the override cannot be used."""
    if bool(override.dates) == bool(override.rrule):
        raise ValueError("give exactly one of 'date' / 'dates' or 'rrule'")
    if override.dates and any(b <= a for a, b in pairwise(override.dates)):
        raise ValueError("dates must be strictly increasing")
    if override.rrule:
        try:
            rule = _build(override.rrule, date(2000, 1, 1))
            # dateutil exposes no public accessor for a rule's frequency or a set's rules.
            rules = rule._rrule if isinstance(rule, rruleset) else [rule]
            for r in rules:
                if r._freq > DAILY:
                    raise ValueError("RRULE frequency finer than DAILY is not a deadline")
            next(iter(rule), None)  # surfaces DTSTART/UNTIL time-zone mismatches now, not at expansion
        except ValueError:
            raise
        except Exception as exc:  # dateutil raises several types for bad text
            raise ValueError(f"invalid RRULE: {exc}") from exc


def override_dates(override: DeadlineOverride, *, start: date, horizon: date) -> list[date]:
    """The override's dates: explicit ones as given, an RRULE's from its DTSTART (default ``start``) to
    ``horizon``. Sorted, without duplicates."""
    if override.dates:
        return sorted(set(override.dates))
    if not override.rrule:
        return []
    out: set[date] = set()
    for dt in islice(iter(_build(override.rrule, start)), MAX_OCCURRENCES):
        d = dt.astimezone(TZ).date() if dt.tzinfo else dt.date()
        if d > horizon:
            break
        out.add(d)
    return sorted(out)


def apply_override(rule: DeadlineRule, override: DeadlineOverride) -> DeadlineRule:
    """The rule that replaces ``rule``: one_off for dates, recurring for an RRULE. Keeps ``rule.text``."""
    validate_override(override)
    kind = Kind.ONE_OFF if override.dates else Kind.RECURRING
    return DeadlineRule(
        rule.text,
        kind,
        source="override",
        overridden=True,
        override=override,
        original=rule,
    )
