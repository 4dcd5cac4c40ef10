"""Reminder schedules, periodic reports, overrides and the policy file."""

from datetime import date
from pathlib import Path

import pytest

from config.policy import SHIPPED_POLICY, PolicyError, load_policy
from models.domain.deadlines import (
    DeadlineOverride,
    Due,
    Kind,
    ReportingPolicy,
    WorkingCalendar,
    apply_override,
    expand,
    internal_deadline,
    parse_deadline,
    periodic_reports,
    progress_reports,
    reminder_schedule,
)

CAL = WorkingCalendar()
POLICY = ReportingPolicy()
ISSUED = date(2025, 1, 24)
HORIZON = date(2030, 12, 31)
AUG_2025 = Due(date(2025, 8, 31), date(2025, 9, 3), "Tháng 8/2025", "2025-08")


def test_reminder_schedule_defaults() -> None:
    got = [(r.date.isoformat(), r.step) for r in reminder_schedule(AUG_2025, policy=POLICY, calendar=CAL)]
    assert got[:6] == [
        ("2025-08-04", "open"),  # 30 calendar days before 03/09, a Monday
        ("2025-08-12", "before_14"),  # working days: 01–02/09 are holidays
        ("2025-08-21", "before_7"),
        ("2025-08-27", "before_3"),
        ("2025-08-29", "before_1"),
        ("2025-09-03", "due"),
    ]
    steps = [step for _, step in got]
    assert "escalation" in steps
    assert ("2025-09-17", "escalation") in got
    assert ("2025-09-10", "overdue_1") in got
    # overdue_2 falls on the escalation's day: the escalation replaces it
    assert "overdue_2" not in steps
    assert sum(s.startswith("overdue_") for s in steps) == POLICY.overdue_max_reminders - 1
    assert all(CAL.is_working_day(date.fromisoformat(d)) for d, _ in got)
    assert [d for d, _ in got] == sorted(d for d, _ in got)


def test_overdue_bounded_by_until() -> None:
    got = reminder_schedule(AUG_2025, policy=POLICY, calendar=CAL, until=date(2025, 9, 12))
    assert [r.step for r in got][-1] == "overdue_1"
    assert all(r.date <= date(2025, 9, 12) for r in got)
    long = reminder_schedule(AUG_2025, policy=POLICY, calendar=CAL, until=date(2026, 9, 3))
    assert sum(r.step.startswith("overdue_") for r in long) > 40


def test_overdue_steps_skip_days_already_used() -> None:
    # Tết 2027 (04–10/02) pushes two weekly reminders onto 11/02: only one is sent.
    due = Due(date(2026, 12, 31), date(2026, 12, 31), "Năm 2026", "2026")
    got = reminder_schedule(due, policy=POLICY, calendar=CAL)
    dates = [r.date for r in got if r.step.startswith("overdue_")]
    assert len(dates) == len(set(dates))


def test_open_moves_back_before_the_due_date() -> None:
    # 31/12/2026 − 30 days = Tuesday 01/12/2026 (working); with 26 days it is Saturday 05/12 → Friday 04/12.
    due = Due(date(2026, 12, 31), date(2026, 12, 31), "Năm 2026", "2026")
    policy = ReportingPolicy(open_days_before=26)
    (opening,) = [r for r in reminder_schedule(due, policy=policy, calendar=CAL) if r.step == "open"]
    assert opening.date == date(2026, 12, 4)


def test_overdue_moves_forward_after_the_due_date() -> None:
    # 03/09/2025 + 7 × k, with 7 × k landing on a weekend only if the policy says 4 days.
    policy = ReportingPolicy(overdue_every_days=4, overdue_max_reminders=2, escalate_after_days=30)
    got = {r.step: r.date for r in reminder_schedule(AUG_2025, policy=policy, calendar=CAL)}
    assert got["overdue_1"] == date(2025, 9, 8)  # Sunday 07/09 → Monday 08/09


def test_coordinating_agency_has_an_earlier_deadline() -> None:
    assert internal_deadline(AUG_2025, role="coordinating", policy=POLICY, calendar=CAL) == date(2025, 8, 25)
    got = {r.step: r.date for r in reminder_schedule(AUG_2025, role="coordinating", policy=POLICY, calendar=CAL)}
    assert got["due"] == date(2025, 8, 25)
    with pytest.raises(ValueError):
        internal_deadline(AUG_2025, role="boss", policy=POLICY, calendar=CAL)


