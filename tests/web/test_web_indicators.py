"""Indicator values through real HTTP (the per-cycle link and an agency link use the same form) and the
officers' pages that show them against their targets: ``/officers/indicators`` (table, status, trend SVG)
and an indicator's own page. On SQLite and PostgreSQL (the seeded database of 20/06/2025)."""

import re

import pytest
from sqlalchemy import func, select
from support.web import Web

from models.domain.states import CycleStatus
from models.services.agency_page import agency_page_link
from models.store.cycle_tables import Cycle
from models.store.indicator_tables import IndicatorValue
from models.store.plan_tables import Agency, Indicator

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _indicator(web: Web, code: str) -> Indicator:
    with web.session() as s:
        return s.execute(select(Indicator).where(Indicator.code == code)).scalar_one()


def _path(web: Web, code: str) -> tuple[int, str]:
    return web.path_for(indicator_id=_indicator(web, code).id)


def _value(value: str, **extra: str) -> dict[str, str]:
    return {"status": "in_progress", "indicator_value": value, "indicator_source": "Cục Thống kê tỉnh", **extra}


def test_the_form_shows_the_unit_the_period_and_the_plausible_range(web: Web) -> None:
    _, path = _path(web, "7")
    html = web.client.get(path).text
    assert '<span id="indicator_unit" class="unit">% GRDP</span>' in html
    assert re.search(r'<option value="2025-H1" selected>6 tháng đầu năm 2025</option>', html)
    assert "giá trị hợp lý từ 0 đến 100" in html and "Mục tiêu: ≥ 40 % GRDP" in html
    assert 'name="indicator_note"' in html


def test_a_value_is_recorded_as_a_number_and_a_bad_one_refused(web: Web) -> None:
    _, path = _path(web, "7")
    refused = web.answer(path, _value("140"))
    assert refused.status_code == 422
    assert "Giá trị 140% nằm ngoài khoảng hợp lý 0–100%: vui lòng kiểm tra lại số liệu." in refused.text
    ok = web.answer(path, _value("41,5", indicator_period="2025-H1", indicator_note="Số sơ bộ"))
    assert ok.status_code == 303
    with web.session() as s:
        row = s.execute(select(IndicatorValue)).scalar_one()
    assert (row.value, row.period_key, row.note, row.source) == (41.5, "2025-H1", "Số sơ bộ", "Cục Thống kê tỉnh")
    again = web.client.get(path).text  # the form lists what was reported before
    assert "Số liệu đã báo cáo: 6 tháng đầu năm 2025: 41,5 % GRDP." in again


def test_an_agency_link_answers_an_indicator_with_the_same_form(web: Web) -> None:
    with web.session() as s:
        cycle = (
            s.execute(
                select(Cycle)
                .join(Agency, Agency.id == Cycle.agency_id)
                .where(Agency.code == "so-y-te", Cycle.indicator_id.is_not(None), Cycle.status == CycleStatus.open)  # type: ignore[union-attr]
                .order_by(Cycle.id)
            )
            .scalars()
            .first()
        )
        assert cycle is not None
        indicator = s.get(Indicator, cycle.indicator_id)
    assert indicator is not None
    base = agency_page_link(web.ctx.core.runtime, cycle.agency_id).removeprefix("http://testserver")
    path = f"{base}/c/{cycle.id}"
    assert f'class="unit">{indicator.unit_raw}</span>' in web.client.get(path).text
    assert web.answer(path, _value("khoảng 90")).status_code == 422
    assert web.answer(path, _value("1")).status_code == 303
    with web.session() as s:
        assert s.execute(select(func.count()).select_from(IndicatorValue)).scalar_one() == 1


def test_officers_see_the_indicators_against_their_targets(officer: Web) -> None:
    _, seven = _path(officer, "7")
    _, eight_one = _path(officer, "8.1")
    assert officer.answer(seven, _value("38", indicator_period="2024")).status_code == 303
    assert officer.answer(seven, _value("41,5", indicator_period="2025-H1")).status_code == 303
    assert officer.answer(eight_one, _value("12")).status_code == 303
    response = officer.client.get("/officers/indicators")
    assert response.status_code == 200
    html = response.text
    assert '<a href="/officers/indicators">Chỉ tiêu</a>' in html  # the nav link
    row7 = re.search(r"<tr>\s*<td>7</td>.*?</tr>", html, re.S)
    row81 = re.search(r"<tr>\s*<td>8.1</td>.*?</tr>", html, re.S)
    assert row7 and row81
    assert "41,5 % GRDP" in row7.group(0) and "Đạt" in row7.group(0) and '<svg class="spark"' in row7.group(0)
    assert "stroke-dasharray" in row7.group(0)  # the target line
    assert "12 %" in row81.group(0) and "Chậm" in row81.group(0) and "một kỳ" in row81.group(0)
    assert "Đạt: 1" in html and "Chậm: 1" in html
    qualitative = html.split("Chỉ tiêu có mục tiêu định tính")[1]
    assert "Xếp hạng năng lực cạnh tranh số" not in qualitative  # 3: "≤ 10", measured
    assert "Đạt mức tiên tiến ở nhiều lĩnh vực quan trọng" in qualitative  # 1: a text target
    assert "cần xác nhận" in html  # 18: a text target over numeric sub-items

    page = officer.client.get(f"/officers/indicators/{_indicator(officer, '7').id}").text
    assert "So với mục tiêu" in page and "6 tháng đầu năm 2025" in page and "Năm 2024" in page
    assert '<svg class="spark"' in page and "Cục Thống kê tỉnh" in page


def test_the_indicators_page_needs_an_officer(web: Web) -> None:
    response = web.client.get("/officers/indicators", follow_redirects=False)
    assert response.status_code in (302, 303, 401)
