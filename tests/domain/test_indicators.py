"""The indicator rules without a database: reading values the Vietnamese way, the plausible range of each
unit of Phụ lục I, the period keys, the status rule (đạt / đúng lộ trình / chậm / chưa có số liệu) and how
parents roll up from their sub-items."""

from datetime import date

import pytest

from models.domain.indicators import (
    BadValue,
    Point,
    Rollup,
    Status,
    check_value,
    default_period,
    format_value,
    parse_value,
    period_bounds,
    period_label,
    rolled_status,
    rollup_kind,
    standing,
    unit_rule,
)


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("41,5", "% GRDP", 41.5),
        ("1.250", "doanh nghiệp", 1250),
        ("1.250.000,5", "tỷ đồng", 1250000.5),
        ("41.5", "%", 41.5),  # a dot followed by other than three digits is a decimal point
        ("41,5 %", "%", 41.5),
        ("120 tỷ đồng", "tỷ đồng", 120),
        (" 0,75 ", "Chỉ số phát triển con người (HDI)", 0.75),
        ("-3,2", "%/năm", -3.2),
    ],
)
def test_values_are_read_the_vietnamese_way(text: str, unit: str, expected: float) -> None:
    assert parse_value(text, unit) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["khoảng 40", "40-45", "", "4O", "1,2,3"])
def test_what_is_not_a_number_is_refused_with_a_vietnamese_message(text: str) -> None:
    with pytest.raises(BadValue, match="số"):
        parse_value(text, "%")


def test_numbers_are_shown_the_vietnamese_way() -> None:
    shown = [format_value(v) for v in (41.5, 1250, 1250000.5, 0.75, 12.0)]
    assert shown == ["41,5", "1.250", "1.250.000,5", "0,75", "12"]


@pytest.mark.parametrize(
    ("unit", "target", "ok", "bad", "message"),
    [
        ("% GRDP", 40, [0, 41.5, 100], [-1, 100.5, 140], "ngoài khoảng hợp lý 0–100%"),
        ("%", 150, [140, 1500], [1501], "ngoài khoảng hợp lý 0–1.500%"),  # the target says otherwise
        ("%/năm", 10, [-20, 250], [-101], "nhỏ hơn mức thấp nhất"),
        ("Thứ bậc", 10, [1, 10, 63], [0, 64, 8.5], "Thứ hạng là một số nguyên từ 1 đến 63"),
        ("Chỉ số phát triển con người (HDI)", 0.75, [0.7], [7], "lớn hơn mức cao nhất hợp lý"),
        ("Người/vạn dân", 15, [12.3], [10001], "lớn hơn mức cao nhất hợp lý"),
        ("Số doanh nghiệp/1000 dân", 1, [0.8], [1001, -1], "hợp lý"),
        ("doanh nghiệp", 500, [0, 1250], [12.5, -3], "doanh nghiệp"),
        ("tỷ đồng", 2000, [1250.5], [-1], "nhỏ hơn mức thấp nhất hợp lý"),
    ],
)
def test_each_unit_has_a_plausible_range(
    unit: str, target: float, ok: list[float], bad: list[float], message: str
) -> None:
    rule = unit_rule(unit, target)
    for value in ok:
        check_value(value, rule, unit)
    for value in bad:
        with pytest.raises(BadValue) as refused:
            check_value(value, rule, unit)
        assert "hợp lý" in str(refused.value) or "nguyên" in str(refused.value)
    with pytest.raises(BadValue, match=message):
        check_value(bad[0], rule, unit)


def test_periods() -> None:
    assert period_bounds("2026") == (date(2026, 1, 1), date(2026, 12, 31))
    assert period_bounds("2026-H1") == (date(2026, 1, 1), date(2026, 6, 30))
    assert period_bounds("2026-Q3") == (date(2026, 7, 1), date(2026, 9, 30))
    assert period_bounds("2026-H3") is None and period_bounds("26") is None
    assert [period_label(k) for k in ("2026", "2026-H1", "2026-H2", "2026-Q3")] == [
        "Năm 2026",
        "6 tháng đầu năm 2026",
        "6 tháng cuối năm 2026",
        "Quý III/2026",
    ]
    assert default_period("report-2025-H1", date(2025, 6, 20)) == "2025-H1"
    assert default_period("round-7", date(2026, 9, 1)) == "2026"  # a round's cycle: the year under way


