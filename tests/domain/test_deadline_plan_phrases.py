"""Every deadline phrase of Kế hoạch 25/KH-UBND (Phụ lục II, column "Thời gian hoàn thành"), pinned with
its meaning: kind, and each due item's nominal and effective dates (plan issued 24/01/2025, horizon 2030)."""

import re
from datetime import date
from pathlib import Path

import pytest

from models.domain.deadlines import Kind, WorkingCalendar, expand, parse_deadline

ISSUED = date(2025, 1, 24)
HORIZON = date(2030, 12, 31)
CAL = WorkingCalendar()

# Task number (TT) → the phrase exactly as the plan writes it.
PLAN_PHRASES: dict[int, str] = {
    1: "Tháng 7/2025", 2: "Thường xuyên", 3: "Thường xuyên", 4: "Tháng 7/2025", 5: "Tháng 8/2025",
    6: "Thường xuyên", 7: "Nhiệm vụ thường xuyên", 8: "Tháng 7/2025", 9: "Tháng 12/2025",
    10: "Tháng 01/2026", 11: "Tháng 02/2026", 12: "Tháng 7/2025", 13: "Năm 2030", 14: "Hằng năm",
    15: "Thường xuyên", 16: "Thường xuyên", 17: "Thường xuyên", 18: "Năm 2025", 19: "Tháng 02/2026",
    20: "Tháng 01/2029", 21: "Tháng 01/2026", 22: "Tháng 10/2025", 23: "Hằng năm", 24: "Tháng 01/2026",
    25: "Tháng 01/2029", 26: "Tháng 01/2026", 27: "Năm 2026", 28: "2025 - 2026", 29: "Tháng 07/2025",
    30: "Tháng 01/2026", 31: "Năm 2025", 32: "Năm 2025", 33: "Tháng 11 của năm trước", 34: "Tháng 10/2025",
    35: "Năm 2025- 2026", 36: "Tháng 7/2025", 37: "Năm 2025", 38: "Tháng 7/2025", 39: "Năm 2025",
    40: "Năm 2025", 41: "Năm 2025", 42: "Năm 2025 và giai đoạn 2026 - 2030", 43: "Năm 2026", 44: "Năm 2025",
    45: "Tháng 01/2027", 46: "Năm 2026", 47: "Năm 2025", 48: "Năm 2025", 49: "Năm 2025", 50: "Tháng 4/2025",
    51: "Tháng 07/2025", 52: "Năm 2025 và những năm tiếp theo", 53: "Năm 2025 và những năm tiếp theo",
    54: "Năm 2025", 55: "Năm 2025", 56: "Tháng 10/2025", 57: "Tháng 4/2026", 58: "Hằng năm", 59: "Năm 2025",
    60: "Năm 2025", 61: "Từ năm 2025 và các năm tiếp theo", 62: "Năm 2025", 63: "Thường xuyên",
    64: "Tháng 10/2027", 65: "Thường xuyên", 66: "Năm 2025", 67: "Thường xuyên", 68: "Thường xuyên",
}  # fmt: skip

YEARLY_2025_2030 = [
    ("2025-12-31", "2025-12-31", "Năm 2025", "2025"),
    ("2026-12-31", "2026-12-31", "Năm 2026", "2026"),
    ("2027-12-31", "2027-12-31", "Năm 2027", "2027"),
    ("2028-12-31", "2029-01-02", "Năm 2028", "2028"),  # Sunday, then New Year's Day
    ("2029-12-31", "2029-12-31", "Năm 2029", "2029"),
    ("2030-12-31", "2030-12-31", "Năm 2030", "2030"),
]

