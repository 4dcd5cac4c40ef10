"""Deadline cells written as sentences (issue 10, point 7): every part accounted for — the dated part gives
the due dates, what follows is kept as a note, a report recipient or an ongoing follow-up — and what is not
understood stays flagged, never guessed. Plan issued 24/01/2025, horizon 2030.

Also: a "trước …" limit on a day off rolls back to the previous working day (never past the limit)."""

from datetime import date

import pytest

from models.domain.deadlines import (
    Kind,
    ReportingPolicy,
    Unit,
    WorkingCalendar,
    expand,
    explain_en,
    explain_vi,
    parse_deadline,
    progress_reports,
)
from models.services.deadline_view import explain_phrase

ISSUED = date(2025, 1, 24)
HORIZON = date(2030, 12, 31)
CAL = WorkingCalendar()
POLICY = ReportingPolicy()


def dues(phrase: str, n: int | None = None) -> list[tuple[str, str]]:
    """(nominal, effective) of the phrase's first ``n`` due items."""
    items = expand(parse_deadline(phrase), start=ISSUED, horizon=HORIZON, calendar=CAL)
    return [(d.nominal.isoformat(), d.effective.isoformat()) for d in items[:n]]


def same(*days: str) -> list[tuple[str, str]]:
    """Due items whose effective date is the nominal one."""
    return [(d, d) for d in days]


# --------------------------------------------------------------------------------------------------------
# Each phrase of point 7, pinned: kind, first due items (nominal, effective) and the parts kept.


def test_sentence_with_a_follow_up_keeps_it_as_a_note() -> None:
    rule = parse_deadline("Ban hành trong quý I năm 2026. Thực hiện rà soát, điều chỉnh (nếu có)")
    assert rule.kind is Kind.ONE_OFF and not rule.needs_officer
    assert dues(rule.text) == same("2026-03-31")
    assert rule.note == "Thực hiện rà soát, điều chỉnh (nếu có)"
    assert rule.then_ongoing  # "rà soát" continues after the due date, as in the "… và rà soát" compounds
    assert "Thực hiện rà soát, điều chỉnh (nếu có)" in explain_vi(rule)
    assert "rà soát" in rule.follow_up


def test_date_after_the_object() -> None:
    rule = parse_deadline("Hoàn thành việc đầu tư hạ tầng số của tỉnh trong năm 2026")
    assert rule.kind is Kind.ONE_OFF
    assert dues(rule.text) == same("2026-12-31")
    assert rule.note == "Hoàn thành việc đầu tư hạ tầng số của tỉnh"


def test_bullet_list_of_phases_is_one_window() -> None:
    rule = parse_deadline("- Giai đoạn 1: năm 2025\n- Giai đoạn 2: năm 2026-2027")
    assert rule.kind is Kind.RANGE and rule.window is not None
    assert (rule.window.start.year, rule.window.end.year) == (2025, 2027)
    assert rule.text == "- Giai đoạn 1: năm 2025\n- Giai đoạn 2: năm 2026-2027"  # the lines are kept
    assert dues(rule.text) == same("2025-12-31", "2026-12-31", "2027-12-31")  # phase 1's end is a milestone
    items = expand(rule, start=ISSUED, horizon=HORIZON, calendar=CAL)
    assert [d.is_final for d in items] == [False, False, True]


def test_phase_label_is_never_read_as_a_month() -> None:
    # "Giai đoạn 2: năm 2026" is not "Tháng 2/2026".
    assert dues("Giai đoạn 2: năm 2026") == same("2026-12-31")
    assert parse_deadline("2 năm 2026").kind is Kind.UNRECOGNIZED


def test_start_without_end_is_ongoing_from_that_start() -> None:
    rule = parse_deadline("Triển khai từ năm 2026")
    assert rule.kind is Kind.ONGOING and not rule.needs_officer
    assert rule.ongoing_from == date(2026, 1, 1) and rule.ongoing_until is None
    reports = progress_reports(rule, start=ISSUED, horizon=HORIZON, policy=POLICY, calendar=CAL)
    assert reports and reports[0].nominal >= date(2026, 1, 1)
    assert reports[0].period_key == "report-2026-H1"
    assert parse_deadline("Từ năm 2025").ongoing_from == date(2025, 1, 1)


