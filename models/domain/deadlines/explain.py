"""A rule in words, in Vietnamese (for officers and agencies) and English (for the team and logs).

The sentences describe the rule only; the dates themselves come from ``expand``.
"""

from __future__ import annotations

from .rules import Anchor, DeadlineRule, Kind, Recurrence, Unit

_FREQ_VI = {
    Unit.YEAR: "hằng năm",
    Unit.HALF: "6 tháng một lần",
    Unit.QUARTER: "hằng quý",
    Unit.MONTH: "hằng tháng",
}
_FREQ_EN = {
    Unit.YEAR: "every year",
    Unit.HALF: "every six months",
    Unit.QUARTER: "every quarter",
    Unit.MONTH: "every month",
}
_TAIL_VI = "; sau đó thực hiện thường xuyên, báo cáo tiến độ định kỳ"
_TAIL_EN = "; then ongoing, with periodic progress reports"
_REPORT_EN = {"monthly": "monthly", "quarterly": "quarterly", "six_month": "six-monthly", "annual": "annual"}
_BACK_VI = " Hạn «trước …» gặp ngày nghỉ thì tính về ngày làm việc liền trước (không vượt quá giới hạn của cụm từ)."
_BACK_EN = " A 'before …' limit that falls on a day off rolls back to the previous working day (never past the limit)."


def _has_limit(rule: DeadlineRule) -> bool:
    """Whether a due date of the rule is a limit set by "trước …" (rolled back, not forward)."""
    if any(p.before for p in rule.periods) or (rule.window is not None and rule.window.end.before):
        return True
    return rule.recurrence is not None and any(a.before for a in rule.recurrence.anchors)


def _extras_vi(rule: DeadlineRule) -> str:
    """Report recipient, ongoing bounds and note, in Vietnamese ("" when none)."""
    out = ""
    if rule.ongoing_from is not None:
        out += f" Bắt đầu từ ngày {rule.ongoing_from.strftime('%d/%m/%Y')}."
    if rule.ongoing_until is not None:
        out += f" Thực hiện đến hết ngày {rule.ongoing_until.strftime('%d/%m/%Y')}."
    if rule.reports or rule.report_to:
        freq = ", ".join(_FREQ_VI[u] for u in _units(rule.reports))
        out += " Báo cáo" + (f" {freq}" if freq else "") + (f" về {rule.report_to}" if rule.report_to else "") + "."
    if rule.note:
        out += f" Ghi chú (giữ nguyên): «{rule.note}»."
    return out


def _extras_en(rule: DeadlineRule) -> str:
    out = ""
    if rule.ongoing_from is not None:
        out += f" From {rule.ongoing_from.isoformat()}."
    if rule.ongoing_until is not None:
        out += f" Until {rule.ongoing_until.isoformat()}."
    if rule.reports or rule.report_to:
        freq = ", ".join(_REPORT_EN[k] for k in rule.reports)
        out += " Reports" + (f" ({freq})" if freq else "") + (f" to {rule.report_to}" if rule.report_to else "") + "."
    if rule.note:
        out += f" Note (kept as written): {rule.note!r}."
    return out


_UNIT_OF_REPORT = {"monthly": Unit.MONTH, "quarterly": Unit.QUARTER, "six_month": Unit.HALF, "annual": Unit.YEAR}


def _units(kinds: tuple[str, ...]) -> list[Unit]:
    return [_UNIT_OF_REPORT[k] for k in kinds if k in _UNIT_OF_REPORT]


def _anchor_vi(a: Anchor) -> str:
    prefix = "trước " if a.before else ""
    if a.unit is Unit.MONTH:
        return f"{prefix}tháng {a.number}"
    if a.unit is Unit.QUARTER:
        return f"{prefix}quý {('I', 'II', 'III', 'IV')[a.number - 1]}"
    if a.number:
        return f"{prefix}ngày {a.day:02d}/{a.number:02d}"
    return f"{prefix}ngày {a.day}"


def _anchor_en(a: Anchor) -> str:
    prefix = "before " if a.before else "by the end of "
    if a.unit is Unit.MONTH:
        return f"{prefix}month {a.number}"
    if a.unit is Unit.QUARTER:
        return f"{prefix}Q{a.number}"
    if a.number:
        return f"{'before' if a.before else 'on'} {a.day:02d}/{a.number:02d}"
    return f"{'before' if a.before else 'on'} day {a.day}"


def _recurrence_vi(rec: Recurrence) -> str:
    text = f"Lặp lại {_FREQ_VI[rec.unit]}"
    if rec.anchor is not None:
        text += f", hạn {' và '.join(_anchor_vi(a) for a in rec.anchors)}"
        if rec.lead_years:
            text += " của năm trước năm thực hiện (việc của năm Y hạn trong năm Y−1)"
    else:
        text += ", hạn là ngày cuối của mỗi kỳ"
    if rec.first_year is not None:
        text += f", từ năm {rec.first_year}"
    if rec.last_year is not None:
        text += f", đến năm {rec.last_year}"
    return text + ", trong thời hạn của Kế hoạch"


