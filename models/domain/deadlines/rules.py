"""Typed deadline rules: what a deadline phrase *means*, before any calendar is applied.

What lives here:

* :class:`Kind` — the six rule kinds, whose string values are a public interface (JSON, database):
  ``one_off``, ``recurring``, ``range``, ``ongoing``, ``external``, ``unrecognized``.
* :class:`Unit` and :class:`Period` — a named calendar period ("Tháng 7/2025", "Quý I/2025", "Năm 2025", a
  day). A deadline named by a period ends on the period's **last day** at 24:00 Asia/Ho_Chi_Minh (Civil Code
  2015, art. 146–148): "Tháng 7/2025" → 31/07/2025, "Quý I/2025" → 31/03/2025, "Năm 2025" → 31/12/2025,
  "6 tháng đầu năm 2025" → 30/06/2025. Each period has a Vietnamese label and a stable machine key.
* :class:`Window` (a phase such as "2025 - 2026"), :class:`Recurrence` ("Hằng năm", "Tháng 11 của năm trước"),
  :class:`DeadlineOverride` (an officer's date(s) or RRULE) and :class:`DeadlineRule`, the parsed result.
* :class:`Due` — one expanded due item (nominal and effective dates, label, period key) — and
  :class:`Reminder`.

Everything is an immutable dataclass: rules are values, safe to cache and to share between threads.
"""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    """The kind of a deadline rule (values are stored and printed: never rename them)."""

    ONE_OFF = "one_off"  # one or a few fixed dates
    RECURRING = "recurring"  # repeats (yearly, quarterly, ...), bounded by the plan horizon
    RANGE = "range"  # a window or phase, with yearly milestones and a final due date
    ONGOING = "ongoing"  # "Thường xuyên": no due date; periodic progress reports instead
    EXTERNAL = "external"  # event-driven or set by someone else: an officer must set the date
    UNRECOGNIZED = "unrecognized"  # not understood: never guessed, an officer must read it


class Unit(StrEnum):
    """Granularity of a :class:`Period`."""

    DAY = "day"
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"


# Enum members read through their class (Unit.YEAR) cost many times a global lookup on Python 3.11: the
# hot paths use these aliases.
_U_DAY, _U_MONTH, _U_QUARTER, _U_HALF, _U_YEAR = Unit.DAY, Unit.MONTH, Unit.QUARTER, Unit.HALF, Unit.YEAR
_K_UNRECOGNIZED = Kind.UNRECOGNIZED

ROMAN = ("I", "II", "III", "IV")
_REPORT_VI = {"monthly": "hằng tháng", "quarterly": "hằng quý", "six_month": "6 tháng", "annual": "hằng năm"}


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def month_length(year: int, month: int) -> int:
    """Days in ``month`` of ``year`` (what ``calendar.monthrange(year, month)[1]`` gives, without its weekday)."""
    if month == 2:
        return 29 if _cal.isleap(year) else 28
    if not 1 <= month <= 12:
        raise _cal.IllegalMonthError(month)
    return _MONTH_DAYS[month]


def month_end(year: int, month: int) -> date:
    """Last day of ``month`` in ``year``."""
    return date(year, month, month_length(year, month))


