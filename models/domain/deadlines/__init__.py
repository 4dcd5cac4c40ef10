"""Deadline rules: read Vietnamese deadline phrases, compute nominal and effective due dates, reminders.

A pure domain package (no database, no Prefect, no network). Where things live:

* :mod:`.rules` — the typed values: :class:`Kind`, :class:`Period`, :class:`DeadlineRule`, :class:`Due`,
  :class:`Reminder`; what a period-named deadline means (its last day, 24:00 Asia/Ho_Chi_Minh).
* :mod:`.phrases` — :func:`parse_deadline`: phrase → rule; every form understood is listed there.
* :mod:`.grammar` — the forms themselves (periods, windows, recurrences, compounds), on the comparison form.
* :mod:`.sentences` — cells written as sentences, lines and clauses: notes, report recipients, phases.
* :mod:`.calendar` — :class:`WorkingCalendar` (Vietnamese public holidays, substitute days, configured extra
  holidays and working days) and :func:`end_of_day`; the *effective* date (Civil Code art. 148(5)).
* :mod:`.expand` — :func:`expand`: rule → due items; milestones of windows; recurrences to the horizon.
* :mod:`.policy` — :class:`ReportingPolicy`, :func:`reminder_schedule`, :func:`periodic_reports`,
  :func:`progress_reports` (Decree 09/2019/NĐ-CP cut-offs).
* :mod:`.override` — officer overrides (dates or RRULE): :func:`apply_override`.
* :mod:`.explain` — :func:`explain_vi`, :func:`explain_en`.

Typical use by the cycles engine::

    cal = WorkingCalendar(extra_holidays=..., extra_working_days=...)
    rule = parse_deadline(task.deadline_text)
    if (o := overrides.get(task.number)) is not None:
        rule = apply_override(rule, o)
    for due in expand(rule, start=plan.issued_on, horizon=policy_horizon, calendar=cal):
        key = due.period_key            # cycle identity: (task, agency, period_key)
        reminders = reminder_schedule(due, role="lead", policy=policy, calendar=cal, until=today)
    reports = progress_reports(rule, start=plan.issued_on, horizon=..., policy=policy, calendar=cal)
"""

from .calendar import TZ, WorkingCalendar, end_of_day
from .expand import expand, last_due
from .explain import explain_en, explain_vi
from .override import apply_override, override_dates, validate_override
from .phrases import MAX_PHRASE_CHARS, normalize_phrase, parse_deadline
from .policy import (
    REPORT_KINDS,
    ROLES,
    ReportingPolicy,
    internal_deadline,
    periodic_reports,
    progress_reports,
    reminder_schedule,
)
from .rules import (
    Anchor,
    DeadlineOverride,
    DeadlineRule,
    Due,
    Kind,
    Period,
    Recurrence,
    Reminder,
    Unit,
    Window,
)

__all__ = [
    "MAX_PHRASE_CHARS",
    "REPORT_KINDS",
    "ROLES",
    "TZ",
    "Anchor",
    "DeadlineOverride",
    "DeadlineRule",
    "Due",
    "Kind",
    "Period",
    "Recurrence",
    "Reminder",
    "ReportingPolicy",
    "Unit",
    "Window",
    "WorkingCalendar",
    "apply_override",
    "end_of_day",
    "expand",
    "explain_en",
    "explain_vi",
    "internal_deadline",
    "last_due",
    "normalize_phrase",
    "override_dates",
    "parse_deadline",
    "periodic_reports",
    "progress_reports",
    "reminder_schedule",
    "validate_override",
]
