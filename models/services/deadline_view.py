"""How dondoc reads one deadline phrase, as data (``dondoc deadline explain``): the rule in Vietnamese and
English, the next due dates (nominal and effective), the reminders of the first one and the periodic
progress reports of an ongoing task. No database: the rules, the policy and the calendar only.

The view's field names are a public interface (``dondoc deadline explain --json``): add to them, never
rename.
"""

from datetime import date
from typing import Any

from models.domain.deadlines import (
    DeadlineRule,
    Due,
    Kind,
    ReportingPolicy,
    WorkingCalendar,
    expand,
    explain_en,
    explain_vi,
    parse_deadline,
    progress_reports,
    reminder_schedule,
)


def explain_phrase(
    text: str,
    *,
    start: date,
    count: int,
    role: str,
    policy: ReportingPolicy,
    calendar: WorkingCalendar,
    horizon: date,
) -> tuple[DeadlineRule, dict[str, Any]]:
    """The rule read from ``text`` (a plan issued on ``start``) and its JSON-ready explanation: at most
    ``count`` due dates and reports, the reminders of the first due date for a ``role`` agency."""
    rule = parse_deadline(text)
    due: list[Due] = expand(rule, start=start, horizon=horizon, calendar=calendar)
    if rule.kind is not Kind.RANGE:  # a window always shows all its milestones and its final date
        due = due[:count]
    reminders = reminder_schedule(due[0], role=role, policy=policy, calendar=calendar) if due else []
    reports = progress_reports(rule, start=start, horizon=horizon, policy=policy, calendar=calendar)[:count]
    out: dict[str, Any] = {
        "text": rule.text,
        "kind": rule.kind.value,
        "due": [d.as_json() for d in due],
        "reminders": [r.as_json() for r in reminders],
    }
    if rule.kind is Kind.UNRECOGNIZED:
        out["reason"] = rule.reason
        out["reason_vi"] = rule.reason_vi
    out["explain_vi"] = explain_vi(rule)
    out["explain_en"] = explain_en(rule)
    out["needs_officer"] = rule.needs_officer
    out["then_ongoing"] = rule.then_ongoing
    out["reports"] = [d.as_json() for d in reports]
    # Parts of a sentence besides its dates, only when the phrase has them ("reports" is taken above).
    extra = rule.as_json()
    for key in ("note", "report_to", "ongoing_from", "ongoing_until"):
        if key in extra:
            out[key] = extra[key]
    if rule.reports:
        out["report_kinds"] = list(rule.reports)
    return rule, out