def test_separate_plan_is_external() -> None:
    rule = parse_deadline("Theo kế hoạch riêng")
    assert rule.kind is Kind.EXTERNAL and rule.needs_officer and "separate plan" in rule.reason


def test_ongoing_with_quarterly_reports_to_an_agency() -> None:
    rule = parse_deadline("Thường xuyên, định kỳ hằng quý báo cáo về Sở Tài chính")
    assert rule.kind is Kind.ONGOING
    assert rule.reports == ("quarterly",)
    assert rule.report_to == "Sở Tài chính"
    assert rule.note == "định kỳ hằng quý báo cáo về Sở Tài chính"
    reports = progress_reports(rule, start=ISSUED, horizon=date(2025, 12, 31), policy=POLICY, calendar=CAL)
    # Quarterly on top of the policy's six-month and annual reports (the broader one wins a shared cut-off).
    assert [r.period_key for r in reports] == ["report-2025-Q1", "report-2025-H1", "report-2025-Q3", "report-2025"]
    assert "Sở Tài chính" in explain_vi(rule) and "quarterly" in explain_en(rule)
    assert rule.follow_up.startswith("báo cáo hằng quý về Sở Tài chính")
    # The plain phrase still has the policy's reports only.
    plain = progress_reports(
        parse_deadline("Thường xuyên"), start=ISSUED, horizon=date(2025, 12, 31), policy=POLICY, calendar=CAL
    )
    assert [r.period_key for r in plain] == ["report-2025-H1", "report-2025"]


def test_two_months_every_year() -> None:
    rule = parse_deadline("Tháng 6 và tháng 12 hằng năm")
    assert rule.kind is Kind.RECURRING and rule.recurrence is not None
    assert [a.number for a in rule.recurrence.anchors] == [6, 12]
    items = expand(rule, start=ISSUED, horizon=HORIZON, calendar=CAL)
    assert [(d.nominal.isoformat(), d.period_key) for d in items[:4]] == [
        ("2025-06-30", "2025-06"),
        ("2025-12-31", "2025-12"),
        ("2026-06-30", "2026-06"),
        ("2026-12-31", "2026-12"),
    ]
    assert len(items) == 12
    assert "tháng 6 và tháng 12" in explain_vi(rule)


def test_two_quarters_sharing_a_year() -> None:
    rule = parse_deadline("Quý I và Quý III/2026")
    assert rule.kind is Kind.ONE_OFF
    assert dues(rule.text) == same("2026-03-31", "2026-09-30")


def test_yearly_with_the_day_in_parentheses() -> None:
    rule = parse_deadline("Hằng năm (trước ngày 15/12)")
    assert rule.kind is Kind.RECURRING
    # 14/12/2025 is a Sunday: the "trước" limit rolls back to Friday 12/12.
    assert dues(rule.text, 2) == [("2025-12-14", "2025-12-12"), ("2026-12-14", "2026-12-14")]
    assert len(dues(rule.text)) == 6


def test_continuously_until_a_year() -> None:
    rule = parse_deadline("Liên tục đến năm 2030")
    assert rule.kind is Kind.ONGOING and rule.ongoing_until == date(2030, 12, 31)
    far = progress_reports(rule, start=ISSUED, horizon=date(2035, 12, 31), policy=POLICY, calendar=CAL)
    assert far[-1].nominal <= date(2030, 12, 31)


def test_window_and_the_following_years() -> None:
    rule = parse_deadline("2025 - 2026 và những năm tiếp theo")
    assert rule.kind is Kind.RANGE and rule.then_ongoing
    assert dues(rule.text) == same("2025-12-31", "2026-12-31")
    reports = progress_reports(rule, start=ISSUED, horizon=HORIZON, policy=POLICY, calendar=CAL)
    assert reports[0].period_key == "report-2027-H1"  # ongoing after the window's final date


# --------------------------------------------------------------------------------------------------------
# "Trước …" on a day off: roll back, never past the limit; say so.


