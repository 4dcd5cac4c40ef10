"""End to end, an indicator's value: the shipped plan imported and the daily run of 20/06/2025 done; the
monitoring agency opens its agency link on a 360-px phone, answers an indicator cycle with a number written
the Vietnamese way ("80,5") for the year it measures, is refused a value outside the unit's range first; an
officer then sees it against the target on ``/officers/indicators`` (status and trend chart, on a desktop and
on a phone without sideways scrolling) and on the indicator's page.

Real uvicorn in its own process on 127.0.0.1, Debian's Chromium through Playwright, both database backends.
"""

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from e2e_support import PHONE, add_officer, day_app, start_server
from sqlalchemy import select
from sqlmodel import Session

from models.services.agency_page import agency_page_link
from models.store.cycle_tables import Cycle
from models.store.indicator_tables import IndicatorValue
from models.store.plan_tables import Agency, Indicator

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DAY = date(2025, 6, 20)
AGENCY = "so-y-te"  # monitors indicators whose cycles open on DAY
PASSWORD = "mat-khau-can-bo-2025"


def test_an_indicator_value_from_the_phone_to_the_officers_table(
    browser: Any,
    db_url: str,
    plan_path: Path,
    tmp_path: Path,
    screenshots: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = "pg" if db_url.startswith("postgresql") else "sqlite"
    env, port, core = day_app(db_url, tmp_path / "data", plan_path, DAY, monkeypatch)
    with Session(core.engine) as s:
        agency_id = s.execute(select(Agency.id).where(Agency.code == AGENCY)).scalar_one()
        cycle = (
            s.execute(
                select(Cycle)
                .join(Indicator, Indicator.id == Cycle.indicator_id)
                .where(Cycle.agency_id == agency_id, Cycle.status == "open", Indicator.unit_raw == "%")
                .order_by(Cycle.id)
            )
            .scalars()
            .first()
        )
        assert cycle is not None, "no open percentage indicator cycle for the agency on DAY"
        indicator = s.get(Indicator, cycle.indicator_id)
        assert indicator is not None and indicator.target_value is not None
    link = agency_page_link(core.runtime, agency_id)

    add_officer("can.bo", "Lê Thị Cán Bộ", PASSWORD)

    server = start_server({**env, "DONDOC_E2E_TODAY": DAY.isoformat()}, port, tmp_path / "server.log")
    try:
        # 1. The agency answers on a phone: a value outside 0–100 % is refused, then "80,5" for 2024.
        phone = browser.new_context(viewport=PHONE, locale="vi-VN", device_scale_factor=2, is_mobile=True)
        page = phone.new_page()
        page.goto(f"{link}/c/{cycle.id}")
        assert page.locator("#indicator_unit").inner_text() == "%"
        page.get_by_label("Đang triển khai").check()
        page.get_by_label("Giá trị chỉ tiêu đạt được").fill("180")
        page.get_by_label("Nguồn số liệu").fill("Niên giám thống kê tỉnh 2024")
        page.get_by_role("button", name="Gửi báo cáo").click()
        assert "nằm ngoài khoảng hợp lý 0–100%" in page.locator("#err-indicator_value").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(screenshots / f"{backend}-indicator-1-refused.png"), full_page=True)
        page.get_by_label("Giá trị chỉ tiêu đạt được").fill("80,5")
        page.get_by_label("Kỳ số liệu").select_option("2024")
        page.get_by_label("Ghi chú về số liệu").fill("Số chính thức")
        page.get_by_role("button", name="Gửi báo cáo").click()
        page.wait_for_url(re.compile(r".*/bien-nhan/BC-.*"))
        phone.close()

        # 2. The officer sees it against the target: desktop, then a phone.
        desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        page = desk.new_page()
        page.goto(f"{server.base_url}/officers/login")
        page.get_by_label("Tên đăng nhập").fill("can.bo")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(re.compile(r".*/officers$"))
        page.get_by_role("link", name="Chỉ tiêu", exact=True).click()
        page.wait_for_url(re.compile(r".*/officers/indicators$"))
        row = page.locator("tr", has=page.locator("td", has_text=re.compile(rf"^{re.escape(indicator.code)}$")))
        text = row.inner_text()
        assert "80,5 %" in text and "Năm 2024" in text
        expected = "Đạt" if indicator.target_value <= 80.5 else "Chậm"
        assert expected in text
        assert row.locator("svg.spark circle").count() == 1 and row.locator("svg.spark line").count() == 1
        page.screenshot(path=str(screenshots / f"{backend}-indicator-2-table.png"), full_page=True)
        page.set_viewport_size(PHONE)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # the table scrolls itself
        page.set_viewport_size({"width": 1280, "height": 900})
        row.get_by_role("link").first.click()
        page.wait_for_url(re.compile(rf".*/officers/indicators/{indicator.id}$"))
        assert "So với mục tiêu" in page.content() and "Số chính thức" in page.content()
        page.screenshot(path=str(screenshots / f"{backend}-indicator-3-page.png"), full_page=True)
        desk.close()
    finally:
        server.stop()

    with Session(core.engine) as s:
        [value] = s.execute(select(IndicatorValue)).scalars()
    assert (value.value, value.period_key, value.note) == (80.5, "2024", "Số chính thức")
