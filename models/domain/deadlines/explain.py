"""A rule in words, in Vietnamese (for officers and agencies) and English (for the team and logs).

The sentences describe the rule only; the dates themselves come from ``expand``.
"""

from __future__ import annotations

from .rules import DeadlineRule, Kind, Recurrence, Unit

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


def _recurrence_vi(rec: Recurrence) -> str:
    text = f"Lặp lại {_FREQ_VI[rec.unit]}"
    if rec.anchor is not None:
        a = rec.anchor
        prefix = "trước " if a.before else ""
        if a.unit is Unit.MONTH:
            where = f"{prefix}tháng {a.number}"
        elif a.unit is Unit.QUARTER:
            where = f"{prefix}quý {('I', 'II', 'III', 'IV')[a.number - 1]}"
        elif a.number:
            where = f"{prefix}ngày {a.day:02d}/{a.number:02d}"
        else:
            where = f"{prefix}ngày {a.day}"
        text += f", hạn {where}"
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
        a = rec.anchor
        prefix = "before " if a.before else "by the end of "
        if a.unit is Unit.MONTH:
            where = f"{prefix}month {a.number}"
        elif a.unit is Unit.QUARTER:
            where = f"{prefix}Q{a.number}"
        elif a.number:
            where = f"{'before' if a.before else 'on'} {a.day:02d}/{a.number:02d}"
        else:
            where = f"{'before' if a.before else 'on'} day {a.day}"
        text += f", due {where}"
        if rec.lead_years:
            text += " of the year before (the work for year Y is due in year Y−1)"
    else:
        text += ", due on the last day of each period"
    if rec.first_year is not None:
        text += f", from {rec.first_year}"
    if rec.last_year is not None:
        text += f", until {rec.last_year}"
    return text + ", within the plan horizon"


def explain_vi(rule: DeadlineRule) -> str:
    """The rule in Vietnamese."""
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
        return f"Hạn một lần: {'; '.join(parts)}{tail}. Gặp ngày nghỉ thì lùi sang ngày làm việc kế tiếp."
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


def explain_en(rule: DeadlineRule) -> str:
    """The rule in English."""
    if rule.overridden and rule.override is not None:
        o = rule.override
        what = (
            "dates " + ", ".join(d.isoformat() for d in o.dates) if o.dates else f"RRULE {' '.join(o.rrule.split())!r}"
        )
        return f"Deadline set by an officer (override): {what}. Original phrase: {rule.text!r}."
    tail = _TAIL_EN if rule.then_ongoing else ""
    if rule.kind is Kind.ONE_OFF:
        parts = [f"{p.label_en} (due {p.last.isoformat()})" for p in rule.periods]
        return f"One-off: {'; '.join(parts)}{tail}. A day off moves it to the next working day."
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