def test_before_a_date_on_a_day_off_rolls_back() -> None:
    rule = parse_deadline("Trước ngày 30/11/2025")
    (due,) = expand(rule, start=ISSUED, horizon=HORIZON, calendar=CAL)
    # Strictly before 30/11 (Sunday) is 29/11 (Saturday): the previous working day is Friday 28/11.
    assert (due.nominal, due.effective, due.rolled_back) == (date(2025, 11, 29), date(2025, 11, 28), True)
    assert due.as_json()["rolled_back"] is True
    assert "ngày làm việc liền trước" in explain_vi(rule)
    assert "rolls back" in explain_en(rule)
    assert "lùi sang ngày làm việc kế tiếp" not in explain_vi(rule)


def test_roll_back_over_a_public_holiday() -> None:
    # Strictly before 03/09/2025 is 02/09 (National Day; 01/09 too): back to Friday 29/08.
    assert dues("Trước ngày 03/09/2025") == [("2025-09-02", "2025-08-29")]


def test_only_limits_roll_back() -> None:
    # "Chậm nhất" names the last day itself: a day off moves it forward (Civil Code art. 148(5)), as before.
    (due,) = expand(parse_deadline("Chậm nhất ngày 30/11/2025"), start=ISSUED, horizon=HORIZON, calendar=CAL)
    assert (due.effective, due.rolled_back) == (date(2025, 12, 1), False)
    assert "rolled_back" not in due.as_json()
    assert dues("Tháng 11/2025") == [("2025-11-30", "2025-12-01")]
    # A limit that falls on a working day stays where it is.
    assert dues("Trước ngày 15/12/2027") == same("2027-12-14")


def test_explain_view_shows_the_roll_back_and_the_parts() -> None:
    kw = {"start": ISSUED, "count": 3, "role": "lead", "policy": POLICY, "calendar": CAL, "horizon": HORIZON}
    _, view = explain_phrase("Trước ngày 30/11/2025", **kw)
    assert view["due"][0]["rolled_back"] is True and view["due"][0]["effective"] == "2025-11-28"
    assert "ngày làm việc liền trước" in view["explain_vi"]
    _, view = explain_phrase("Thường xuyên, định kỳ hằng quý báo cáo về Sở Tài chính", **kw)
    assert view["report_to"] == "Sở Tài chính" and view["report_kinds"] == ["quarterly"]
    assert view["note"] == "định kỳ hằng quý báo cáo về Sở Tài chính"
    assert view["reports"][0]["period_key"] == "report-2025-Q1"


# --------------------------------------------------------------------------------------------------------
# A table of real-looking phrases: read (kind and first nominal due dates, the note when one is kept) or
# flagged for an officer (with a reason). "—" as dates: a kind with no due date of its own.

