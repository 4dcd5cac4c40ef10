"""Indicator values as numbers against their targets, on a real database (SQLite and PostgreSQL): an answer
to an indicator cycle records its number with its period, source and note; values keep their history per
period; each indicator's status follows the rule of ``models.domain.indicators``; the parents roll up; the
Excel report's "Phụ lục I" sheet and the weekly digest carry them."""

import io
import uuid
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.domain.answer_form import AnswerInput, validate_answer
from models.domain.indicators import Rollup, Status
from models.services.answers import record_answer
from models.services.digest import digest_counts
from models.services.indicator_status import plan_indicators, status_counts
from models.services.report_files import report_bytes
from models.services.reports import plan_report
from models.store.answer_tables import Answer
from models.store.cycle_tables import Cycle
from models.store.indicator_tables import IndicatorValue
from models.store.plan_tables import Indicator

JULY_2026 = date(2026, 7, 10)


def answer(
    engine: Engine,
    code: str,
    value: str,
    period: str,
    today: date = JULY_2026,
    *,
    note: str = "",
    at: int = 0,
    nth: int = 0,
) -> dict[str, str]:
    """Answer the ``nth`` cycle of indicator ``code`` with ``value`` for ``period``; the form's errors (none:
    the answer and its value were recorded)."""
    with Session(engine) as s:
        indicator = s.execute(select(Indicator).where(Indicator.code == code)).scalar_one()
        cycles = s.execute(select(Cycle).where(Cycle.indicator_id == indicator.id).order_by(Cycle.id)).scalars()
        cycle = list(cycles)[nth]  # the nth monitoring agency's cycle
        form = AnswerInput(
            status="in_progress",
            indicator_value=value,
            indicator_source="Niên giám thống kê tỉnh Thái Nguyên 2025",
            indicator_period=period,
            indicator_note=note,
        )
        clean = validate_answer(cycle, form, today, is_indicator=True, indicator=indicator, period=None)
        if clean.errors:
            return clean.errors
        now = datetime(today.year, today.month, today.day, 3, at, tzinfo=UTC)
        record_answer(
            s, cycle_id=cycle.id or 0, agency_id=cycle.agency_id, answer=clean, submission_key=uuid.uuid4().hex, now=now
        )
        s.commit()
    return {}


def line_of(engine: Engine, code: str):  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        plan_id = s.execute(select(Indicator.plan_id).where(Indicator.code == code)).scalar_one()
        return next(line for line in plan_indicators(s, plan_id) if line.indicator.code == code)


def test_41_5_for_a_digital_economy_of_at_least_40_percent_grdp_is_met(seeded_engine: Engine) -> None:
    assert answer(seeded_engine, "7", "41,5", "2026-H1", note="Số ước tính") == {}
    line = line_of(seeded_engine, "7")
    assert line.indicator.target_raw == "≥ 40" and line.indicator.unit_raw == "% GRDP"
    assert line.status == Status.met and line.status_text == "Đạt"
    assert line.latest_text == "41,5" and line.latest_period == "6 tháng đầu năm 2026"
    with Session(seeded_engine) as s:
        row = s.execute(select(IndicatorValue)).scalar_one()
        kept = s.get(Answer, row.answer_id)
    assert (row.value, row.value_raw, row.unit, row.period_key, row.period_end) == (
        41.5,
        "41,5",
        "% GRDP",
        "2026-H1",
        date(2026, 6, 30),
    )
    assert row.source == "Niên giám thống kê tỉnh Thái Nguyên 2025" and row.note == "Số ước tính"
    assert kept is not None and kept.indicator_value == "41,5"  # the text stays on the answer, as before


def test_12_for_85_percent_by_2030_reported_in_2026_is_behind_until_the_pace_shows(seeded_engine: Engine) -> None:
    """The documented rule: one value only and not met is *chậm* (the path from one point says nothing);
    with a second period on or above the straight line to 85 % at the end of 2030 it is *đúng lộ trình*."""
    assert answer(seeded_engine, "8.1", "12", "2026-H1") == {}
    line = line_of(seeded_engine, "8.1")
    assert (line.indicator.target_op, line.indicator.target_value, line.indicator.horizon) == (">=", 85, 2030)
    assert line.status == Status.behind and line.status_text == "Chậm" and "một kỳ" in line.standing.reason
    assert answer(seeded_engine, "8.1", "30", "2026", date(2027, 1, 20)) == {}
    line = line_of(seeded_engine, "8.1")
    assert line.status == Status.on_track and line.status_text == "Đúng lộ trình"
    assert line.standing.expected == pytest.approx(12 + 73 * 184 / 1645, abs=0.01)


def test_bad_values_are_refused_with_a_clear_message_and_nothing_is_recorded(seeded_engine: Engine) -> None:
    assert answer(seeded_engine, "7", "140", "2026-H1") == {
        "indicator_value": "Giá trị 140% nằm ngoài khoảng hợp lý 0–100%: vui lòng kiểm tra lại số liệu."
    }
    assert "phải là một số" in answer(seeded_engine, "7", "khoảng 40", "2026-H1")["indicator_value"]
    assert "Thứ hạng" in answer(seeded_engine, "24", "8,5", "2026-H1")["indicator_value"]
    assert "chưa bắt đầu" in answer(seeded_engine, "7", "41", "2027", JULY_2026)["indicator_period"]
    with Session(seeded_engine) as s:
        assert s.execute(select(func.count()).select_from(IndicatorValue)).scalar_one() == 0