def test_policy_validation() -> None:
    with pytest.raises(ValueError, match="report_submit_working_days"):
        ReportingPolicy(report_submit_working_days=0)
    with pytest.raises(ValueError, match="periodic_reports"):
        ReportingPolicy(periodic_reports=("weekly",))


def test_periodic_reports_default_six_month_and_annual() -> None:
    reports = periodic_reports(ISSUED, date(2026, 12, 31), POLICY, CAL)
    assert [(d.period_key, d.nominal.isoformat(), d.label) for d in reports] == [
        ("report-2025-H1", "2025-06-20", "Báo cáo 6 tháng đầu năm 2025"),  # 5 working days after 14/06
        ("report-2025", "2025-12-19", "Báo cáo năm 2025"),
        ("report-2026-H1", "2026-06-19", "Báo cáo 6 tháng đầu năm 2026"),
        ("report-2026", "2026-12-21", "Báo cáo năm 2026"),
    ]
    assert all(d.nominal == d.effective for d in reports)


def test_periodic_reports_other_kinds() -> None:
    policy = ReportingPolicy(periodic_reports=("monthly", "quarterly"), report_submit_working_days=1)
    reports = periodic_reports(date(2025, 1, 1), date(2025, 12, 31), policy, CAL)
    keys = [d.period_key for d in reports]
    assert keys[:3] == ["report-2025-01", "report-2025-02", "report-2025-Q1"]
    assert len(keys) == 12 and len(set(keys)) == 12
    assert reports[0].nominal == date(2025, 1, 15)


def test_progress_reports() -> None:
    ongoing = parse_deadline("Thường xuyên")
    assert progress_reports(ongoing, start=ISSUED, horizon=HORIZON, policy=POLICY, calendar=CAL)[0].period_key == (
        "report-2025-H1"
    )
    tail = parse_deadline("Hoàn thành trong năm 2026 và rà soát, cập nhật trong các năm tiếp theo (nếu có)")
    reports = progress_reports(tail, start=ISSUED, horizon=HORIZON, policy=POLICY, calendar=CAL)
    assert reports[0].period_key == "report-2027-H1"
    assert (
        progress_reports(parse_deadline("Năm 2026"), start=ISSUED, horizon=HORIZON, policy=POLICY, calendar=CAL) == []
    )


def test_override_single_date_list_and_rrule() -> None:
    original = parse_deadline("Tháng 8/2025")
    one = apply_override(original, DeadlineOverride(dates=(date(2025, 9, 15),), note="Gia hạn"))
    assert one.overridden and one.source == "override" and one.text == "Tháng 8/2025"
    assert one.kind is Kind.ONE_OFF and one.original == original
    (due,) = expand(one, start=ISSUED, horizon=HORIZON, calendar=CAL)
    assert (due.nominal, due.effective, due.period_key) == (
        date(2025, 9, 15),
        date(2025, 9, 15),
        "2025-09-15",
    )

    many = apply_override(original, DeadlineOverride(dates=(date(2025, 9, 13), date(2025, 12, 31))))
    assert [d.effective for d in expand(many, start=ISSUED, horizon=HORIZON, calendar=CAL)] == [
        date(2025, 9, 15),
        date(2025, 12, 31),
    ]

    yearly = apply_override(original, DeadlineOverride(rrule="FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=15"))
    items = expand(yearly, start=ISSUED, horizon=HORIZON, calendar=CAL)
    assert yearly.kind is Kind.RECURRING
    assert [d.nominal.year for d in items] == list(range(2025, 2031))
    counted = apply_override(original, DeadlineOverride(rrule="DTSTART:20260301\nRRULE:FREQ=MONTHLY;COUNT=3"))
    assert [d.nominal for d in expand(counted, start=ISSUED, horizon=HORIZON, calendar=CAL)] == [
        date(2026, 3, 1),
        date(2026, 4, 1),
        date(2026, 5, 1),
    ]
    daily = apply_override(original, DeadlineOverride(rrule="FREQ=DAILY"))
    assert expand(daily, start=date(2030, 12, 1), horizon=HORIZON, calendar=CAL)[-1].nominal == HORIZON