# Phrase → (kind, [(nominal, effective, label, period_key), ...]).
MEANING: dict[str, tuple[Kind, list[tuple[str, str, str, str]]]] = {
    "Tháng 7/2025": (Kind.ONE_OFF, [("2025-07-31", "2025-07-31", "Tháng 7/2025", "2025-07")]),
    "Tháng 07/2025": (Kind.ONE_OFF, [("2025-07-31", "2025-07-31", "Tháng 7/2025", "2025-07")]),
    # 31/08 is a Sunday, 01–02/09 National Day.
    "Tháng 8/2025": (Kind.ONE_OFF, [("2025-08-31", "2025-09-03", "Tháng 8/2025", "2025-08")]),
    "Tháng 12/2025": (Kind.ONE_OFF, [("2025-12-31", "2025-12-31", "Tháng 12/2025", "2025-12")]),
    "Tháng 01/2026": (Kind.ONE_OFF, [("2026-01-31", "2026-02-02", "Tháng 1/2026", "2026-01")]),  # Saturday
    "Tháng 02/2026": (Kind.ONE_OFF, [("2026-02-28", "2026-03-02", "Tháng 2/2026", "2026-02")]),  # Saturday
    "Tháng 01/2027": (Kind.ONE_OFF, [("2027-01-31", "2027-02-01", "Tháng 1/2027", "2027-01")]),  # Sunday
    "Tháng 01/2029": (Kind.ONE_OFF, [("2029-01-31", "2029-01-31", "Tháng 1/2029", "2029-01")]),
    # 30/04 and 01/05 holidays, 02/05 the day off swapped for Saturday 26/04, then a weekend.
    "Tháng 4/2025": (Kind.ONE_OFF, [("2025-04-30", "2025-05-05", "Tháng 4/2025", "2025-04")]),
    "Tháng 4/2026": (Kind.ONE_OFF, [("2026-04-30", "2026-05-04", "Tháng 4/2026", "2026-04")]),
    "Tháng 10/2025": (Kind.ONE_OFF, [("2025-10-31", "2025-10-31", "Tháng 10/2025", "2025-10")]),
    "Tháng 10/2027": (Kind.ONE_OFF, [("2027-10-31", "2027-11-01", "Tháng 10/2027", "2027-10")]),  # Sunday
    "Năm 2025": (Kind.ONE_OFF, [("2025-12-31", "2025-12-31", "Năm 2025", "2025")]),
    "Năm 2026": (Kind.ONE_OFF, [("2026-12-31", "2026-12-31", "Năm 2026", "2026")]),
    "Năm 2030": (Kind.ONE_OFF, [("2030-12-31", "2030-12-31", "Năm 2030", "2030")]),
    "Hằng năm": (Kind.RECURRING, YEARLY_2025_2030),
    "Năm 2025 và những năm tiếp theo": (Kind.RECURRING, YEARLY_2025_2030),
    "Từ năm 2025 và các năm tiếp theo": (Kind.RECURRING, YEARLY_2025_2030),
    "2025 - 2026": (
        Kind.RANGE,
        [
            ("2025-12-31", "2025-12-31", "Mốc năm 2025", "milestone-2025"),
            ("2026-12-31", "2026-12-31", "Hạn cuối 2026", "final-2026"),
        ],
    ),
    "Năm 2025- 2026": (
        Kind.RANGE,
        [
            ("2025-12-31", "2025-12-31", "Mốc năm 2025", "milestone-2025"),
            ("2026-12-31", "2026-12-31", "Hạn cuối 2026", "final-2026"),
        ],
    ),
    "Năm 2025 và giai đoạn 2026 - 2030": (
        Kind.RANGE,
        [
            ("2025-12-31", "2025-12-31", "Mốc năm 2025", "milestone-2025"),
            ("2026-12-31", "2026-12-31", "Mốc năm 2026", "milestone-2026"),
            ("2027-12-31", "2027-12-31", "Mốc năm 2027", "milestone-2027"),
            ("2028-12-31", "2029-01-02", "Mốc năm 2028", "milestone-2028"),
            ("2029-12-31", "2029-12-31", "Mốc năm 2029", "milestone-2029"),
            ("2030-12-31", "2030-12-31", "Hạn cuối 2030", "final-2030"),
        ],
    ),
    # The plan for year Y is due in November of Y−1, every year up to the horizon.
    "Tháng 11 của năm trước": (
        Kind.RECURRING,
        [
            ("2025-11-30", "2025-12-01", "Kế hoạch năm 2026", "plan-2026"),
            ("2026-11-30", "2026-11-30", "Kế hoạch năm 2027", "plan-2027"),
            ("2027-11-30", "2027-11-30", "Kế hoạch năm 2028", "plan-2028"),
            ("2028-11-30", "2028-11-30", "Kế hoạch năm 2029", "plan-2029"),
            ("2029-11-30", "2029-11-30", "Kế hoạch năm 2030", "plan-2030"),
            ("2030-11-30", "2030-12-02", "Kế hoạch năm 2031", "plan-2031"),
        ],
    ),
    "Thường xuyên": (Kind.ONGOING, []),
    "Nhiệm vụ thường xuyên": (Kind.ONGOING, []),
}


def extract_plan_phrases(path: Path) -> dict[int, str]:
    """Read Phụ lục II: a task row is "N. |" followed by five cells; the last is the deadline phrase."""
    lines = path.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("PHỤ LỤC II"))
    cells = [line[:-1].strip() if line.endswith("|") else line for line in lines[start:]]
    out: dict[int, str] = {}
    i = 0
    while i < len(cells):
        if m := re.fullmatch(r"(\d+)\.", cells[i]):
            out[int(m.group(1))] = cells[i + 5]
            i += 6
        else:
            i += 1
    return out


def test_pins_cover_every_phrase_of_the_plan(plan_path: Path) -> None:
    assert extract_plan_phrases(plan_path) == PLAN_PHRASES
    assert set(PLAN_PHRASES.values()) == set(MEANING)


@pytest.mark.parametrize("task", sorted(PLAN_PHRASES))
def test_plan_phrase_meaning(task: int) -> None:
    phrase = PLAN_PHRASES[task]
    kind, expected = MEANING[phrase]
    rule = parse_deadline(phrase)
    assert rule.kind is kind, (task, phrase, rule.reason)
    assert rule.text == phrase
    assert not rule.needs_officer
    got = [
        (d.nominal.isoformat(), d.effective.isoformat(), d.label, d.period_key)
        for d in expand(rule, start=ISSUED, horizon=HORIZON, calendar=CAL)
    ]
    assert got == expected


def test_range_final_flag() -> None:
    items = expand(parse_deadline("Năm 2025 và giai đoạn 2026 - 2030"), start=ISSUED, horizon=HORIZON, calendar=CAL)
    assert [d.is_final for d in items] == [False] * 5 + [True]


def test_every_plan_phrase_is_recognized() -> None:
    assert all(parse_deadline(p).recognized for p in PLAN_PHRASES.values())