@dataclass(frozen=True, slots=True)
class Period:
    """A named calendar period.

    ``number`` is the month (1–12) for MONTH and DAY, the quarter (1–4) for QUARTER, the half (1–2) for
    HALF and 1 for YEAR; ``day`` is the day of the month for DAY only.
    """

    unit: Unit
    year: int
    number: int = 1
    day: int = 0
    # "Trước …" (strictly before): the phrase sets a limit, so a day off rolls *back* to the previous working
    # day instead of forward past the limit. Not part of the period's identity (equality, hash, key).
    before: bool = field(default=False, compare=False)

    @property
    def first(self) -> date:
        """First day of the period."""
        if self.unit is _U_DAY:
            return date(self.year, self.number, self.day)
        if self.unit is _U_MONTH:
            return date(self.year, self.number, 1)
        if self.unit is _U_QUARTER:
            return date(self.year, 3 * self.number - 2, 1)
        if self.unit is _U_HALF:
            return date(self.year, 6 * self.number - 5, 1)
        return date(self.year, 1, 1)

    @property
    def last(self) -> date:
        """Last day of the period: the nominal due date of a deadline named by it."""
        if self.unit is _U_DAY:
            return date(self.year, self.number, self.day)
        if self.unit is _U_MONTH:
            return month_end(self.year, self.number)
        if self.unit is _U_QUARTER:
            return month_end(self.year, 3 * self.number)
        if self.unit is _U_HALF:
            return month_end(self.year, 6 * self.number)
        return date(self.year, 12, 31)

    def previous(self) -> Period:
        """The period just before this one, same unit ("Trước tháng 7/2025" means by Tháng 6/2025)."""
        if self.unit is _U_DAY:
            return Period.of_day(self.first - timedelta(days=1))
        if self.unit is _U_YEAR:
            return Period(_U_YEAR, self.year - 1)
        per_year = {_U_MONTH: 12, _U_QUARTER: 4, _U_HALF: 2}[self.unit]
        if self.number > 1:
            return Period(self.unit, self.year, self.number - 1)
        return Period(self.unit, self.year - 1, per_year)

    @staticmethod
    def of_day(d: date) -> Period:
        """The DAY period of ``d``."""
        return Period(_U_DAY, d.year, d.month, d.day)

    @property
    def key(self) -> str:
        """Stable machine key: "2025-07-31", "2025-07", "2025-Q1", "2025-H1", "2025"."""
        if self.unit is _U_DAY:
            return self.first.isoformat()
        if self.unit is _U_MONTH:
            return f"{self.year}-{self.number:02d}"
        if self.unit is _U_QUARTER:
            return f"{self.year}-Q{self.number}"
        if self.unit is _U_HALF:
            return f"{self.year}-H{self.number}"
        return str(self.year)

    @property
    def label(self) -> str:
        """Vietnamese label, as officers write it: "Tháng 7/2025", "Quý I/2025", "Năm 2025"…"""
        if self.unit is _U_DAY:
            return f"Ngày {self.day:02d}/{self.number:02d}/{self.year}"
        if self.unit is _U_MONTH:
            return f"Tháng {self.number}/{self.year}"
        if self.unit is _U_QUARTER:
            return f"Quý {ROMAN[self.number - 1]}/{self.year}"
        if self.unit is _U_HALF:
            return f"6 tháng {'đầu' if self.number == 1 else 'cuối'} năm {self.year}"
        return f"Năm {self.year}"

    @property
    def label_en(self) -> str:
        """English label, for explanations."""
        if self.unit is _U_DAY:
            return self.first.isoformat()
        if self.unit is _U_MONTH:
            return f"{_cal.month_name[self.number]} {self.year}"
        if self.unit is _U_QUARTER:
            return f"Q{self.number} {self.year}"
        if self.unit is _U_HALF:
            return f"{'first' if self.number == 1 else 'second'} half of {self.year}"
        return f"year {self.year}"