READ: list[tuple[str, Kind, list[str]]] = [
    # dates and periods in their many spellings
    ("Trước ngày 31/12/2025", Kind.ONE_OFF, ["2025-12-30"]),
    ("Trong tháng 3/2026", Kind.ONE_OFF, ["2026-03-31"]),
    ("6 tháng đầu năm 2026", Kind.ONE_OFF, ["2026-06-30"]),
    ("30/6/2025", Kind.ONE_OFF, ["2025-06-30"]),
    ("30-6-2025", Kind.ONE_OFF, ["2025-06-30"]),
    ("ngày 30 tháng 6 năm 2025", Kind.ONE_OFF, ["2025-06-30"]),
    ("quý 1/2026", Kind.ONE_OFF, ["2026-03-31"]),
    ("Q1/2026", Kind.ONE_OFF, ["2026-03-31"]),
    ("Quý 2 năm 2026", Kind.ONE_OFF, ["2026-06-30"]),
    ("Trong Quý I/2026", Kind.ONE_OFF, ["2026-03-31"]),
    ("Hoàn thành trong Quý II/2025", Kind.ONE_OFF, ["2025-06-30"]),
    ("Tháng 02 năm 2026", Kind.ONE_OFF, ["2026-02-28"]),
    ("Đến năm 2030", Kind.ONE_OFF, ["2030-12-31"]),
    ("Cuối năm 2025", Kind.ONE_OFF, ["2025-12-31"]),
    ("Giữa năm 2026", Kind.ONE_OFF, ["2026-06-30"]),
    ("Chậm nhất ngày 30/6/2026", Kind.ONE_OFF, ["2026-06-30"]),
    ("Trước 30/6/2026", Kind.ONE_OFF, ["2026-06-29"]),
    ("Trước ngày 15 tháng 11 năm 2025", Kind.ONE_OFF, ["2025-11-14"]),
    ("Hoàn thành trước ngày 30/11/2025", Kind.ONE_OFF, ["2025-11-29"]),
    ("Dự kiến tháng 9/2025", Kind.ONE_OFF, ["2025-09-30"]),
    ("Thang 7/2025", Kind.ONE_OFF, ["2025-07-31"]),  # typed without diacritics: unambiguous
    # several dates, ellipsis of the year
    ("Năm 2025 và năm 2026", Kind.ONE_OFF, ["2025-12-31", "2026-12-31"]),
    ("Năm 2025 và Quý I/2026", Kind.ONE_OFF, ["2025-12-31", "2026-03-31"]),
    ("Quý I và Quý III/2026", Kind.ONE_OFF, ["2026-03-31", "2026-09-30"]),
    (
        "Tháng 3, tháng 6, tháng 9 và tháng 12/2026",
        Kind.ONE_OFF,
        ["2026-03-31", "2026-06-30", "2026-09-30", "2026-12-31"],
    ),
    ("Tháng 6 và 12/2026", Kind.ONE_OFF, ["2026-06-30", "2026-12-31"]),
    ("Năm 2025 (hoàn thành trước ngày 30/11/2025)", Kind.ONE_OFF, ["2025-11-29"]),
    # windows and phases
    ("Giai đoạn 2026-2030", Kind.RANGE, ["2026-12-31", "2027-12-31", "2028-12-31", "2029-12-31", "2030-12-31"]),
    ("2025-2030", Kind.RANGE, [f"{y}-12-31" for y in range(2025, 2031)]),
    ("Từ năm 2025 đến năm 2030", Kind.RANGE, [f"{y}-12-31" for y in range(2025, 2031)]),
    ("Quý I/2026 - Quý II/2026", Kind.RANGE, ["2026-06-30"]),
    ("Tháng 6/2025 - tháng 12/2025", Kind.RANGE, ["2025-12-31"]),
    ("Năm 2027 - 2028", Kind.RANGE, ["2027-12-31", "2028-12-31"]),
    ("Giai đoạn 1: 2025; giai đoạn 2: 2026-2030", Kind.RANGE, [f"{y}-12-31" for y in range(2025, 2031)]),
    (
        "- Giai đoạn 1: Năm 2025\n- Giai đoạn 2: Năm 2026 - 2027\n- Giai đoạn 3: 2028 - 2030",
        Kind.RANGE,
        [f"{y}-12-31" for y in range(2025, 2031)],
    ),
    ("Năm 2025 - 2026; duy trì thường xuyên các năm tiếp theo", Kind.RANGE, ["2025-12-31", "2026-12-31"]),
    ("Giai đoạn 2025 - 2030, hằng năm báo cáo kết quả", Kind.RANGE, [f"{y}-12-31" for y in range(2025, 2031)]),
    # recurrences
    ("Quý IV hằng năm", Kind.RECURRING, [f"{y}-12-31" for y in range(2025, 2031)]),
    ("Định kỳ 6 tháng, hằng năm", Kind.RECURRING, ["2025-06-30", "2025-12-31", "2026-06-30"]),
    ("Năm 2025 và các năm tiếp theo", Kind.RECURRING, [f"{y}-12-31" for y in range(2025, 2031)]),
    ("Trước 15/12 hằng năm", Kind.RECURRING, [f"{y}-12-14" for y in range(2025, 2031)]),
    ("Hằng năm, giai đoạn 2026 - 2030", Kind.RECURRING, [f"{y}-12-31" for y in range(2026, 2031)]),
    ("hàng năm", Kind.RECURRING, [f"{y}-12-31" for y in range(2025, 2031)]),
    ("Hang nam", Kind.RECURRING, [f"{y}-12-31" for y in range(2025, 2031)]),
    ("Tháng 12 hằng năm", Kind.RECURRING, [f"{y}-12-31" for y in range(2025, 2031)]),
    ("Trước ngày 20 tháng 12 hằng năm", Kind.RECURRING, [f"{y}-12-19" for y in range(2025, 2031)]),
    ("Tháng 6 và tháng 12 hằng năm", Kind.RECURRING, ["2025-06-30", "2025-12-31", "2026-06-30"]),
    ("Quý I và quý III hằng năm", Kind.RECURRING, ["2025-03-31", "2025-09-30", "2026-03-31"]),
    ("Hằng năm (trước ngày 15/12)", Kind.RECURRING, [f"{y}-12-14" for y in range(2025, 2031)]),
    ("Hằng năm, báo cáo trước ngày 15/12", Kind.RECURRING, [f"{y}-12-14" for y in range(2025, 2031)]),
    ("Định kỳ hằng quý báo cáo về Sở Tài chính", Kind.RECURRING, ["2025-03-31", "2025-06-30", "2025-09-30"]),
    ("Hằng quý, báo cáo UBND tỉnh", Kind.RECURRING, ["2025-03-31", "2025-06-30", "2025-09-30"]),
    ("Thực hiện hằng năm", Kind.RECURRING, [f"{y}-12-31" for y in range(2025, 2031)]),
    (
        "Thường xuyên; báo cáo kết quả về Sở Nội vụ trước ngày 15/12 hằng năm",
        Kind.RECURRING,
        [f"{y}-12-14" for y in range(2025, 2031)],
    ),
    # ongoing
    ("Thuong xuyen", Kind.ONGOING, []),
    ("Liên tục", Kind.ONGOING, []),
    ("Thường xuyên, liên tục", Kind.ONGOING, []),
    ("Thường xuyên hằng năm", Kind.ONGOING, []),
    ("Thường xuyên theo quy định", Kind.ONGOING, []),
    ("Thường xuyên trong giai đoạn 2026 - 2030", Kind.ONGOING, []),
    ("Thường xuyên, báo cáo định kỳ 6 tháng và hằng năm về Sở Kế hoạch và Đầu tư", Kind.ONGOING, []),
    ("Từ tháng 7/2025", Kind.ONGOING, []),
    ("Từ năm 2026 trở đi", Kind.ONGOING, []),
    # a dated part and what follows it
    ("Tháng 10/2025 (báo cáo sơ kết)", Kind.ONE_OFF, ["2025-10-31"]),
    ("Năm 2025. Báo cáo kết quả về UBND tỉnh", Kind.ONE_OFF, ["2025-12-31"]),
    ("Trình UBND tỉnh trong tháng 9/2025", Kind.ONE_OFF, ["2025-09-30"]),
    ("Tháng 9/2025 trình HĐND tỉnh", Kind.ONE_OFF, ["2025-09-30"]),
    ("Tháng 6/2026. Sơ kết, đánh giá kết quả thực hiện", Kind.ONE_OFF, ["2026-06-30"]),
    ("Quý III/2025; tổ chức triển khai từ Quý IV/2025", Kind.ONE_OFF, ["2025-09-30"]),
    ("Xây dựng cơ sở dữ liệu trong quý III/2025 và vận hành thường xuyên", Kind.ONE_OFF, ["2025-09-30"]),
    ("Năm 2026 và duy trì, vận hành thường xuyên", Kind.ONE_OFF, ["2026-12-31"]),
    ("Tháng 8/2025; cập nhật hằng năm", Kind.ONE_OFF, ["2025-08-31"]),
    ("Quý IV/2025 và các năm tiếp theo", Kind.ONE_OFF, ["2025-12-31"]),
    ("Hoàn thành việc đầu tư, nâng cấp hạ tầng trong năm 2026", Kind.ONE_OFF, ["2026-12-31"]),
    # a date and "hằng năm": the same day every year from then on
    ("Quý IV/2025 và hằng năm", Kind.RECURRING, [f"{y}-12-31" for y in range(2025, 2031)]),
    ("Tháng 12/2025 và định kỳ hằng năm", Kind.RECURRING, [f"{y}-12-31" for y in range(2025, 2031)]),
    ("Trước ngày 15/12/2025 và hằng năm", Kind.RECURRING, [f"{y}-12-14" for y in range(2025, 2031)]),
    ("Trước tháng 7/2026 và hằng năm", Kind.RECURRING, [f"{y}-06-30" for y in range(2026, 2031)]),
    ("Năm 2025; các năm tiếp theo thực hiện thường xuyên", Kind.ONE_OFF, ["2025-12-31"]),
    ("Tháng 6/2025 và tháng 12/2025 (báo cáo 6 tháng, báo cáo năm)", Kind.ONE_OFF, ["2025-06-30", "2025-12-31"]),
    ("Quý II/2025 (trình UBND tỉnh)", Kind.ONE_OFF, ["2025-06-30"]),
    ("Năm 2026; Sơ kết vào năm 2028, tổng kết vào năm 2030", Kind.ONE_OFF, ["2026-12-31", "2028-12-31", "2030-12-31"]),
    ("Tháng 10 hằng năm (báo cáo năm)", Kind.RECURRING, ["2025-10-31", "2026-10-31"]),
    ("Định kỳ hằng năm (trước ngày 20/12)", Kind.RECURRING, ["2025-12-19", "2026-12-19"]),
    ("6 tháng/lần", Kind.RECURRING, ["2025-06-30", "2025-12-31"]),
    ("Thường xuyên (báo cáo định kỳ 6 tháng, hằng năm)", Kind.ONGOING, []),
    ("Năm 2025 - Quý I/2026", Kind.RANGE, ["2025-12-31", "2026-03-31"]),
    ("2025, 2026, 2027", Kind.ONE_OFF, ["2025-12-31", "2026-12-31", "2027-12-31"]),
    ("Đến hết Quý II/2026", Kind.ONE_OFF, ["2026-06-30"]),
    ("Trong 6 tháng đầu năm 2026", Kind.ONE_OFF, ["2026-06-30"]),
    # external / event-driven (read, but an officer sets the date)
    ("Theo Kế hoạch số 123/KH-UBND", Kind.EXTERNAL, []),
    ("Theo Quyết định số 1234/QĐ-UBND", Kind.EXTERNAL, []),
    ("Theo kế hoạch riêng", Kind.EXTERNAL, []),
    ("Theo kế hoạch của Bộ Nội vụ", Kind.EXTERNAL, []),
    ("Theo lộ trình của Chính phủ", Kind.EXTERNAL, []),
    ("Theo hướng dẫn của Bộ Tài chính", Kind.EXTERNAL, []),
    ("Khi có yêu cầu", Kind.EXTERNAL, []),
    ("Đột xuất", Kind.EXTERNAL, []),
    ("Ngay sau khi Nghị định được ban hành", Kind.EXTERNAL, []),
    ("Sau khi có hướng dẫn của Trung ương", Kind.EXTERNAL, []),
]

