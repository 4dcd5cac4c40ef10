"""The charts' numbers: what the officers' pages, the PNG export and the workbook draw, as pure data.

A :class:`Chart` is categories (the bars or columns) and series (the coloured parts of each bar); a
:class:`ChartSet` is the six charts of one scope — a plan, every plan, or one agency:

- ``overall``: one bar, the same states summed (drawn compact, without a title line: the overview's first
  screen shows it under the counts);
- ``by-section``: completion by section of the plan, stacked in the four states of the Government
  Office's reports (*hoàn thành đúng hạn*, *hoàn thành quá hạn*, *chưa hoàn thành – trong hạn*, *chưa
  hoàn thành – quá hạn*) — the plan's tasks (the rows of Phụ lục II), or an agency's cycles;
- ``by-agency``: the same four states over each agency's cycles opened so far (as the overview's table);
- ``ageing``: how long the cycles not done are overdue (0–30, 31–90, over 90 days);
- ``answers-weekly``: answers received per week (weeks from Monday);
- ``on-time-monthly``: of the cycles due in a month, the share done on time.

An answer awaiting review, or asking for an extension, is not done yet: it counts as *chưa hoàn thành*,
in time or overdue by its due date (:func:`four_state`). Tasks not yet due for a report and those without
a cycle are left out, and each chart's note says how many.
"""

import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from models.domain.report_states import STATE_TEXT, CycleFacts, Report, State, cycle_state, days_overdue

# The four states of the Government Office's reports, in the order their bars are stacked.
FOUR = (State.done_on_time, State.done_late, State.in_time, State.overdue)
COLORS = {
    State.done_on_time: "#2e7d32",
    State.done_late: "#f2b705",
    State.in_time: "#1f6fb2",
    State.overdue: "#c62828",
}
AGEING = (("0–30 ngày", 0, 30), ("31–90 ngày", 31, 90), ("Trên 90 ngày", 91, None))
NAMES = ("overall", "by-section", "by-agency", "ageing", "answers-weekly", "on-time-monthly")
WEEKS = 13  # a quarter of weekly columns
MONTHS = 12
AGENCIES_SHOWN = 12  # the rest in one bar: the overview stays a few screens tall (the workbook lists all)


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float | None, ...]  # one per category; None: nothing to measure (a month with no cycle due)
    color: str  # "#rrggbb"


@dataclass(frozen=True)
class Chart:
    name: str  # one of NAMES: the file name of its SVG and PNG
    title: str
    unit: str  # what a value counts: "nhiệm vụ", "kỳ báo cáo", "báo cáo", "%"
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    horizontal: bool  # bars across (long names: sections, agencies), else columns (time)
    note: str = ""  # what it counts and what it leaves out
    details: tuple[str, ...] = ()  # per category, said with its value ("18 kỳ đến hạn")
    share: bool = False  # each bar as its parts' shares (full width), its total written after it
    compact: bool = False  # legend and bars only: no title line, no category names, no note (one bar)

    @property
    def percent(self) -> bool:
        return self.unit == "%"

    def totals(self) -> list[float]:
        return [sum(s.values[i] or 0 for s in self.series) for i in range(len(self.categories))]

    @property
    def empty(self) -> bool:
        if self.percent:  # 0% is a measure; a month with no cycle due is not
            return all(v is None for s in self.series for v in s.values)
        return not any(self.totals())


@dataclass
class ChartSet:
    """The charts of one scope, by name (in the order of :data:`NAMES`)."""

    scope: str  # "Kế hoạch 25/KH-UBND", "Tất cả kế hoạch", "… — Sở Tài chính"
    today: date
    plan: str | None  # the ``?plan=`` that gives this set back ("all" for every plan)
    agency: str | None  # the ``?agency=`` (an agency code)
    charts: dict[str, Chart] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Chart]:
        return iter(self.charts.values())

    def __getitem__(self, name: str) -> Chart:
        return self.charts[name]


def name_key(name: str) -> str:
    """Vietnamese alphabetical order, near enough: base letters first (Ấ with A), Đ after D."""
    base = unicodedata.normalize("NFD", name.replace("Đ", "D\uffff").replace("đ", "d\uffff"))
    return "".join(c for c in base if not unicodedata.combining(c)).casefold()