def _recurrence_en(rec: Recurrence) -> str:
    text = f"Repeats {_FREQ_EN[rec.unit]}"
    if rec.anchor is not None:
        text += f", due {' and '.join(_anchor_en(a) for a in rec.anchors)}"
        if rec.lead_years:
            text += " of the year before (the work for year Y is due in year Y−1)"
    else:
        text += ", due on the last day of each period"
    if rec.first_year is not None:
        text += f", from {rec.first_year}"
    if rec.last_year is not None:
        text += f", until {rec.last_year}"
    return text + ", within the plan horizon"


_NEXT_VI = " Gặp ngày nghỉ thì lùi sang ngày làm việc kế tiếp."
_NEXT_EN = " A day off moves it to the next working day."


def explain_vi(rule: DeadlineRule) -> str:
    """The rule in Vietnamese: its meaning, then the report recipient, bounds and note when the phrase has
    them, and how a "trước …" limit on a day off is handled."""
    body = _body_vi(rule)
    if rule.overridden:
        return body
    if _has_limit(rule):
        all_limits = rule.kind is not Kind.ONE_OFF or all(p.before for p in rule.periods)
        body = (body.replace(_NEXT_VI, "") if all_limits else body) + _BACK_VI
    return body + _extras_vi(rule)


def explain_en(rule: DeadlineRule) -> str:
    """The rule in English (same parts as :func:`explain_vi`)."""
    body = _body_en(rule)
    if rule.overridden:
        return body
    if _has_limit(rule):
        all_limits = rule.kind is not Kind.ONE_OFF or all(p.before for p in rule.periods)
        body = (body.replace(_NEXT_EN, "") if all_limits else body) + _BACK_EN
    return body + _extras_en(rule)


def _body_vi(rule: DeadlineRule) -> str:
    if rule.overridden and rule.override is not None:
        o = rule.override
        what = (
            "các ngày " + ", ".join(d.strftime("%d/%m/%Y") for d in o.dates)
            if o.dates
            else f"lịch lặp RRULE «{' '.join(o.rrule.split())}»"
        )
        return f"Thời hạn do cán bộ đặt (ghi đè): {what}. Cụm từ gốc: «{rule.text}»."
    tail = _TAIL_VI if rule.then_ongoing else ""
    if rule.kind is Kind.ONE_OFF:
        parts = [f"{p.label} (hạn ngày {p.last.strftime('%d/%m/%Y')})" for p in rule.periods]
        return f"Hạn một lần: {'; '.join(parts)}{tail}.{_NEXT_VI}"
    if rule.kind is Kind.RANGE and rule.window is not None:
        w = rule.window
        return (
            f"Giai đoạn từ {w.start.label} đến {w.end.label}: mốc kiểm điểm 31/12 mỗi năm, "
            f"hạn cuối ngày {w.end.last.strftime('%d/%m/%Y')}{tail}."
        )
    if rule.kind is Kind.RECURRING and rule.recurrence is not None:
        return _recurrence_vi(rule.recurrence) + "."
    if rule.kind is Kind.ONGOING:
        return "Nhiệm vụ thường xuyên: không có hạn hoàn thành; báo cáo tiến độ định kỳ theo quy định báo cáo."
    if rule.kind is Kind.EXTERNAL:
        return f"Thời hạn phụ thuộc sự việc hoặc cơ quan khác ({rule.reason_vi}): cần cán bộ đặt ngày."
    return f"Không đọc được thời hạn: {rule.reason_vi}. Cần cán bộ xem và đặt ngày."


def _body_en(rule: DeadlineRule) -> str:
    if rule.overridden and rule.override is not None:
        o = rule.override
        what = (
            "dates " + ", ".join(d.isoformat() for d in o.dates) if o.dates else f"RRULE {' '.join(o.rrule.split())!r}"
        )
        return f"Deadline set by an officer (override): {what}. Original phrase: {rule.text!r}."
    tail = _TAIL_EN if rule.then_ongoing else ""
    if rule.kind is Kind.ONE_OFF:
        parts = [f"{p.label_en} (due {p.last.isoformat()})" for p in rule.periods]
        return f"One-off: {'; '.join(parts)}{tail}.{_NEXT_EN}"
    if rule.kind is Kind.RANGE and rule.window is not None:
        w = rule.window
        return (
            f"Window from {w.start.label_en} to {w.end.label_en}: a milestone every 31 December, "
            f"final due {w.end.last.isoformat()}{tail}."
        )
    if rule.kind is Kind.RECURRING and rule.recurrence is not None:
        return _recurrence_en(rule.recurrence) + "."
    if rule.kind is Kind.ONGOING:
        return "Ongoing task: no completion date; periodic progress reports by the reporting policy."
    if rule.kind is Kind.EXTERNAL:
        return f"Depends on an event or another body ({rule.reason}): an officer must set the date."
    return f"Not understood: {rule.reason}. An officer must read it and set a date."
