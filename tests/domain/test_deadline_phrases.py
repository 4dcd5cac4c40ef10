"""The parser on the forms other plans use, on compounds, and on what it must refuse."""

import time
from datetime import date

import pytest

from models.domain.deadlines import (
    MAX_PHRASE_CHARS,
    Kind,
    Unit,
    WorkingCalendar,
    expand,
    explain_en,
    explain_vi,
    normalize_phrase,
    parse_deadline,
)

ISSUED = date(2025, 1, 24)
HORIZON = date(2030, 12, 31)
CAL = WorkingCalendar()


def nominals(phrase: str, start: date = ISSUED) -> list[str]:
    rule = parse_deadline(phrase)
    return [d.nominal.isoformat() for d in expand(rule, start=start, horizon=HORIZON, calendar=CAL)]


@pytest.mark.parametrize(
    ("phrase", "due"),
    [
        # months
        ("Tháng 7/2025", "2025-07-31"),
        ("Tháng 07/2025", "2025-07-31"),
        ("tháng 7 năm 2025", "2025-07-31"),
        ("9/2027", "2027-09-30"),
        ("Tháng 2/2028", "2028-02-29"),
        ("Trong tháng 7/2025", "2025-07-31"),
        ("Trước tháng 7/2025", "2025-06-30"),
        ("Cuối tháng 3/2026", "2026-03-31"),
        # years
        ("Năm 2025", "2025-12-31"),
        ("Trong năm 2025", "2025-12-31"),
        ("Hoàn thành trong năm 2027.", "2027-12-31"),
        ("2027", "2027-12-31"),
        ("Trước năm 2028", "2027-12-31"),
        ("Đến hết năm 2030", "2030-12-31"),
        # quarters
        ("Quý I/2025", "2025-03-31"),
        ("Quý 3 năm 2025", "2025-09-30"),
        ("Quí III-2027", "2027-09-30"),
        ("Quý IV/2026", "2026-12-31"),
        ("Trước quý III/2025", "2025-06-30"),
        # halves, middle and end of year
        ("6 tháng đầu năm 2025", "2025-06-30"),
        ("6 tháng cuối năm 2025", "2025-12-31"),
        ("giữa năm 2026", "2026-06-30"),
        ("cuối năm 2026", "2026-12-31"),
        # dates
        ("28/02/2027", "2027-02-28"),
        ("Trước ngày 15/12/2027", "2027-12-14"),
        ("Trước ngày 01/3/2028", "2028-02-29"),
        ("Chậm nhất ngày 15/12/2027", "2027-12-15"),
        ("Ngày 30/6/2025", "2025-06-30"),
        ("ngày 30 tháng 6 năm 2025", "2025-06-30"),
        ("Hạn: 30.06.2025", "2025-06-30"),
    ],
)
def test_one_off_forms(phrase: str, due: str) -> None:
    rule = parse_deadline(phrase)
    assert rule.kind is Kind.ONE_OFF, rule.reason
    assert nominals(phrase) == [due]


def test_labels_and_keys_of_periods() -> None:
    cases = {
        "Quý I/2026": ("Quý I/2026", "2026-Q1"),
        "6 tháng đầu năm 2025": ("6 tháng đầu năm 2025", "2025-H1"),
        "28/02/2027": ("Ngày 28/02/2027", "2027-02-28"),
        "Tháng 07/2025": ("Tháng 7/2025", "2025-07"),
    }
    for phrase, (label, key) in cases.items():
        (due,) = expand(parse_deadline(phrase), start=ISSUED, horizon=HORIZON, calendar=CAL)
        assert (due.label, due.period_key) == (label, key)


@pytest.mark.parametrize(
    ("phrase", "due"),
    [
        ("2025 - 2026", ["2025-12-31", "2026-12-31"]),
        ("Năm 2025- 2026", ["2025-12-31", "2026-12-31"]),
        ("Giai đoạn 2027 - 2029", ["2027-12-31", "2028-12-31", "2029-12-31"]),
        ("Giai đoạn 2027 – 2029", ["2027-12-31", "2028-12-31", "2029-12-31"]),  # en dash
        ("Quý III/2026 - Quý I/2027", ["2026-12-31", "2027-03-31"]),
        ("Từ năm 2025 đến năm 2027", ["2025-12-31", "2026-12-31", "2027-12-31"]),
        ("Tháng 3/2025 - Tháng 6/2025", ["2025-06-30"]),
        ("Năm 2025 và giai đoạn 2026 - 2030", [f"{y}-12-31" for y in range(2025, 2031)]),
    ],
)
def test_windows(phrase: str, due: str) -> None:
    rule = parse_deadline(phrase)
    assert rule.kind is Kind.RANGE, rule.reason
    assert nominals(phrase) == due
    items = expand(rule, start=ISSUED, horizon=HORIZON, calendar=CAL)
    assert items[-1].is_final and not any(d.is_final for d in items[:-1])


