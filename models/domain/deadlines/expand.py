"""Expansion: a :class:`DeadlineRule` → its due items (:class:`Due`), each with nominal and effective dates.

Meaning, per kind:

* **one_off** — each named period ends on its last day ("Tháng 7/2025" → 31/07/2025). Absolute dates are
  never dropped, even before ``start`` (an overdue deadline is still a deadline) or after ``horizon``.
* **range** (window / phase) — a *milestone* on 31/12 of every year that ends inside the window strictly
  before its end (label "Mốc năm 2025", key ``milestone-2025``), then the *final* due date, the window
  end's last day (label "Hạn cuối 2026", key ``final-2026``; for a quarter window "Hạn cuối quý I/2027",
  ``final-2027-Q1``; ``is_final=True``). Decision: milestones are year ends for every kind of window,
  because annual review is how plans are followed up; a window inside one year has only its final item.
* **recurring** — from the plan's issue date ``start`` (first occurrence on or after it) to ``horizon``
  (the plan horizon, default 2030-12-31), both on the nominal date. When the phrase names a first year
  ("Năm 2025 và những năm tiếp theo") that year, not ``start``, is the lower bound; a named last year bounds
  it too. Yearly items end 31/12 (key "2025", label "Năm 2025") or at their anchor ("Tháng 6 hằng năm" →
  30/06, label "Tháng 6/2025"); half years 30/06 and 31/12 ("2025-H1"); quarters ("2025-Q1", "Quý I/2025");
  months ("2025-07", "Tháng 7/2025"). "Tháng 11 của năm trước" gives, for each year Y, a due date in
  November of Y−1 labelled "Kế hoạch năm Y" with key ``plan-Y``.
* **ongoing**, **external**, **unrecognized** — no due dates (see ``policy.progress_reports`` for ongoing
  tasks; external and unrecognized ones wait for an officer's date: ``needs_officer``).
* **overrides** — the officer's dates (key = ISO date, label "Ngày 15/09/2025").

The **effective** date is the nominal date moved to the next working day when it is a weekend or public
holiday (Civil Code art. 148(5)); see :mod:`models.domain.deadlines.calendar`. Both are always kept.
Exception: a phrase that sets a limit — "Trước ngày 30/11/2025", "Trước tháng 7/2025", "Trước ngày 15/12
hằng năm" (nominal: the day before the limit) — must not roll forward past it: a day off then rolls
**back** to the previous working day, and the item says so (``rolled_back``).

A yearly rule with several anchors ("Tháng 6 và tháng 12 hằng năm") gives one item per anchor and year,
keyed by the anchor's period ("2025-06", "2025-12"; "2026-Q1", "2026-Q3").

The list is sorted with strictly increasing nominal dates and keys unique within one rule.
"""

from __future__ import annotations

from datetime import date
from operator import itemgetter

from .calendar import WorkingCalendar
from .override import override_dates
from .rules import DeadlineRule, Due, Kind, Period, Recurrence, Unit, Window, month_end

# Enum members read through their class (Unit.YEAR) cost many times a global lookup on Python 3.11: the
# hot paths use these aliases.
_U_DAY, _U_MONTH, _U_QUARTER, _U_HALF, _U_YEAR = Unit.DAY, Unit.MONTH, Unit.QUARTER, Unit.HALF, Unit.YEAR
_K_ONE_OFF, _K_RECURRING, _K_RANGE = Kind.ONE_OFF, Kind.RECURRING, Kind.RANGE

_PER_YEAR = {_U_YEAR: 1, _U_HALF: 2, _U_QUARTER: 4, _U_MONTH: 12}
_MONTHS = {_U_YEAR: 12, _U_HALF: 6, _U_QUARTER: 3, _U_MONTH: 1}  # months per period: its last month
_NOMINAL = itemgetter(0)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# (nominal, label, period key, is final, rolls back)
_Item = tuple[date, str, str, bool, bool]


def _window_items(w: Window) -> list[_Item]:
    final = w.end.last
    first_day = w.start.first
    items = [
        (date(y, 12, 31), f"Mốc năm {y}", f"milestone-{y}", False, False)
        for y in range(first_day.year, final.year + 1)
        if first_day <= date(y, 12, 31) < final
    ]
    label = f"Hạn cuối {w.end.year}" if w.end.unit is _U_YEAR else f"Hạn cuối {_lower_first(w.end.label)}"
    items.append((final, label, f"final-{w.end.key}", True, w.end.before))
    return items