# What a follow-up keeps, for the phrases of the table that have one.
NOTES = {
    "Tháng 10/2025 (báo cáo sơ kết)": "báo cáo sơ kết",
    "Năm 2025. Báo cáo kết quả về UBND tỉnh": "Báo cáo kết quả về UBND tỉnh",
    "Trình UBND tỉnh trong tháng 9/2025": "Trình UBND tỉnh",
    "Tháng 9/2025 trình HĐND tỉnh": "trình HĐND tỉnh",
    "Tháng 6/2026. Sơ kết, đánh giá kết quả thực hiện": "Sơ kết, đánh giá kết quả thực hiện",
    "Quý III/2025; tổ chức triển khai từ Quý IV/2025": "tổ chức triển khai từ Quý IV/2025",
    "Xây dựng cơ sở dữ liệu trong quý III/2025 và vận hành thường xuyên": "Xây dựng cơ sở dữ liệu",
    "Năm 2026 và duy trì, vận hành thường xuyên": "duy trì, vận hành thường xuyên",
    "Tháng 8/2025; cập nhật hằng năm": "cập nhật hằng năm",
    "Hoàn thành việc đầu tư, nâng cấp hạ tầng trong năm 2026": "Hoàn thành việc đầu tư, nâng cấp hạ tầng",
    "Năm 2025 (hoàn thành trước ngày 30/11/2025)": "Năm 2025",
    "Thường xuyên; báo cáo kết quả về Sở Nội vụ trước ngày 15/12 hằng năm": (
        "Thường xuyên; báo cáo kết quả về Sở Nội vụ"
    ),
    "Giai đoạn 2025 - 2030, hằng năm báo cáo kết quả": "hằng năm báo cáo kết quả",
    "Năm 2025 - 2026; duy trì thường xuyên các năm tiếp theo": "duy trì thường xuyên các năm tiếp theo",
    "Hằng năm, báo cáo trước ngày 15/12": "báo cáo",
    "Định kỳ hằng quý báo cáo về Sở Tài chính": "Định kỳ hằng quý báo cáo về Sở Tài chính",
    "Hằng quý, báo cáo UBND tỉnh": "báo cáo UBND tỉnh",
    "Thường xuyên, báo cáo định kỳ 6 tháng và hằng năm về Sở Kế hoạch và Đầu tư": (
        "báo cáo định kỳ 6 tháng và hằng năm về Sở Kế hoạch và Đầu tư"
    ),
    "Quý IV/2025 và các năm tiếp theo": "các năm tiếp theo",
    "Năm 2025; các năm tiếp theo thực hiện thường xuyên": "các năm tiếp theo thực hiện thường xuyên",
    "Tháng 6/2025 và tháng 12/2025 (báo cáo 6 tháng, báo cáo năm)": "báo cáo 6 tháng, báo cáo năm",
    "Quý II/2025 (trình UBND tỉnh)": "trình UBND tỉnh",
    "Năm 2026; Sơ kết vào năm 2028, tổng kết vào năm 2030": "Sơ kết; tổng kết",
    "Tháng 10 hằng năm (báo cáo năm)": "báo cáo năm",
    "Thường xuyên (báo cáo định kỳ 6 tháng, hằng năm)": "báo cáo định kỳ 6 tháng, hằng năm",
}
REPORT_TO = {
    "Năm 2025. Báo cáo kết quả về UBND tỉnh": "UBND tỉnh",
    "Định kỳ hằng quý báo cáo về Sở Tài chính": "Sở Tài chính",
    "Hằng quý, báo cáo UBND tỉnh": "UBND tỉnh",
    "Thường xuyên, báo cáo định kỳ 6 tháng và hằng năm về Sở Kế hoạch và Đầu tư": "Sở Kế hoạch và Đầu tư",
    "Thường xuyên; báo cáo kết quả về Sở Nội vụ trước ngày 15/12 hằng năm": "Sở Nội vụ",
}
THEN_ONGOING = {
    "Năm 2025 - 2026; duy trì thường xuyên các năm tiếp theo",
    "Giai đoạn 2025 - 2030, hằng năm báo cáo kết quả",
    "Quý III/2025; tổ chức triển khai từ Quý IV/2025",
    "Xây dựng cơ sở dữ liệu trong quý III/2025 và vận hành thường xuyên",
    "Năm 2026 và duy trì, vận hành thường xuyên",
    "Tháng 8/2025; cập nhật hằng năm",
    "Quý IV/2025 và các năm tiếp theo",
    "Năm 2025; các năm tiếp theo thực hiện thường xuyên",
}