# --------------------------------------------------------------------------------------------------
# The status rule (models.domain.indicators docstring)
# --------------------------------------------------------------------------------------------------

H1_2026 = date(2026, 6, 30)


def test_41_5_for_at_least_40_percent_grdp_is_met() -> None:
    result = standing([Point(H1_2026, 41.5)], ">=", 40, None, "% GRDP", 2030)
    assert result.status == Status.met


def test_12_for_85_percent_by_2030_with_one_value_is_behind() -> None:
    """One value only: the straight path would start at the value itself, so it proves nothing; the rule
    calls it behind until a second period shows the pace, and says why."""
    result = standing([Point(H1_2026, 12)], ">=", 85, None, "%", 2030)
    assert result.status == Status.behind
    assert "một kỳ" in result.reason


def test_on_the_straight_path_from_the_first_value_to_the_target() -> None:
    first = Point(date(2025, 12, 31), 10)
    # From 10 at the end of 2025 to 85 at the end of 2030: a year later the line asks for about 25.
    assert standing([first, Point(date(2026, 12, 31), 26)], ">=", 85, None, "%", 2030).status == Status.on_track
    late = standing([first, Point(date(2026, 12, 31), 20)], ">=", 85, None, "%", 2030)
    assert late.status == Status.behind and late.expected == pytest.approx(25, abs=0.05)
    assert "cần 24,99" in late.reason  # 2028 is a leap year: the line is drawn by days


def test_at_most_targets_go_down() -> None:
    """A rank "≤ 10" is met at 10 or better (lower); on the path when falling fast enough."""
    first = Point(date(2025, 12, 31), 30)
    assert standing([Point(H1_2026, 8)], "<=", 10, None, "Thứ bậc", 2030).status == Status.met
    assert standing([first, Point(date(2026, 12, 31), 25)], "<=", 10, None, "Thứ bậc", 2030).status == Status.on_track
    assert standing([first, Point(date(2026, 12, 31), 29)], "<=", 10, None, "Thứ bậc", 2030).status == Status.behind


def test_a_bare_number_and_a_range() -> None:
    assert standing([Point(H1_2026, 90)], "=", 90, None, "%", 2030).status == Status.met  # "đạt 90%"
    assert standing([Point(H1_2026, 89)], "=", 90, None, "%", 2030).status == Status.behind
    assert standing([Point(H1_2026, 17)], "range", 16, 18, "%/năm", 2030).status == Status.met
    assert standing([Point(H1_2026, 20)], "range", 16, 18, "%/năm", 2030).status == Status.met  # past b is fine
    assert standing([Point(H1_2026, 15)], "range", 16, 18, "%/năm", 2030).status == Status.behind


def test_the_horizon_passed_and_no_data() -> None:
    assert standing([], ">=", 85, None, "%", 2030).status == Status.no_data
    assert standing([Point(H1_2026, 1)], "text", None, None, "", 2030).status == Status.no_data
    points = [Point(date(2029, 12, 31), 70), Point(date(2030, 12, 31), 80)]
    assert standing(points, ">=", 85, None, "%", 2030).status == Status.behind


def test_the_latest_value_counts_even_when_reported_out_of_order() -> None:
    points = [Point(date(2026, 12, 31), 41), Point(date(2025, 12, 31), 30)]
    assert standing(points, ">=", 40, None, "% GRDP", 2030).latest == Point(date(2026, 12, 31), 41)


def test_roll_up_kinds() -> None:
    assert rollup_kind("", "text", "", ["%", "%"]) == Rollup.all_of  # 8: no target of its own
    assert rollup_kind("Tiên tiến, hiện đại", "text", "", ["%", "% dân số"]) == Rollup.unclear  # 18
    assert rollup_kind("500", "=", "doanh nghiệp", ["doanh nghiệp", "doanh nghiệp"]) == Rollup.sum_of
    assert rollup_kind("100", "=", "%", ["%", "%"]) == Rollup.unclear  # shares do not add up
    assert rolled_status([Status.met, Status.met]) == Status.met
    assert rolled_status([Status.met, Status.on_track]) == Status.on_track
    assert rolled_status([Status.met, Status.behind, Status.on_track]) == Status.behind
    assert rolled_status([Status.met, Status.no_data]) == Status.no_data