def _recurring_items(rec: Recurrence, start: date, horizon: date) -> list[_Item]:
    lower = date(rec.first_year, 1, 1) if rec.first_year is not None else start
    # Years of the work (not of the due date): from one before ``lower`` (a "trước ngày 1/1" anchor or a
    # lead year can move a due date into the previous year) up to the horizon plus the lead.
    first, last = lower.year - 1, horizon.year + rec.lead_years + 1
    if rec.first_year is not None:
        first = max(first, rec.first_year)
    if rec.last_year is not None:
        last = min(last, rec.last_year)
    # Without a first year, items before ``start`` are dropped; items after ``horizon`` always are.
    since = start if rec.first_year is None else date.min
    if rec.anchor is None and not rec.lead_years and not rec.more_anchors:
        # The common plain rules ("Hằng năm", "Hàng quý", "Định kỳ 6 tháng"): each period's last day is
        # computed first, and only the periods kept get their label and key.
        unit, step = rec.unit, _MONTHS[rec.unit]
        items: list[_Item] = []
        for year in range(first, last + 1):
            for number in range(1, _PER_YEAR[unit] + 1):
                nominal = month_end(year, number * step)
                if since <= nominal <= horizon:
                    period = Period(unit, year, number)
                    items.append((nominal, period.label, period.key, False, False))
        return items
    return [item for year in range(first, last + 1) for item in _year_items(rec, year) if since <= item[0] <= horizon]


def _year_items(rec: Recurrence, year: int) -> list[_Item]:
    if rec.unit is _U_YEAR and rec.more_anchors:
        periods = [a.period(year) for a in rec.anchors]
        return [(p.last, p.label, p.key, False, a.before) for a, p in zip(rec.anchors, periods, strict=True)]
    return [_occurrence(rec, year, number) for number in range(1, _PER_YEAR[rec.unit] + 1)]


def _occurrence(rec: Recurrence, year: int, number: int) -> _Item:
    back = rec.anchor is not None and rec.anchor.before
    if rec.unit is _U_YEAR:
        due_year = year - rec.lead_years
        if rec.anchor is not None:
            period = rec.anchor.period(due_year)
            nominal, label = period.last, period.label
        else:
            nominal, label = date(due_year, 12, 31), f"Năm {due_year}"
        if rec.lead_years:
            return nominal, f"Kế hoạch năm {year}", f"plan-{year}", False, back
        return nominal, label, str(year), False, back
    if rec.unit is _U_MONTH and rec.anchor is not None:
        # "Ngày 15 hằng tháng": that day of each month (the month's last day when it is shorter).
        last = month_end(year, number)
        day = min(rec.anchor.day, last.day)
        period = Period(_U_DAY, year, number, day)
        if rec.anchor.before:
            period = period.previous()
        return period.last, period.label, f"{year}-{number:02d}", False, back
    period = Period(rec.unit, year, number)
    return period.last, period.label, period.key, False, False


def expand(rule: DeadlineRule, *, start: date, horizon: date, calendar: WorkingCalendar) -> list[Due]:
    """The due items of ``rule`` (see the module docstring). ``start`` is the plan's issue date, ``horizon``
    the plan horizon; both bound open-ended recurrences only."""
    items: list[_Item]
    if rule.override is not None:
        items = [
            (d, Period.of_day(d).label, d.isoformat(), False, False)
            for d in override_dates(rule.override, start=start, horizon=horizon)
        ]
    elif rule.kind is _K_ONE_OFF:
        items = [(p.last, p.label, p.key, False, p.before) for p in rule.periods]
    elif rule.kind is _K_RANGE and rule.window is not None:
        items = _window_items(rule.window)
    elif rule.kind is _K_RECURRING and rule.recurrence is not None:
        items = _recurring_items(rule.recurrence, start, horizon)
    else:
        return []
    items.sort(key=_NOMINAL)
    out: list[Due] = []
    effective = calendar.effective
    previous: date | None = None
    for nominal, label, key, final, back in items:
        if previous is not None and nominal <= previous:
            continue  # keep nominal dates strictly increasing (cannot happen for parsed rules)
        previous = nominal
        if back and not calendar.is_working_day(nominal):
            # The phrase set a limit ("trước …"): never past it — the previous working day instead.
            out.append(Due(nominal, calendar.previous_working_day(nominal), label, key, final, rolled_back=True))
        else:
            out.append(Due(nominal, effective(nominal), label, key, final))
    return out


def last_due(rule: DeadlineRule, *, start: date, horizon: date, calendar: WorkingCalendar) -> Due | None:
    """The last due item of the rule's dated part (None when it has none)."""
    items = expand(rule, start=start, horizon=horizon, calendar=calendar)
    return items[-1] if items else None
