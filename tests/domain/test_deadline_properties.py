"""Property-based tests (hypothesis) of the deadline rules."""

import dataclasses
import time
import unicodedata
from datetime import date, timedelta
from itertools import pairwise

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.domain.deadlines import (
    DeadlineRule,
    Kind,
    ReportingPolicy,
    WorkingCalendar,
    expand,
    normalize_phrase,
    parse_deadline,
    periodic_reports,
    reminder_schedule,
)

CAL = WorkingCalendar()
POLICY = ReportingPolicy()
HORIZON = date(2030, 12, 31)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NO_DUE_DATE = {Kind.ONGOING, Kind.EXTERNAL}  # "Thường xuyên", "Khi có yêu cầu": nothing to expand

ROMAN = ["I", "II", "III", "IV"]
years = st.integers(2020, 2030)


@st.composite
def phrases(draw: st.DrawFn) -> str:
    """Plan-like phrases of every kind the parser knows."""
    y = draw(years)
    y2 = y + draw(st.integers(1, 5))
    m = draw(st.integers(1, 12))
    q = draw(st.integers(1, 4))
    d = draw(st.integers(1, 28))
    return draw(
        st.sampled_from(
            [
                f"Tháng {m}/{y}",
                f"Tháng {m:02d}/{y}",
                f"tháng {m} năm {y}",
                f"{m}/{y}",
                f"Năm {y}",
                f"Trong năm {y}",
                f"Hoàn thành trong năm {y}.",
                f"Trước năm {y}",
                f"Quý {ROMAN[q - 1]}/{y}",
                f"Quý {q} năm {y}",
                f"Quí {ROMAN[q - 1]}-{y}",
                f"6 tháng đầu năm {y}",
                f"6 tháng cuối năm {y}",
                f"{d:02d}/{m:02d}/{y}",
                f"Trước ngày {d}/{m}/{y}",
                f"giữa năm {y}",
                f"cuối năm {y}",
                f"{y} - {y2}",
                f"Giai đoạn {y} - {y2}",
                f"Quý {ROMAN[q - 1]}/{y} - Quý I/{y2}",
                "Hằng năm",
                "Hàng quý",
                "Hằng tháng",
                "Định kỳ 6 tháng",
                f"Tháng {m} hằng năm",
                f"Trước ngày {d}/{m} hằng năm",
                f"Năm {y} và những năm tiếp theo",
                f"Tháng {m} của năm trước",
                "Thường xuyên",
                "Khi có yêu cầu",
                f"Hoàn thành trong năm {y} và rà soát, cập nhật trong các năm tiếp theo (nếu có)",
                f"Xây dựng trong giai đoạn {y} - {y2} và vận hành thường xuyên, liên tục",
                f"Năm {y} và giai đoạn {y + 1} - {y2 + 1}",
            ]
        )
    )


def meaning(rule: DeadlineRule) -> DeadlineRule:
    """The rule without its display text (the note and the report recipient are words as written: they are
    compared in their comparison form)."""
    return dataclasses.replace(
        rule, text="", note=normalize_phrase(rule.note), report_to=normalize_phrase(rule.report_to)
    )


@FAST
@given(st.dates(date(2000, 1, 1), date(2099, 12, 31)))
def test_effective_is_a_working_day_on_or_after_nominal(day: date) -> None:
    effective = CAL.effective(day)
    assert effective >= day
    assert CAL.is_working_day(effective)
    assert all(not CAL.is_working_day(day + timedelta(days=i)) for i in range((effective - day).days))


@FAST
@given(phrases(), st.dates(date(2020, 1, 1), date(2030, 6, 30)))
def test_expansion_invariants(phrase: str, start: date) -> None:
    rule = parse_deadline(phrase)
    assert rule.kind is not Kind.UNRECOGNIZED or rule.reason
    items = expand(rule, start=start, horizon=HORIZON, calendar=CAL)
    for item in items:
        # A "trước …" limit on a day off rolls back (never past the limit); everything else forward.
        assert item.effective < item.nominal if item.rolled_back else item.effective >= item.nominal
        assert CAL.is_working_day(item.effective)
        assert item.label == unicodedata.normalize("NFC", item.label)
    assert all(a.nominal < b.nominal for a, b in pairwise(items))
    assert len({i.period_key for i in items}) == len(items)
    if rule.kind is Kind.RANGE:
        assert items[-1].is_final and sum(i.is_final for i in items) == 1
    # The same phrase always gives the same keys (cycle identity).
    assert [i.period_key for i in expand(parse_deadline(phrase), start=start, horizon=HORIZON, calendar=CAL)] == [
        i.period_key for i in items
    ]


