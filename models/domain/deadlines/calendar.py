"""The working-day calendar of Vietnamese state agencies, and end-of-day helpers.

State agencies work Monday to Friday. A day is *not* a working day when it is a Saturday or Sunday, a public
holiday known to ``holidays.country_holidays("VN")`` (Tết, Hùng Kings, 30/4, 1/5, National Day with its
extra day, Vietnam Cultural Day from 2026, their observed days and the Government's substitute days off,
e.g. 02/05/2025 "substituted from 26/04/2025"), or a date of the configured ``extra_holidays`` (for decisions
the library does not know yet, such as a longer Tết break for civil servants).

A day *is* a working day when the Government swapped it for a day off: the ``holidays`` library records
those Saturdays in ``weekend_workdays`` (26/04/2025, 22/08/2026) and they are honoured automatically; more
can be listed in ``extra_working_days``. Precedence: ``extra_holidays`` > ``extra_working_days`` > the
library's holidays > the library's swapped working Saturdays > Monday–Friday.

The *effective* date of a deadline (Civil Code 2015, art. 148(5)) is the nominal date when that is a working
day, else the next working day: see :meth:`WorkingCalendar.effective`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_ONE = timedelta(days=1)
# Never walk further than this looking for a working day: a calendar configured with every day a holiday
# must fail loudly rather than loop for ever.
_MAX_WALK = 3660


def end_of_day(d: date) -> datetime:
    """The instant a deadline on ``d`` ends: 24:00 of ``d`` in Asia/Ho_Chi_Minh, i.e. 00:00 of the next day
    (aware datetime). Compare submissions with ``submitted_at < end_of_day(due.effective)``."""
    return datetime.combine(d + _ONE, time(0, 0), tzinfo=TZ)


class WorkingCalendar:
    """Working days of Vietnamese state agencies (see the module docstring). Lookups are cached per date;
    holiday years are loaded lazily, so one instance serves any range of dates."""

    def __init__(
        self,
        *,
        extra_holidays: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        country: str = "VN",
    ) -> None:
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_working_days = frozenset(extra_working_days)
        both = self.extra_holidays & self.extra_working_days
        if both:
            days = ", ".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"dates listed both as extra holidays and extra working days: {days}")
        self._holidays = holidays.country_holidays(country)
        self._years: set[int] = set()
        self._cache: dict[date, bool] = {}
        self._effective: dict[date, date] = {}

    def _load_year(self, year: int) -> None:
        # The holidays object computes a year on its first lookup, which also fills ``weekend_workdays``.
        # The next year is loaded too: its swaps may name a working Saturday of this year (27/12/2014 was
        # worked for 02/01/2015).
        if year not in self._years:
            for y in (year, year + 1):
                _ = date(y, 1, 1) in self._holidays
            self._years.add(year)

    def is_holiday(self, d: date) -> bool:
        """True for a public holiday or substitute day off (weekends excluded unless they are holidays)."""
        if d in self.extra_holidays:
            return True
        if d in self.extra_working_days:
            return False
        self._load_year(d.year)
        return d in self._holidays

    def holiday_name(self, d: date) -> str | None:
        """The holiday's name (Vietnamese, from the ``holidays`` library) or None."""
        if d in self.extra_holidays:
            return "Ngày nghỉ (cấu hình)"
        self._load_year(d.year)
        name = self._holidays.get(d)
        return str(name) if name else None

    def is_working_day(self, d: date) -> bool:
        """True when state agencies work on ``d``."""
        cached = self._cache.get(d)
        if cached is not None:
            return cached
        if d in self.extra_holidays:
            result = False
        elif d in self.extra_working_days:
            result = True
        else:
            self._load_year(d.year)
            if d in self._holidays:
                result = False
            elif d in self._holidays.weekend_workdays:
                result = True
            else:
                result = d.weekday() < 5
        self._cache[d] = result
        return result

    def next_working_day(self, d: date, *, inclusive: bool = False) -> date:
        """The first working day after ``d`` (or ``d`` itself when ``inclusive`` and it is one)."""
        cur = d if inclusive else d + _ONE
        for _ in range(_MAX_WALK):
            if self.is_working_day(cur):
                return cur
            cur += _ONE
        raise ValueError(f"no working day within {_MAX_WALK} days after {d}")

    def previous_working_day(self, d: date, *, inclusive: bool = False) -> date:
        """The last working day before ``d`` (or ``d`` itself when ``inclusive`` and it is one)."""
        cur = d if inclusive else d - _ONE
        for _ in range(_MAX_WALK):
            if self.is_working_day(cur):
                return cur
            cur -= _ONE
        raise ValueError(f"no working day within {_MAX_WALK} days before {d}")

    def effective(self, nominal: date) -> date:
        """Civil Code art. 148(5): a time limit whose last day is a day off ends on the next working day."""
        found = self._effective.get(nominal)  # cached per date, as is_working_day
        if found is None:
            found = self._effective[nominal] = self.next_working_day(nominal, inclusive=True)
        return found

    def add_working_days(self, d: date, n: int) -> date:
        """Move ``n`` working days from ``d`` (backwards when ``n`` < 0). ``d`` itself need not be a working
        day; ``n`` = 0 returns ``d`` unchanged. ``add_working_days(friday, 1)`` is the next Monday (when it is
        a working day)."""
        cur = d
        for _ in range(abs(n)):
            cur = self.next_working_day(cur) if n > 0 else self.previous_working_day(cur)
        return cur

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in the half-open interval (a, b] (negative when b < a)."""
        if b < a:
            return -self.working_days_between(b, a)
        count = 0
        cur = a + _ONE
        while cur <= b:
            count += self.is_working_day(cur)
            cur += _ONE
        return count
