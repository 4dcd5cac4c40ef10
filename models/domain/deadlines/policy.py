"""The reporting policy and what follows from it: reminder schedules and periodic progress reports.

Defaults (also stated in ``config/policy.yaml``, which may change each of them):

* a reporting cycle **opens** ``open_days_before`` = 30 calendar days before its effective due date;
* **reminders** ``remind_before_working_days`` = 14, 7, 3 and 1 working days before it (steps
  ``before_14`` … ``before_1``), one **on the day** (``due``), then **overdue** reminders every
  ``overdue_every_days`` = 7 calendar days after it (``overdue_1``, ``overdue_2``, …; open-ended, so
  bounded by ``until`` or, without it, by ``overdue_max_reminders`` = 8), and an **escalation**
  ``escalate_after_days`` = 14 calendar days overdue, to the agency's head and the standing agency
  (``escalate_to``);
* an overdue reminder that would fall on the day of the previous one (after a long Tết break) or of the
  escalation is skipped; step numbers stay tied to the week after the deadline, so they never change;
* a reminder that falls on a day off moves to the **previous** working day when it comes before the
  deadline (``open``), to the **next** one when it comes after it (overdue, escalation) — working-day
  offsets always land on working days;
* **coordinating agencies** get an internal deadline ``coordinating_lead_working_days`` = 5 working days
  before the lead agency's effective due date; their reminders count from that internal deadline;
* **periodic reports** for ongoing tasks and indicators follow the cut-off windows of Decree 09/2019/NĐ-CP
  art. 12 (cut-off on the 14th: monthly every month, quarterly 14/03, 14/06, 14/09, 14/12, six-month 14/06 and
  14/12, annual 14/12). Default ``periodic_reports`` = six_month and annual. When two kinds share a cut-off
  (14/12) only the broader report is asked for: the annual report replaces the second six-month one.
  Submission is due ``report_submit_working_days`` = 5 working days after the cut-off (Decree 09 art. 8
  demands at least 1; fewer is refused).

Report keys: ``report-2025-H1``, ``report-2025`` (annual), ``report-2025-Q3``, ``report-2025-07``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from .calendar import WorkingCalendar
from .expand import last_due
from .rules import ROMAN, DeadlineRule, Due, Kind, Reminder

REPORT_KINDS = ("monthly", "quarterly", "six_month", "annual")
ROLES = ("lead", "coordinating")
# Order of steps falling on the same day, so that schedules are stable.
_STEP_ORDER = {"open": 0, "before": 1, "due": 2, "overdue": 3, "escalation": 4}


@dataclass(frozen=True, slots=True)
class ReportingPolicy:
    """How cycles open, when reminders go out and when periodic reports are due (see module docstring)."""

    open_days_before: int = 30
    remind_before_working_days: tuple[int, ...] = (14, 7, 3, 1)
    remind_on_due: bool = True
    overdue_every_days: int = 7
    overdue_max_reminders: int = 8
    escalate_after_days: int = 14
    escalate_to: tuple[str, ...] = ("agency_head", "standing_agency")
    coordinating_lead_working_days: int = 5
    periodic_reports: tuple[str, ...] = ("six_month", "annual")
    report_submit_working_days: int = 5

    def __post_init__(self) -> None:
        checks = {
            "open_days_before": self.open_days_before >= 0,
            "remind_before_working_days": all(n >= 1 for n in self.remind_before_working_days),
            "overdue_every_days": self.overdue_every_days >= 1,
            "overdue_max_reminders": self.overdue_max_reminders >= 0,
            "escalate_after_days": self.escalate_after_days >= 1,
            "coordinating_lead_working_days": self.coordinating_lead_working_days >= 0,
            "periodic_reports": all(k in REPORT_KINDS for k in self.periodic_reports),
            "report_submit_working_days": self.report_submit_working_days >= 1,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"invalid reporting policy value(s): {', '.join(bad)}")


def internal_deadline(due: Due, *, role: str = "lead", policy: ReportingPolicy, calendar: WorkingCalendar) -> date:
    """The deadline an agency works to: the effective due date for the lead agency, earlier by
    ``coordinating_lead_working_days`` working days for a coordinating agency."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, not {role!r}")
    if role == "lead":
        return due.effective
    return calendar.add_working_days(due.effective, -policy.coordinating_lead_working_days)