@st.composite
def disguised(draw: st.DrawFn) -> tuple[str, str]:
    """A phrase and the same phrase in other case, spacing, Unicode form and punctuation."""
    phrase = draw(phrases())
    chars = [c.upper() if draw(st.booleans()) else c.lower() for c in phrase]
    text = "".join(chars)
    spaces = st.sampled_from([" ", "  ", "\t", "\u00a0", " \n "])
    text = "".join(draw(spaces) if c == " " else c for c in text)
    if draw(st.booleans()):
        text = unicodedata.normalize("NFD", text)
    text = draw(st.sampled_from(["", " ", "- ", "  "])) + text + draw(st.sampled_from(["", ".", " ;", " . "]))
    return phrase, text


@FAST
@given(disguised())
def test_parsing_ignores_case_spacing_and_normalisation(pair: tuple[str, str]) -> None:
    phrase, variant = pair
    assert meaning(parse_deadline(variant)) == meaning(parse_deadline(phrase))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500))
def test_arbitrary_text_never_raises(text: str) -> None:
    rule = parse_deadline(text)
    assert isinstance(rule.kind, Kind)
    if rule.kind is Kind.UNRECOGNIZED:
        assert rule.reason and rule.needs_officer


TOKENS = ["năm", "tháng", "quý", "2025", "-", "/", " ", "và", ",", "trước", "12", "iii", "hằng", "từ", "đến"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=200), st.text(alphabet=st.characters(), max_size=20))
def test_adversarial_token_soup_is_fast(tokens: list[str], noise: str) -> None:
    text = " ".join(tokens) + noise
    started = time.perf_counter()
    parse_deadline(text)
    assert time.perf_counter() - started < 0.05


@settings(max_examples=25, deadline=None)
@given(st.integers(1_000, 100_000), st.sampled_from(["a", "2025-", "tháng ", "\x00", "9/", "và "]))
def test_very_long_strings(n: int, unit: str) -> None:
    started = time.perf_counter()
    assert parse_deadline(unit * (n // len(unit))).kind is Kind.UNRECOGNIZED
    assert time.perf_counter() - started < 0.05


@FAST
@given(phrases(), st.dates(date(2024, 1, 1), date(2031, 12, 31)))
def test_reminders_fall_on_working_days_in_order(phrase: str, until: date) -> None:
    rule = parse_deadline(phrase)
    items = expand(rule, start=date(2025, 1, 24), horizon=HORIZON, calendar=CAL)
    # Not vacuous: from the plan's issue date every phrase with a due date has one before the horizon
    # (checked on all 8,935 phrases the strategy can draw); only those without one expand to nothing.
    assert bool(items) == (rule.kind not in NO_DUE_DATE), (phrase, rule.kind)
    for due in items[:2]:
        for role in ("lead", "coordinating"):
            reminders = reminder_schedule(due, role=role, policy=POLICY, calendar=CAL, until=until)
            assert all(CAL.is_working_day(r.date) for r in reminders)
            assert [r.date for r in reminders] == sorted(r.date for r in reminders)
            assert len({r.step for r in reminders}) == len(reminders)
            before = [r for r in reminders if r.step.startswith("before_")]
            assert all(r.date < due.effective for r in before)


@FAST
@given(st.dates(date(2024, 1, 1), date(2030, 12, 31)))
def test_periodic_reports_leave_a_working_day_after_cutoff(start: date) -> None:
    reports = periodic_reports(start, HORIZON, POLICY, CAL)
    for report in reports:
        cutoff = date(report.nominal.year, report.nominal.month, 14)
        if report.nominal < cutoff:  # submission crossed into the next month
            cutoff = date(report.nominal.year - (report.nominal.month == 1), (report.nominal.month - 2) % 12 + 1, 14)
        assert CAL.working_days_between(cutoff, report.nominal) >= 1
        assert start <= report.nominal <= HORIZON
    assert all(a.nominal < b.nominal for a, b in pairwise(reports))