@pytest.mark.parametrize(
    "override",
    [
        DeadlineOverride(),
        DeadlineOverride(dates=(date(2025, 1, 2),), rrule="FREQ=YEARLY"),
        DeadlineOverride(rrule="FREQ=HOURLY"),
        DeadlineOverride(rrule="FREQ=NEVER"),
        DeadlineOverride(dates=(date(2025, 3, 1), date(2025, 1, 1))),
    ],
)
def test_bad_overrides_are_refused(override: DeadlineOverride) -> None:
    with pytest.raises(ValueError):
        apply_override(parse_deadline("Năm 2025"), override)


def test_shipped_policy_file() -> None:
    config = load_policy()
    assert config == load_policy(SHIPPED_POLICY)
    assert config.horizon == date(2030, 12, 31)
    assert config.reporting_policy() == ReportingPolicy()
    assert config.deadline_overrides == {}
    assert config.calendar() is config.calendar()


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("reporting:\n  report_submit_working_days: 0\n", "reporting.report_submit_working_days"),
        ("reporting:\n  remind_before_working_days: [14, 0]\n", "reporting.remind_before_working_days"),
        ("reporting:\n  periodic_reports: [weekly]\n", "reporting.periodic_reports[0]"),
        ("reportng: {}\n", "reportng"),
        ("horizon: 2030-13-01\n", "invalid value"),
        ("horizon: 2300-01-01\n", "horizon"),
        ("- a\n", "mapping"),
        ("a: [\n", "not valid YAML"),
        ("extra_holidays: [2025-09-03]\nextra_working_days: [2025-09-03]\n", "both"),
        ("extra_holidays: [soon]\n", "extra_holidays[0]"),
        (
            "deadline_overrides:\n  25/KH-UBND:\n    '5':\n      rrule: FREQ=HOURLY\n",
            "deadline_overrides.25/KH-UBND.5",
        ),
        ("deadline_overrides:\n  25/KH-UBND:\n    5:\n      note: x\n", "exactly one"),
        ("deadline_overrides:\n  25/KH-UBND:\n    5:\n      date: 2025-01-01\n      when: now\n", "when"),
    ],
)
def test_policy_errors_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(PolicyError) as info:
        load_policy(_write(tmp_path, text))
    assert message in str(info.value)
    assert str(tmp_path) in str(info.value)


def test_missing_policy_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="not found"):
        load_policy(tmp_path / "nope.yaml")


def test_empty_file_gives_defaults(tmp_path: Path) -> None:
    assert load_policy(_write(tmp_path, "")) == load_policy(_write(tmp_path, "{}\n"))


def test_overrides_from_the_file(tmp_path: Path) -> None:
    config = load_policy(
        _write(
            tmp_path,
            "horizon: 2027-12-31\n"
            "extra_holidays: [2025-12-01]\n"
            "deadline_overrides:\n"
            "  25/KH-UBND:\n"
            "    33:\n"
            '      rrule: "DTSTART:20251115\\nRRULE:FREQ=YEARLY;UNTIL=20301231"\n'
            "      note: Công văn số 1/UBND\n"
            "    5:\n"
            "      date: 2025-09-30\n"
            "    6:\n"
            "      dates: [2025-09-30, 2026-03-31]\n",
        )
    )
    assert config.override_for("25/kh-ubnd", 33) is not None
    assert config.override_for("25/KH-UBND", "34") is None
    assert config.override_for("26/KH-UBND", "33") is None
    rule = config.rule_for("25/KH-UBND", "33.", "Tháng 11 của năm trước")
    assert rule.overridden and rule.text == "Tháng 11 của năm trước"
    items = expand(rule, start=ISSUED, horizon=config.horizon, calendar=config.calendar())
    assert [d.nominal for d in items] == [date(2025, 11, 15), date(2026, 11, 15), date(2027, 11, 15)]
    assert items[0].effective == date(2025, 11, 17)  # Saturday → Monday
    assert config.rule_for("25/KH-UBND", 5, "Tháng 8/2025").override.dates == (date(2025, 9, 30),)  # type: ignore[union-attr]
    assert not config.rule_for("25/KH-UBND", 7, "Tháng 8/2025").overridden
    # The configured extra holiday moves a deadline.
    due = expand(parse_deadline("Tháng 11/2025"), start=ISSUED, horizon=config.horizon, calendar=config.calendar())
    assert due[0].effective == date(2025, 12, 2)