def reminder_schedule(
    due: Due,
    *,
    role: str = "lead",
    policy: ReportingPolicy,
    calendar: WorkingCalendar,
    until: date | None = None,
) -> list[Reminder]:
    """Reminders for one due item, sorted by date. Overdue reminders stop at ``until`` (inclusive) or,
    when it is None, after ``policy.overdue_max_reminders``; the escalation is kept when it falls on or
    before ``until`` (always when ``until`` is None)."""
    deadline = internal_deadline(due, role=role, policy=policy, calendar=calendar)
    out: list[Reminder] = [
        Reminder(
            calendar.previous_working_day(deadline - timedelta(days=policy.open_days_before), inclusive=True),
            "open",
        )
    ]
    for n in sorted(set(policy.remind_before_working_days), reverse=True):
        out.append(Reminder(calendar.add_working_days(deadline, -n), f"before_{n}"))
    if policy.remind_on_due:
        out.append(Reminder(deadline, "due"))
    escalation = calendar.next_working_day(deadline + timedelta(days=policy.escalate_after_days), inclusive=True)
    if until is None or escalation <= until:
        out.append(Reminder(escalation, "escalation"))
    else:
        escalation = None
    # overdue_k is always the k-th period after the deadline, so a step's name never changes between runs.
    # A step is skipped when it would land on the day of the previous one (a long holiday pushes two weeks
    # onto the same working day) or of the escalation, which already tells the agency it is late.
    k, last = 1, deadline
    while until is not None or k <= policy.overdue_max_reminders:
        d = calendar.next_working_day(deadline + timedelta(days=k * policy.overdue_every_days), inclusive=True)
        if until is not None and d > until:
            break
        if d > last and d != escalation:
            out.append(Reminder(d, f"overdue_{k}"))
            last = d
        k += 1
    out.sort(key=lambda r: (r.date, _STEP_ORDER[r.step.split("_")[0]], r.step))
    return out


def _cutoffs(year: int, kinds: tuple[str, ...]) -> list[tuple[date, str, str]]:
    """(cut-off, key, label) of the reports of ``year``, the broadest kind winning a shared cut-off."""
    by_month: dict[int, tuple[str, str]] = {}
    # Narrow kinds first, so that broader ones overwrite them on shared cut-offs.
    if "monthly" in kinds:
        for m in range(1, 13):
            by_month[m] = (f"report-{year}-{m:02d}", f"Báo cáo tháng {m}/{year}")
    if "quarterly" in kinds:
        for q in range(1, 5):
            by_month[3 * q] = (f"report-{year}-Q{q}", f"Báo cáo quý {ROMAN[q - 1]}/{year}")
    if "six_month" in kinds:
        by_month[6] = (f"report-{year}-H1", f"Báo cáo 6 tháng đầu năm {year}")
        by_month[12] = (f"report-{year}-H2", f"Báo cáo 6 tháng cuối năm {year}")
    if "annual" in kinds:
        by_month[12] = (f"report-{year}", f"Báo cáo năm {year}")
    return [(date(year, m, 14), key, label) for m, (key, label) in sorted(by_month.items())]


def periodic_reports(start: date, horizon: date, policy: ReportingPolicy, calendar: WorkingCalendar) -> list[Due]:
    """Periodic progress reports (Decree 09/2019 cut-offs) due between ``start`` and ``horizon``
    inclusive. Each report is due ``report_submit_working_days`` working days after its cut-off (a working
    day, so nominal = effective)."""
    out: list[Due] = []
    for year in range(start.year, horizon.year + 1):
        for cutoff, key, label in _cutoffs(year, policy.periodic_reports):
            nominal = calendar.add_working_days(cutoff, policy.report_submit_working_days)
            if start <= nominal <= horizon:
                out.append(Due(nominal, calendar.effective(nominal), label, key))
    return out


def progress_reports(
    rule: DeadlineRule, *, start: date, horizon: date, policy: ReportingPolicy, calendar: WorkingCalendar
) -> list[Due]:
    """Progress reports a task owes besides its due dates: all periodic reports from ``start`` for an
    ongoing task (within its ``ongoing_from`` / ``ongoing_until`` when the phrase bounds it); those after
    the dated part's last effective due date for a ``then_ongoing`` compound; none otherwise. Report kinds
    the phrase names ("định kỳ hằng quý báo cáo …" → quarterly) are asked for besides the policy's."""
    wanted = policy.periodic_reports + tuple(k for k in rule.reports if k not in policy.periodic_reports)
    if wanted != policy.periodic_reports:
        policy = replace(policy, periodic_reports=wanted)
    if rule.kind is Kind.ONGOING:
        lo = max(start, rule.ongoing_from) if rule.ongoing_from is not None else start
        hi = min(horizon, rule.ongoing_until) if rule.ongoing_until is not None else horizon
        return periodic_reports(lo, hi, policy, calendar)
    if rule.then_ongoing:
        last = last_due(rule, start=start, horizon=horizon, calendar=calendar)
        if last is not None:
            return periodic_reports(last.effective + timedelta(days=1), horizon, policy, calendar)
    return []