@dataclass(frozen=True, slots=True)
class Window:
    """A window or phase ("2025 - 2026", "Quý III/2026 - Quý I/2027"): from ``start`` to ``end`` inclusive.

    Expansion gives one *milestone* on 31/12 of each year that ends inside the window before its end, then
    the *final* due date, the end's last day (see :func:`models.domain.deadlines.expand.expand`).
    """

    start: Period
    end: Period


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where a yearly recurrence falls inside its year: a month, a quarter or a day (``unit`` MONTH,
    QUARTER or DAY; ``number`` month or quarter; ``day`` for DAY). ``before`` means "trước …": the
    deadline is the end of the period just before (a day earlier for a DAY anchor)."""

    unit: Unit
    number: int
    day: int = 0
    before: bool = False

    def period(self, year: int) -> Period:
        """The anchor's period in ``year`` (after applying ``before``)."""
        p = Period(self.unit, year, self.number, self.day)
        return p.previous() if self.before else p


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A repeating deadline.

    ``unit`` is the frequency (YEAR, HALF, QUARTER, MONTH); a yearly rule may carry an ``anchor`` inside the
    year ("Tháng 6 hằng năm"). ``lead_years`` = 1 for "… của năm trước": the work *for* year Y is due in year
    Y−1. ``first_year``/``last_year`` bound the years the work is for ("Năm 2025 và những năm tiếp theo" →
    first_year 2025); unbounded rules run from the plan's issue date to the plan horizon.
    """

    unit: Unit
    anchor: Anchor | None = None
    lead_years: int = 0
    first_year: int | None = None
    last_year: int | None = None
    # More yearly anchors ("Tháng 6 và tháng 12 hằng năm": anchor month 6, more_anchors (month 12,)).
    more_anchors: tuple[Anchor, ...] = ()

    @property
    def anchors(self) -> tuple[Anchor, ...]:
        """Every anchor of a yearly rule, in the order written (empty when there is none)."""
        return ((self.anchor,) if self.anchor is not None else ()) + self.more_anchors


@dataclass(frozen=True, slots=True)
class DeadlineOverride:
    """An officer's override of a task's deadline (``config/policy.yaml`` → ``deadline_overrides``).

    Exactly one of ``dates`` (one or several dates) or ``rrule`` (RFC 5545 text for python-dateutil's
    ``rrulestr``; DTSTART optional — the plan's issue date is used — and bounded by the plan horizon).
    """

    dates: tuple[date, ...] = ()
    rrule: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    """A parsed deadline phrase (or an officer's override of it).

    ``text`` is the original phrase in NFC, always kept visible. Per kind:

    * ``one_off``: ``periods`` (one or more, increasing);
    * ``range``: ``window``;
    * ``recurring``: ``recurrence``, or ``override.rrule`` for an overridden rule;
    * ``ongoing``: nothing — periodic progress reports follow the reporting policy;
    * ``external``: ``needs_officer`` is True and ``reason`` says why (event-driven, set by a ministry…);
    * ``unrecognized``: ``needs_officer`` is True and ``reason``/``reason_vi`` say what was not understood.

    ``then_ongoing`` marks a compound "dated part + ongoing tail" ("Hoàn thành trong năm 2026 và rà soát,
    cập nhật trong các năm tiếp theo"): progress reports continue after the dated part's last due date.

    Optional parts of a sentence, all empty by default (older rules compare and serialise as before):

    * ``note`` — what the phrase says besides its dates, in NFC as written ("Thực hiện rà soát, điều chỉnh
      (nếu có)", "báo cáo sơ kết"): kept and shown, never dropped;
    * ``reports`` — report kinds the phrase asks for besides the policy's (``"quarterly"`` for "định kỳ hằng
      quý báo cáo …"; names of :data:`models.domain.deadlines.policy.REPORT_KINDS`); ``report_to`` — the
      body the reports go to, as written ("Sở Tài chính");
    * ``ongoing_from`` / ``ongoing_until`` — the bounds of an ongoing task ("Triển khai từ năm 2026" →
      from 01/01/2026; "Liên tục đến năm 2030" → until 31/12/2030).
    """

    text: str
    kind: Kind
    periods: tuple[Period, ...] = ()
    window: Window | None = None
    recurrence: Recurrence | None = None
    then_ongoing: bool = False
    needs_officer: bool = False
    reason: str = ""
    reason_vi: str = ""
    source: str = "phrase"  # "phrase" or "override"
    overridden: bool = False
    override: DeadlineOverride | None = None
    original: DeadlineRule | None = field(default=None, compare=False, repr=False)
    note: str = ""
    reports: tuple[str, ...] = ()
    report_to: str = ""
    ongoing_from: date | None = None
    ongoing_until: date | None = None

    @property
    def follow_up(self) -> str:
        """The parts of the phrase besides its dates, in Vietnamese, for a task's note ("" when none):
        the report recipient and frequency first, then the kept note."""
        parts = []
        if self.reports or self.report_to:
            freq = ", ".join(_REPORT_VI[k] for k in self.reports)
            text = "báo cáo" + (f" {freq}" if freq else "") + (f" về {self.report_to}" if self.report_to else "")
            parts.append(text)
        if self.ongoing_from is not None:
            parts.append(f"thực hiện từ {self.ongoing_from.strftime('%d/%m/%Y')}")
        if self.ongoing_until is not None:
            parts.append(f"thực hiện đến {self.ongoing_until.strftime('%d/%m/%Y')}")
        if self.then_ongoing:
            parts.append("sau đó thực hiện thường xuyên")
        if self.note:
            parts.append(f"ghi chú: {self.note}")
        return "; ".join(parts)

    @property
    def recognized(self) -> bool:
        """False only for ``unrecognized`` rules."""
        return self.kind is not _K_UNRECOGNIZED

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready summary of the rule (no dates: see ``expand``)."""
        out: dict[str, Any] = {"text": self.text, "kind": self.kind.value}
        if self.reason:
            out["reason"] = self.reason
            out["reason_vi"] = self.reason_vi
        out["needs_officer"] = self.needs_officer
        out["then_ongoing"] = self.then_ongoing
        out["source"] = self.source
        out["overridden"] = self.overridden
        # Optional parts appear only when the phrase has them (older consumers see the same keys).
        if self.note:
            out["note"] = self.note
        if self.reports:
            out["reports"] = list(self.reports)
        if self.report_to:
            out["report_to"] = self.report_to
        if self.ongoing_from is not None:
            out["ongoing_from"] = self.ongoing_from.isoformat()
        if self.ongoing_until is not None:
            out["ongoing_until"] = self.ongoing_until.isoformat()
        return out


@dataclass(frozen=True, slots=True)
class Due:
    """One expanded due item.

    ``nominal`` is the date the phrase names; ``effective`` is the day the time limit really ends (moved past
    weekends and public holidays, Civil Code art. 148(5)). ``period_key`` is stable across runs and unique
    within one rule's expansion: the cycles engine keys a reporting cycle on (task, agency, period_key).
    """

    nominal: date
    effective: date
    label: str
    period_key: str
    is_final: bool = False
    # True when the nominal date is a day off and the phrase set a limit ("Trước ngày 30/11/2025"): the
    # effective date is then the previous working day, not the next one.
    rolled_back: bool = False

    def as_json(self) -> dict[str, Any]:
        """JSON-ready dict (ISO dates); ``rolled_back`` only when true."""
        out: dict[str, Any] = {
            "nominal": self.nominal.isoformat(),
            "effective": self.effective.isoformat(),
            "label": self.label,
            "period_key": self.period_key,
            "is_final": self.is_final,
        }
        if self.rolled_back:
            out["rolled_back"] = True
        return out


@dataclass(frozen=True, slots=True, order=True)
class Reminder:
    """A reminder on ``date``; ``step`` is a stable name ("open", "before_7", "due", "overdue_1",
    "escalation", …) the notifier and the cycles engine use to send each step once."""

    date: date
    step: str

    def as_json(self) -> dict[str, str]:
        """JSON-ready dict."""
        return {"date": self.date.isoformat(), "step": self.step}
