"""The charts' numbers (``models.domain.charts``) and where their marks go (``models.domain.chart_layout``),
on a small constructed plan: two agencies, seven cycles, three tasks — exact counts, no database."""

from dataclasses import replace
from datetime import date, timedelta

from models.domain.chart_layout import SMALL_SIZE, WIDTH, Rect, Text, layout, number, wrap
from models.domain.charts import (
    COLORS,
    FOUR,
    State,
    answers_weekly,
    completion_by_agency,
    completion_by_section,
    cycles_by_section,
    name_key,
    on_time_monthly,
    overall,
    overdue_ageing,
)
from models.domain.report_states import CycleFacts, Report, Row

TODAY = date(2025, 10, 15)  # a Wednesday
JULY = date(2025, 7, 31)
BASE = CycleFacts(
    cycle_id=0, subject="task:1", task_id=1, indicator_id=None, agency_id=1, agency_name="Sở A", role="lead",
    kind="deadline", period_key="p", label="Tháng 7/2025", status="open", opens_on=JULY - timedelta(days=30),
    due_nominal=JULY, due_effective=JULY, due_extended=None,
)  # fmt: skip


def cycle(n: int, **kw: object) -> CycleFacts:
    return replace(BASE, cycle_id=n, **kw)  # type: ignore[arg-type]


def oct_(day: int) -> date:
    return date(2025, 10, day)


FACTS = [
    cycle(1, status="accepted", answered_on=JULY, answer_status="done", answers=1),  # done on time
    cycle(2, subject="task:2", status="accepted", answered_on=date(2025, 8, 4), answer_status="done", answers=1),
    cycle(3, subject="task:3", opens_on=oct_(31), due_effective=date(2025, 11, 30)),  # not opened yet
    cycle(4, agency_id=2, agency_name="Sở B", status="overdue"),  # 76 days overdue
    cycle(5, agency_id=2, agency_name="Sở B", subject="task:2", status="answered", opens_on=oct_(1),
          due_effective=oct_(10), answered_on=oct_(9)),  # awaiting review, 5 days past due: not done, overdue
    cycle(6, agency_id=2, agency_name="Sở B", subject="task:3", opens_on=date(2025, 9, 20), due_effective=oct_(20)),
    cycle(7, agency_id=2, agency_name="Sở B", subject="indicator:1", indicator_id=1, task_id=None, status="overdue",
          opens_on=date(2025, 5, 31), due_effective=date(2025, 6, 30)),  # 107 days overdue
]  # fmt: skip


def values(chart, state: State) -> list[float | None]:  # type: ignore[no-untyped-def]
    return list(next(s for s in chart.series if s.label.startswith(state_label(state))).values)


def state_label(state: State) -> str:
    from models.domain.report_states import STATE_TEXT

    return STATE_TEXT[state]


def row(section: str, state: State, days: int = 0) -> Row:
    return Row(
        "task", 1, "1", section, f"Mục {section}", "Việc", "Sở A", "", "", "", state.value, "", days_overdue=days
    )


def test_by_section_counts_tasks_in_four_states_and_says_what_it_leaves_out() -> None:
    rows = [
        row("I", State.done_on_time),
        row("I", State.awaiting_review, days=3),  # not decided, past due: chưa hoàn thành – quá hạn
        row("I", State.not_yet),
        row("II", State.extension_requested),  # asked before its due date: in time
        row("III", State.no_cycle),
    ]
    chart = completion_by_section([Report("25/KH-UBND", "", "2025-10-15", tasks=rows)])
    assert chart.categories == ("I. Mục I", "II. Mục II")  # a section with nothing to count has no bar
    assert [s.label for s in chart.series] == [state_label(s) for s in FOUR]
    assert values(chart, State.done_on_time) == [1, 0] and values(chart, State.overdue) == [1, 0]
    assert values(chart, State.in_time) == [0, 1] and chart.totals() == [2, 1]
    assert chart.unit == "nhiệm vụ" and "Không tính 2 nhiệm vụ" in chart.note
    two = completion_by_section([Report("1/KH", "", "", tasks=rows[:1]), Report("2/KH", "", "", tasks=rows[3:4])])
    assert two.categories == ("1/KH · I. Mục I", "2/KH · II. Mục II")


def test_by_agency_counts_opened_cycles_most_overdue_first() -> None:
    chart = completion_by_agency(FACTS, TODAY)
    assert chart.categories == ("Sở B", "Sở A") and chart.share  # drawn as shares of each bar
    assert values(chart, State.overdue) == [3, 0] and values(chart, State.in_time) == [1, 0]
    assert values(chart, State.done_on_time) == [0, 1] and values(chart, State.done_late) == [0, 1]
    assert chart.totals() == [4, 2]  # Sở A's cycle 3 opens on 31/10: not counted yet
    assert completion_by_agency(FACTS, TODAY, by_name=True).categories == ("Sở A", "Sở B")
    many = [cycle(n, agency_id=n, agency_name=f"Cơ quan {n:02}") for n in range(30)]
    grouped = completion_by_agency(many, TODAY, shown=20)
    assert len(grouped.categories) == 21 and grouped.categories[-1] == "Các cơ quan khác (10)"
    assert grouped.totals()[-1] == 10


def test_cycles_by_section_for_one_agency() -> None:
    sections = {"task:1": "I. Mục I", "task:2": "I. Mục I", "task:3": "II. Mục II", "indicator:1": "Chỉ tiêu — Kinh tế"}
    chart = cycles_by_section([f for f in FACTS if f.agency_id == 2], sections, TODAY)
    assert chart.categories == ("I. Mục I", "II. Mục II", "Chỉ tiêu — Kinh tế")
    assert values(chart, State.overdue) == [2, 0, 1] and values(chart, State.in_time) == [0, 1, 0]