def four_state(state: State, overdue_days: int) -> State | None:
    """The state among :data:`FOUR` (None: not due for a report yet, or nothing to report)."""
    if state in (State.awaiting_review, State.extension_requested):
        return State.overdue if overdue_days > 0 else State.in_time
    return state if state in FOUR else None


def cycle_four(f: CycleFacts, today: date) -> tuple[State | None, int]:
    """A cycle's state among the four, and its days overdue."""
    state = cycle_state(f, today)
    late = days_overdue(f, state, today)
    return four_state(state, late), late


def _opened_by(facts: Iterable[CycleFacts], today: date, key: Callable[[CycleFacts], str]) -> dict[str, Counter[State]]:
    """The cycles opened by ``today``, grouped by ``key``, counted in the four states."""
    groups: dict[str, Counter[State]] = {}
    for f in facts:
        if f.opens_on > today:
            continue
        state, _ = cycle_four(f, today)
        if state is not None:
            groups.setdefault(key(f), Counter())[state] += 1
    return groups


def _stacked(
    name: str, title: str, unit: str, groups: dict[str, Counter[State]], note: str, *, share: bool = False
) -> Chart:
    series = tuple(Series(STATE_TEXT[s], tuple(float(groups[c][s]) for c in groups), COLORS[s]) for s in FOUR)
    return Chart(name, title, unit, tuple(groups), series, horizontal=True, note=note, share=share)


def _left_out(n: int, what: str) -> str:
    return f"Không tính {n} {what} chưa đến kỳ báo cáo hoặc chưa có kỳ báo cáo." if n else ""


def completion_by_section(reports: list[Report]) -> Chart:
    """The tasks of each section in the four states (several plans: each section named with its plan)."""
    groups: dict[str, Counter[State]] = {}
    left = 0
    for report in reports:
        prefix = f"{report.plan} · " if len(reports) > 1 else ""
        for row in report.tasks:
            key = f"{prefix}{row.section}. {row.section_title}" if row.section_title else f"{prefix}{row.section}"
            counts = groups.setdefault(key, Counter())
            state = four_state(State(row.state), row.days_overdue)
            if state is None:
                left += 1
            else:
                counts[state] += 1
    groups = {k: v for k, v in groups.items() if v}
    return _stacked(
        "by-section",
        "Tình hình thực hiện nhiệm vụ theo mục của Kế hoạch",
        "nhiệm vụ",
        groups,
        _left_out(left, "nhiệm vụ"),
    )


def overall(by_section: Chart) -> Chart:
    """The by-section chart summed into one bar: what the whole plan (or agency) stands at."""
    series = tuple(replace(s, values=(float(sum(v or 0 for v in s.values)),)) for s in by_section.series)
    total = int(sum(s.values[0] or 0 for s in series))
    title = f"Tổng thể: {total} {by_section.unit} theo tình trạng"
    return Chart("overall", title, by_section.unit, ("Tổng thể",), series, True, by_section.note, compact=True)


def cycles_by_section(facts: Iterable[CycleFacts], section_of: dict[str, str], today: date) -> Chart:
    """An agency's opened cycles by section of the plan (``section_of``: subject "task:12" → section name)."""
    order: dict[str, int] = {}
    for name in section_of.values():
        order.setdefault(name, len(order))
    groups = _opened_by(facts, today, lambda f: section_of.get(f.subject, "Khác"))
    groups = dict(sorted(groups.items(), key=lambda kv: order.get(kv[0], len(order))))
    return _stacked(
        "by-section",
        "Tình hình thực hiện theo mục của Kế hoạch",
        "kỳ báo cáo",
        groups,
        "Các kỳ báo cáo đã mở của cơ quan (nhiệm vụ và chỉ tiêu).",
    )