# Flagged for an officer, deliberately: each with (part of) the reason it gives.
FLAGGED: list[tuple[str, str]] = [
    ("Tháng 13/2025", "month 13"),
    ("Đầu năm 2026", "names no day"),  # "early 2026" names no day
    ("Năm 2026, ưu tiên hoàn thành sớm", "rest"),  # words after the date that are not a follow-up
    ("Năm 2025: hoàn thành 50%; năm 2026: hoàn thành 100%", "not understood"),  # yearly targets, not a deadline
    ("Kỳ họp cuối năm 2025", "not understood"),  # a council session: its date is not in the phrase
    ("Hằng tuần", "not understood"),  # weekly: no weekly cycles in the reporting policy
    ("Sớm nhất có thể", "not understood"),
    ("Tháng 9/2025 và tháng 3/2025", "not in order"),
    ("Trước 30/02/2026", "not a calendar date"),
    ("Năm 2025, sau đó tính toán lại", "rest"),  # "sau đó tính toán lại": no known follow-up verb
    ("Thường xuyên, ưu tiên cao", "not understood"),  # an ongoing task with words not accounted for
    ("Quý I/2026. Riêng huyện A trước tháng 6/2026", "not understood"),  # a second date for part of the task
    ("2 năm 2026", "not understood"),  # "2 years 2026"? never read as a month
    # Garbled words next to a continuity word are not absorbed into a note (they were read before).
    ("Năm 2025 và nh~ng năm tiếp theo", "not the words after it"),
    ("Từ năm 2025 và c~c năm tiếp theo", "not understood"),
    ("Nhi#m vụ thường xuyên", "not understood"),
    ("Thường xuyên, ưu tiên", "not understood"),
    ("Quý II/2025 và hằng quý", "not the words after it"),  # from which quarter on? not guessed
]