def test_values_keep_their_history_per_period(seeded_engine: Engine) -> None:
    assert answer(seeded_engine, "9", "20", "2025", date(2026, 1, 20), at=1) == {}
    assert answer(seeded_engine, "9", "22,5", "2025", date(2026, 1, 25), at=2) == {}  # a correction of 2025
    assert answer(seeded_engine, "9", "41", "2026-H1", JULY_2026, at=3) == {}
    with Session(seeded_engine) as s:
        rows = s.execute(select(IndicatorValue.period_key, IndicatorValue.value).order_by(IndicatorValue.id)).all()
    assert [tuple(r) for r in rows] == [("2025", 20), ("2025", 22.5), ("2026-H1", 41)]  # nothing overwritten
    line = line_of(seeded_engine, "9")
    assert [(p.on, p.value) for p in line.points] == [(date(2025, 12, 31), 22.5), (date(2026, 6, 30), 41)]
    assert [v.value_text for v in line.history] == ["41", "22,5", "20"]  # newest period, then newest first
    assert line.status == Status.met  # "> 40"


def test_agencies_that_disagree_on_a_period_are_flagged(seeded_engine: Engine) -> None:
    """8.3 is monitored by every department and district: the latest value counts, the others are shown."""
    assert answer(seeded_engine, "8.3", "80", "2025", date(2026, 1, 20), at=1, nth=0) == {}
    assert answer(seeded_engine, "8.3", "80", "2025", date(2026, 1, 21), at=2, nth=1) == {}
    assert line_of(seeded_engine, "8.3").disagreements == []
    assert answer(seeded_engine, "8.3", "64,5", "2025", date(2026, 1, 22), at=3, nth=2) == {}
    line = line_of(seeded_engine, "8.3")
    assert line.disagreements == ["Năm 2025"] and line.latest_text == "64,5"
    assert len({v.agency for v in line.history}) == 3 and len(line.history) == 3  # three agencies, all kept


def test_parents_roll_up_from_their_sub_items(seeded_engine: Engine) -> None:
    parent = line_of(seeded_engine, "8")
    assert parent.rollup == Rollup.all_of and parent.status == Status.no_data and parent.numeric
    assert parent.children == [f"8.{n}" for n in range(1, 13)]
    with Session(seeded_engine) as s:
        subs = s.execute(select(Indicator).where(Indicator.parent_code == "8").order_by(Indicator.position)).scalars()
        targets = {i.code: i.target_value for i in subs}
    for code, target in targets.items():
        assert answer(seeded_engine, code, str(int(target or 0)), "2026-H1") == {}
    assert line_of(seeded_engine, "8").status == Status.met
    with Session(seeded_engine) as s:
        counts = status_counts(plan_indicators(s, parent.indicator.plan_id))
    assert counts[Status.met] == 12  # the sub-items; the parent summarises them and is not counted again
    hub = line_of(seeded_engine, "18")  # "Tiên tiến, hiện đại, …" above two percentages: never guessed
    assert hub.rollup == Rollup.unclear and "Cần xác nhận" in hub.flag


def test_the_excel_phu_luc_i_sheet_carries_value_target_and_status(seeded_engine: Engine) -> None:
    assert answer(seeded_engine, "7", "41,5", "2026-H1") == {}
    assert answer(seeded_engine, "8.1", "12", "2026-H1") == {}
    report = plan_report(seeded_engine, None, JULY_2026)
    assert report is not None
    sheet = load_workbook(io.BytesIO(report_bytes(report, "xlsx")))["Phụ lục I"]
    header = [c.value for c in sheet[3]]
    for column in ("Mục tiêu", "Mốc", "Giá trị mới nhất", "Kỳ số liệu", "Đánh giá so với mục tiêu"):
        assert column in header
    rows = {r[0]: dict(zip(header, r, strict=False)) for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert rows["7"]["Giá trị mới nhất"] == 41.5 and rows["7"]["Đánh giá so với mục tiêu"] == "Đạt"
    assert rows["7"]["Mục tiêu"] == "≥ 40 % GRDP" and rows["7"]["Kỳ số liệu"] == "6 tháng đầu năm 2026"
    assert rows["8.1"]["Giá trị mới nhất"] == 12 and rows["8.1"]["Đánh giá so với mục tiêu"] == "Chậm"
    assert rows["9"]["Giá trị mới nhất"] is None and rows["9"]["Đánh giá so với mục tiêu"] == "Chưa có số liệu"
    assert rows["1"]["Đánh giá so với mục tiêu"] is None  # a text target: no status
    as_json = next(r for r in report.as_json()["indicators"] if r["number"] == "7")
    assert (as_json["value"], as_json["target_status"]) == (41.5, "met")


def test_the_weekly_digest_counts_the_indicators_and_names_the_behind_ones(seeded_engine: Engine) -> None:
    assert answer(seeded_engine, "7", "41,5", "2026-H1") == {}
    assert answer(seeded_engine, "8.1", "12", "2026-H1") == {}
    with Session(seeded_engine) as s:
        _, all_lines = digest_counts(s, JULY_2026)  # what queue_digest puts in the email
    lines = all_lines[next(n for n, text in enumerate(all_lines) if text.startswith("Chỉ tiêu")) :]
    assert lines[0].startswith("Chỉ tiêu Kế hoạch 25/KH-UBND so với mục tiêu: đạt 1, đúng lộ trình 0, chậm 1,")
    assert "  • Chỉ tiêu 8.1 — chậm: 12 %, mục tiêu ≥ 85 % năm 2030" in lines
