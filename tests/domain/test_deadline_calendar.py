"""The working-day calendar: Vietnamese holidays, substitute days, configured extra days, end of day."""

from datetime import date, datetime, timedelta

import pytest

from models.domain.deadlines import TZ, WorkingCalendar, end_of_day

CAL = WorkingCalendar()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 8, 29), True),  # Friday
        (date(2025, 8, 30), False),  # Saturday
        (date(2025, 8, 31), False),  # Sunday
        (date(2025, 9, 1), False),  # National Day (extra day)
        (date(2025, 9, 2), False),  # National Day
        (date(2025, 9, 3), True),
        (date(2025, 1, 29), False),  # Tết Ất Tỵ
        (date(2025, 5, 2), False),  # day off swapped for Saturday 26/04/2025
        (date(2025, 4, 26), True),  # that Saturday is a working day
        (date(2026, 8, 22), True),  # Saturday worked for Monday 31/08/2026
        (date(2026, 8, 31), False),
        (date(2026, 11, 24), False),  # Vietnam Cultural Day, from 2026
    ],
)
def test_working_days(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


def test_effective_moves_to_next_working_day() -> None:
    assert CAL.effective(date(2025, 8, 31)) == date(2025, 9, 3)
    assert CAL.effective(date(2025, 9, 3)) == date(2025, 9, 3)
    assert CAL.effective(date(2025, 4, 30)) == date(2025, 5, 5)


def test_next_and_previous() -> None:
    assert CAL.next_working_day(date(2025, 8, 29)) == date(2025, 9, 3)
    assert CAL.next_working_day(date(2025, 8, 29), inclusive=True) == date(2025, 8, 29)
    assert CAL.previous_working_day(date(2025, 9, 3)) == date(2025, 8, 29)
    assert CAL.previous_working_day(date(2025, 8, 31), inclusive=True) == date(2025, 8, 29)


def test_add_working_days() -> None:
    assert CAL.add_working_days(date(2025, 8, 29), 1) == date(2025, 9, 3)
    assert CAL.add_working_days(date(2025, 9, 3), -1) == date(2025, 8, 29)
    assert CAL.add_working_days(date(2025, 9, 3), 0) == date(2025, 9, 3)
    assert CAL.add_working_days(date(2025, 9, 3), -5) == date(2025, 8, 25)
    assert CAL.working_days_between(date(2025, 8, 25), date(2025, 9, 3)) == 5
    assert CAL.working_days_between(date(2025, 9, 3), date(2025, 8, 25)) == -5


def test_extra_holidays_and_working_days() -> None:
    cal = WorkingCalendar(extra_holidays=[date(2025, 9, 3)], extra_working_days=[date(2025, 8, 30)])
    assert not cal.is_working_day(date(2025, 9, 3))
    assert cal.is_working_day(date(2025, 8, 30))
    assert cal.effective(date(2025, 8, 31)) == date(2025, 9, 4)
    assert cal.holiday_name(date(2025, 9, 3))
    with pytest.raises(ValueError, match="both"):
        WorkingCalendar(extra_holidays=[date(2025, 9, 3)], extra_working_days=[date(2025, 9, 3)])


def test_every_day_a_holiday_fails_loudly() -> None:
    start = date(2025, 1, 1)
    cal = WorkingCalendar(extra_holidays=[start + timedelta(days=i) for i in range(4000)])
    with pytest.raises(ValueError, match="no working day"):
        cal.effective(start)


def test_end_of_day_is_midnight_in_hanoi() -> None:
    end = end_of_day(date(2025, 7, 31))
    assert end == datetime(2025, 8, 1, 0, 0, tzinfo=TZ)
    assert end.utcoffset() == timedelta(hours=7)
    assert datetime(2025, 7, 31, 23, 59, tzinfo=TZ) < end