def test_table_is_large_enough() -> None:
    assert len(READ) + len(FLAGGED) >= 60
    assert len({p for p, *_ in READ} | {p for p, _ in FLAGGED}) == len(READ) + len(FLAGGED)


@pytest.mark.parametrize(("phrase", "kind", "first"), READ, ids=[p for p, *_ in READ])
def test_read(phrase: str, kind: Kind, first: list[str]) -> None:
    rule = parse_deadline(phrase)
    assert rule.kind is kind, rule.reason
    got = [n for n, _ in dues(phrase)]
    assert got[: len(first)] == first
    if kind in (Kind.ONGOING, Kind.EXTERNAL):
        assert got == []
    assert rule.note == NOTES.get(phrase, ""), rule.note
    assert rule.report_to == REPORT_TO.get(phrase, ""), rule.report_to
    if kind in (Kind.ONE_OFF, Kind.RANGE):
        assert rule.then_ongoing is (phrase in THEN_ONGOING)
    assert rule.needs_officer is (kind is Kind.EXTERNAL)


@pytest.mark.parametrize(("phrase", "reason"), FLAGGED, ids=[p for p, _ in FLAGGED])
def test_flagged(phrase: str, reason: str) -> None:
    rule = parse_deadline(phrase)
    assert rule.kind is Kind.UNRECOGNIZED, rule
    assert rule.needs_officer and reason in rule.reason and rule.reason_vi
    assert dues(phrase) == []