def test_quarter_window_labels() -> None:
    items = expand(parse_deadline("Quý III/2026 - Quý I/2027"), start=ISSUED, horizon=HORIZON, calendar=CAL)
    assert [(d.label, d.period_key) for d in items] == [
        ("Mốc năm 2026", "milestone-2026"),
        ("Hạn cuối quý I/2027", "final-2027-Q1"),
    ]


@pytest.mark.parametrize(
    ("phrase", "first", "count", "unit"),
    [
        ("Hằng năm", "2025-12-31", 6, Unit.YEAR),
        ("Hàng năm", "2025-12-31", 6, Unit.YEAR),
        ("Định kỳ hằng năm", "2025-12-31", 6, Unit.YEAR),
        ("Hằng quý", "2025-03-31", 24, Unit.QUARTER),
        ("Hằng tháng", "2025-01-31", 72, Unit.MONTH),
        ("Định kỳ 6 tháng", "2025-06-30", 12, Unit.HALF),
        ("Tháng 6 hằng năm", "2025-06-30", 6, Unit.YEAR),
        ("Quý IV hằng năm", "2025-12-31", 6, Unit.YEAR),
        ("Trước ngày 15/12 hằng năm", "2025-12-14", 6, Unit.YEAR),
        ("Hằng năm, trước ngày 15/12", "2025-12-14", 6, Unit.YEAR),
        ("Ngày 15 hằng tháng", "2025-02-15", 71, Unit.MONTH),
        ("Năm 2025 và những năm tiếp theo", "2025-12-31", 6, Unit.YEAR),
        ("Từ năm 2025 và các năm tiếp theo", "2025-12-31", 6, Unit.YEAR),
        ("Năm 2027 và các năm tiếp theo", "2027-12-31", 4, Unit.YEAR),
        ("Hằng năm, giai đoạn 2025 - 2027", "2025-12-31", 3, Unit.YEAR),
        ("Hằng năm đến năm 2026", "2025-12-31", 2, Unit.YEAR),
        ("Tháng 11 của năm trước", "2025-11-30", 6, Unit.YEAR),
    ],
)
def test_recurrences(phrase: str, first: str, count: int, unit: Unit) -> None:
    rule = parse_deadline(phrase)
    assert rule.kind is Kind.RECURRING, rule.reason
    assert rule.recurrence is not None and rule.recurrence.unit is unit
    got = nominals(phrase)
    assert got[0] == first and len(got) == count


def test_recurrence_starts_at_issue_date() -> None:
    assert nominals("Hằng quý", start=date(2025, 7, 1))[0] == "2025-09-30"
    assert nominals("Hằng năm", start=date(2026, 12, 31))[0] == "2026-12-31"
    # A named first year is absolute: it is not dropped because the plan was issued later.
    assert nominals("Năm 2025 và những năm tiếp theo", start=date(2026, 3, 1))[0] == "2025-12-31"


def test_previous_year_rule_keys_and_labels() -> None:
    rule = parse_deadline("Tháng 11 của năm trước")
    items = expand(rule, start=ISSUED, horizon=HORIZON, calendar=CAL)
    first = items[0]
    assert (first.nominal, first.effective) == (date(2025, 11, 30), date(2025, 12, 1))
    assert (first.label, first.period_key) == ("Kế hoạch năm 2026", "plan-2026")
    second = items[1]
    assert (second.nominal, second.effective) == (date(2026, 11, 30), date(2026, 11, 30))


@pytest.mark.parametrize(
    "phrase", ["Thường xuyên", "Nhiệm vụ thường xuyên", "Triển khai thường xuyên", "Thường xuyên, liên tục"]
)
def test_ongoing(phrase: str) -> None:
    rule = parse_deadline(phrase)
    assert rule.kind is Kind.ONGOING and not rule.needs_officer
    assert expand(rule, start=ISSUED, horizon=HORIZON, calendar=CAL) == []


@pytest.mark.parametrize(
    "phrase",
    ["Đột xuất", "Khi có yêu cầu", "Khi phát sinh", "Theo lộ trình của Bộ, ngành", "Theo hướng dẫn của Bộ"],
)
def test_external(phrase: str) -> None:
    rule = parse_deadline(phrase)
    assert rule.kind is Kind.EXTERNAL
    assert rule.needs_officer and rule.reason and rule.reason_vi
    assert expand(rule, start=ISSUED, horizon=HORIZON, calendar=CAL) == []


def test_compound_dated_then_ongoing() -> None:
    one = parse_deadline("Hoàn thành trong năm 2026 và rà soát, cập nhật trong các năm tiếp theo (nếu có)")
    assert one.kind is Kind.ONE_OFF and one.then_ongoing
    assert nominals(one.text) == ["2026-12-31"]
    window = parse_deadline("Xây dựng trong giai đoạn 2026 - 2027 và vận hành thường xuyên, liên tục")
    assert window.kind is Kind.RANGE and window.then_ongoing
    assert nominals(window.text) == ["2026-12-31", "2027-12-31"]