def completion_by_agency(
    facts: Iterable[CycleFacts], today: date, shown: int | None = AGENCIES_SHOWN, *, by_name: bool = False
) -> Chart:
    """Each agency's cycles opened by ``today`` in the four states, the most overdue first (``by_name``: in
    the order of their names, as the workbook's table); past ``shown`` agencies the rest are one bar."""
    groups = _opened_by(facts, today, lambda f: f.agency_name)
    if by_name:
        ordered = sorted(groups.items(), key=lambda kv: name_key(kv[0]))
    else:
        ordered = sorted(groups.items(), key=lambda kv: (-kv[1][State.overdue], -sum(kv[1].values()), kv[0]))
    note = (
        "Các kỳ báo cáo đã mở của từng cơ quan (chủ trì, phối hợp, theo dõi); mỗi thanh chia theo tỷ lệ, số cuối"
        " thanh là tổng số kỳ; cơ quan có nhiều kỳ quá hạn trước."
    )
    if shown is not None and len(ordered) > shown:
        rest: Counter[State] = Counter()
        for _, counts in ordered[shown:]:
            rest.update(counts)
        ordered = [*ordered[:shown], (f"Các cơ quan khác ({len(ordered) - shown})", rest)]
    # Shares, not counts: agencies owe from a few cycles to fifty, and the summed bar of the others would
    # squeeze every other bar to a sliver.
    return _stacked("by-agency", "Tình hình thực hiện theo cơ quan", "kỳ báo cáo", dict(ordered), note, share=True)


def overdue_ageing(facts: Iterable[CycleFacts], today: date) -> Chart:
    """The opened cycles not done past their due date, by how many days they are overdue."""
    counts = [0] * len(AGEING)
    for f in facts:
        state, late = cycle_four(f, today)
        if state != State.overdue:
            continue
        for i, (_, low, high) in enumerate(AGEING):
            if late >= low and (high is None or late <= high):
                counts[i] += 1
    series = (Series(STATE_TEXT[State.overdue], tuple(float(n) for n in counts), COLORS[State.overdue]),)
    return Chart(
        "ageing",
        "Số ngày quá hạn của các kỳ báo cáo chưa hoàn thành",
        "kỳ báo cáo",
        tuple(label for label, _, _ in AGEING),
        series,
        horizontal=True,
        note="Kỳ báo cáo đã quá hạn mà chưa hoàn thành (kể cả đã báo cáo, chờ xem xét), theo số ngày quá hạn.",
    )


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def answers_weekly(answer_days: Iterable[date], today: date, weeks: int = WEEKS) -> Chart:
    """Answers received in each of the last ``weeks`` weeks (Monday to Sunday, the current one last)."""
    last = week_start(today)
    starts = [last - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    counts = Counter(week_start(d) for d in answer_days if starts[0] <= d <= today)
    return Chart(
        "answers-weekly",
        f"Số báo cáo nhận được theo tuần ({weeks} tuần gần nhất)",
        "báo cáo",
        tuple(f"{s:%d/%m}" for s in starts),
        (Series("Báo cáo nhận được", tuple(float(counts[s]) for s in starts), "#1f6fb2"),),
        horizontal=False,
        note="Mỗi cột là một tuần, ghi ngày thứ Hai đầu tuần; mọi lần báo cáo đều được tính, kể cả báo cáo bổ sung.",
        details=tuple(f"tuần từ {s:%d/%m/%Y}" for s in starts),
    )


def _month_back(day: date, n: int) -> date:
    index = day.year * 12 + day.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def on_time_monthly(facts: Iterable[CycleFacts], today: date, months: int = MONTHS) -> Chart:
    """For each of the last ``months`` months: of the cycles due in it (by ``today``), the share done on
    time. A month with no cycle due has no column."""
    firsts = [_month_back(today, n) for n in range(months - 1, -1, -1)]
    due: Counter[date] = Counter()
    on_time: Counter[date] = Counter()
    for f in facts:
        if f.due > today or f.due < firsts[0]:
            continue
        month = f.due.replace(day=1)
        due[month] += 1
        state, _ = cycle_four(f, today)
        on_time[month] += state == State.done_on_time
    values = tuple(round(100 * on_time[m] / due[m], 1) if due[m] else None for m in firsts)
    return Chart(
        "on-time-monthly",
        f"Tỷ lệ kỳ báo cáo hoàn thành đúng hạn theo tháng ({months} tháng gần nhất)",
        "%",
        tuple(f"{m:%m/%Y}" for m in firsts),
        (Series(STATE_TEXT[State.done_on_time], values, COLORS[State.done_on_time]),),
        horizontal=False,
        note="Trong các kỳ báo cáo đến hạn của tháng (đến hôm nay), tỷ lệ đã hoàn thành đúng hạn.",
        details=tuple(f"{on_time[m]}/{due[m]} kỳ đến hạn" if due[m] else "không có kỳ đến hạn" for m in firsts),
    )