def test_overdue_ageing() -> None:
    chart = overdue_ageing(FACTS, TODAY)
    assert chart.categories == ("0–30 ngày", "31–90 ngày", "Trên 90 ngày")
    assert chart.totals() == [1, 1, 1]  # cycle 5 (5 days), cycle 4 (76), cycle 7 (107)
    assert overdue_ageing(FACTS[:3], JULY).empty  # on the due day itself nothing is overdue


def test_answers_per_week_from_monday() -> None:
    days = [oct_(13), oct_(14), oct_(6), oct_(5), date(2025, 7, 1)]
    chart = answers_weekly(days, TODAY)
    assert len(chart.categories) == 13 and chart.categories[-1] == "13/10" and chart.categories[0] == "21/07"
    assert chart.totals()[-3:] == [1, 1, 2]  # 05/10 is a Sunday: the week of 29/09; 01/07 is before the window
    assert sum(chart.totals()) == 5 - 1 and not chart.horizontal
    assert chart.details[-1] == "tuần từ 13/10/2025"


def test_on_time_rate_per_month() -> None:
    chart = on_time_monthly(FACTS, TODAY)
    assert chart.categories[0] == "11/2024" and chart.categories[-1] == "10/2025" and chart.percent
    by_month = dict(zip(chart.categories, chart.series[0].values, strict=True))
    assert by_month["06/2025"] == 0.0  # cycle 7, not done
    assert by_month["07/2025"] == 33.3  # cycles 1 (on time), 2 (late), 4 (overdue)
    assert by_month["10/2025"] == 0.0  # cycle 5 due 10/10; cycle 6 due 20/10 is not due yet
    assert by_month["08/2025"] is None and not chart.empty
    assert dict(zip(chart.categories, chart.details, strict=True))["07/2025"] == "1/3 kỳ đến hạn"


def test_vietnamese_order_of_names() -> None:
    names = ["Ủy ban", "Đài Phát thanh", "Sở Y tế", "Công an", "Ban Dân tộc", "Dịch vụ"]
    assert sorted(names, key=name_key) == ["Ban Dân tộc", "Công an", "Dịch vụ", "Đài Phát thanh", "Sở Y tế", "Ủy ban"]


def test_layout_of_bars_puts_names_above_and_wraps_long_ones() -> None:
    long = "Ban Quản lý các Khu công nghiệp Thái Nguyên và các đơn vị sự nghiệp trực thuộc Ủy ban nhân dân tỉnh"
    chart = completion_by_agency([*FACTS, cycle(9, agency_id=3, agency_name=long)], TODAY)
    d = layout(chart)
    bars = [m for m in d.marks if isinstance(m, Rect) and ": " in m.title]
    assert len(bars) == 2 + 2 + 1  # Sở B: overdue, in time; Sở A: on time, late; the long one: in time
    assert all(m.x + m.w <= WIDTH for m in bars)
    # Shares: every agency's bar ends at the same place.
    ends = {round(max(m.x + m.w for m in bars if m.title.startswith(name)), 3) for name in ("Sở A", "Sở B")}
    assert len(ends) == 1
    texts = [m.text for m in d.marks if isinstance(m, Text)]
    assert "Sở B" in texts and any(t.endswith("…") for t in texts)  # wrapped on two lines, then cut
    assert min(m.size for m in d.marks if isinstance(m, Text)) >= SMALL_SIZE  # ≥ 11.7 px at 360 px
    legend = [m for m in d.marks if isinstance(m, Rect) and ": " not in m.title]
    assert [m.fill for m in legend] == [COLORS[s] for s in FOUR]
    assert "Sở B: 4 kỳ báo cáo (chưa hoàn thành – trong hạn 1, chưa hoàn thành – quá hạn 3)." in d.desc


def test_layout_of_columns_thins_labels_and_keeps_the_latest() -> None:
    chart = answers_weekly([oct_(13)] * 3, TODAY)
    d = layout(chart)
    shown = [m.text for m in d.marks if isinstance(m, Text) and m.text in chart.categories]
    assert shown[-1] == "13/10" and 1 < len(shown) < 13
    columns = [m for m in d.marks if isinstance(m, Rect)]
    assert len(columns) == 13 + 1  # one per week (empty weeks too), and the legend's swatch
    tallest = max(columns[1:], key=lambda m: m.h)
    assert tallest.title == "13/10: 3 báo cáo (tuần từ 13/10/2025)"


def test_words_and_numbers() -> None:
    assert wrap("một hai ba bốn năm", 10, 50) == ["một hai", "ba bốn", "năm"]
    assert len(wrap("x " * 200, 10, 50, max_lines=2)) == 2
    assert number(33.3, percent=True) == "33,3%" and number(4.0) == "4"


def test_overall_is_one_compact_bar_of_the_sections() -> None:
    rows = [row("I", State.done_on_time), row("I", State.overdue, 4), *[row("II", State.in_time)] * 2]
    whole = overall(completion_by_section([Report("25/KH-UBND", "", "2025-10-15", tasks=rows)]))
    assert whole.name == "overall" and whole.categories == ("Tổng thể",) and whole.compact
    assert [s.values for s in whole.series] == [(1.0,), (0.0,), (2.0,), (1.0,)]
    assert whole.title == "Tổng thể: 4 nhiệm vụ theo tình trạng"
    d = layout(whole)
    texts = [m.text for m in d.marks if isinstance(m, Text)]
    assert whole.title not in texts and "Tổng thể" not in texts  # said by the SVG's <title>, not drawn
    assert d.height < 130  # legend and one bar: it fits under the counts on the first screen