def test_compound_several_dates() -> None:
    rule = parse_deadline("Tháng 3/2025 và tháng 9/2025")
    assert rule.kind is Kind.ONE_OFF and len(rule.periods) == 2
    assert nominals(rule.text) == ["2025-03-31", "2025-09-30"]
    assert parse_deadline("Tháng 9/2025 và tháng 3/2025").kind is Kind.UNRECOGNIZED  # out of order


@pytest.mark.parametrize(
    ("phrase", "reason_part"),
    [
        ("Tháng 13/2025", "month 13"),
        ("Tháng 0/2025", "month 0"),
        ("31/02/2027", "not a calendar date"),
        ("29/02/2027", "not a calendar date"),
        ("Quý V/2025", "quarter V"),
        ("Năm 1850", "outside"),
        ("2027 - 2025", "before it starts"),
        ("Ngày 29/02 hằng năm", "every year"),
        ("", "empty"),
        ("   ", "empty"),
        # "Từ năm 2025" (a start, no end) is read as ongoing from 2025: see test_deadline_sentences.py.
        ("Đầu năm 2026", "names no day"),
        ("Sau khi", "event"),  # event-driven, not unrecognized: checked below
        ("Không rõ", "not understood"),
        ("Năm 2025 và ưu tiên cao", "rest"),
    ],
)
def test_refused_with_reason(phrase: str, reason_part: str) -> None:
    rule = parse_deadline(phrase)
    if reason_part == "event":
        assert rule.kind is Kind.EXTERNAL
        return
    assert rule.kind is Kind.UNRECOGNIZED
    assert rule.needs_officer
    assert reason_part in rule.reason
    assert rule.reason_vi
    assert expand(rule, start=ISSUED, horizon=HORIZON, calendar=CAL) == []


@pytest.mark.parametrize(
    "variant",
    [
        "THÁNG 7/2025",
        "tháng  7 / 2025",
        "  Tháng\u00a07/2025 .",
        "- Tháng 7/2025;",
        "Thang 7/2025",  # typed without diacritics
        "Tháng7/2025",
        "(Tháng 7/2025)",
        "Tháng 7/2025\u200b",
    ],
)
def test_insensitive_to_case_spacing_punctuation(variant: str) -> None:
    assert nominals(variant) == ["2025-07-31"]


def test_hang_hang_and_quy_qui_are_the_same() -> None:
    assert parse_deadline("Hàng quý").recurrence == parse_deadline("Hằng quý").recurrence
    assert parse_deadline("Quí I/2025").periods == parse_deadline("Quý I/2025").periods


def test_normalize_phrase() -> None:
    assert normalize_phrase("  Quý III/2026 – Quý I/2027. ") == "quy iii/2026-quy i/2027"
    assert normalize_phrase("Hằng năm") == normalize_phrase("Hàng năm") == "hang nam"


def test_huge_and_hostile_inputs_are_fast_and_safe() -> None:
    hostile = [
        "x" * 100_000,
        "2025-" * 20_000,
        "tháng " * 20_000,
        "Năm 2025 và " * 30,
        "1/" * 150,
        "- " * 190 + "2025",
        "\x00\x01\x02Tháng 7/2025\x7f",
        "\ud800",  # lone surrogate
        "năm 2025 " + "và năm 2026 " * 25,
    ]
    started = time.perf_counter()
    for text in hostile:
        rule = parse_deadline(text)
        assert rule.kind in set(Kind)
    assert time.perf_counter() - started < 1.0
    assert parse_deadline("x" * (MAX_PHRASE_CHARS + 1)).kind is Kind.UNRECOGNIZED


def test_non_string_input_is_unrecognized() -> None:
    assert parse_deadline(None).kind is Kind.UNRECOGNIZED  # type: ignore[arg-type]
    assert parse_deadline(2025).kind is Kind.UNRECOGNIZED  # type: ignore[arg-type]


def test_explanations_exist_in_both_languages() -> None:
    for phrase in ["Tháng 8/2025", "2025 - 2026", "Tháng 11 của năm trước", "Thường xuyên", "Đột xuất", "?"]:
        rule = parse_deadline(phrase)
        assert explain_vi(rule) and explain_en(rule)
    assert "tháng 11" in explain_vi(parse_deadline("Tháng 11 của năm trước"))
    assert "then ongoing" in explain_en(parse_deadline("Năm 2026 và duy trì thường xuyên"))


def test_rule_text_is_nfc_of_input() -> None:
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Tháng 7/2025")
    assert parse_deadline(nfd).text == "Tháng 7/2025"