def test_ongoing_bounds_and_report_kinds() -> None:
    window = parse_deadline("Thường xuyên trong giai đoạn 2026 - 2030")
    assert (window.ongoing_from, window.ongoing_until) == (date(2026, 1, 1), date(2030, 12, 31))
    both = parse_deadline("Thường xuyên, báo cáo định kỳ 6 tháng và hằng năm về Sở Kế hoạch và Đầu tư")
    assert both.reports == ("six_month", "annual")
    assert parse_deadline("Thường xuyên hằng năm").reports == ("annual",)
    assert parse_deadline("Định kỳ 6 tháng, hằng năm").recurrence.unit is Unit.HALF  # type: ignore[union-attr]
    onwards = parse_deadline("Từ năm 2026 trở đi")
    assert onwards.ongoing_from == date(2026, 1, 1)


def test_follow_up_text_for_the_task_note() -> None:
    assert parse_deadline("Năm 2025").follow_up == ""
    assert parse_deadline("Liên tục đến năm 2030").follow_up == "thực hiện đến 31/12/2030"
    assert parse_deadline("Triển khai từ năm 2026").follow_up == "thực hiện từ 01/01/2026"


def test_json_of_a_rule_adds_optional_parts_only_when_present() -> None:
    assert set(parse_deadline("Năm 2025").as_json()) == {
        "text", "kind", "needs_officer", "then_ongoing", "source", "overridden"
    }  # fmt: skip
    out = parse_deadline("Thường xuyên, định kỳ hằng quý báo cáo về Sở Tài chính").as_json()
    assert out["reports"] == ["quarterly"] and out["report_to"] == "Sở Tài chính" and out["note"]


def test_nfd_and_case_give_the_same_meaning_and_keep_the_words() -> None:
    import unicodedata

    nfd = unicodedata.normalize("NFD", "THƯỜNG XUYÊN, ĐỊNH KỲ HẰNG QUÝ BÁO CÁO VỀ SỞ TÀI CHÍNH")
    rule = parse_deadline(nfd)
    assert rule.kind is Kind.ONGOING and rule.reports == ("quarterly",)
    assert rule.report_to == "SỞ TÀI CHÍNH"  # as written, in NFC
    assert rule.report_to == unicodedata.normalize("NFC", rule.report_to)


def test_line_breaks_inside_a_phrase_do_not_split_it() -> None:
    # A PDF or a narrow Word column breaks lines anywhere.
    assert parse_deadline("Thường\nxuyên").kind is Kind.ONGOING
    assert dues("Hoàn thành trong\nnăm 2026") == same("2026-12-31")
