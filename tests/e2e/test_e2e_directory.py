"""End to end, the officers' directory page (issue 16 item 4): the shipped plan imported and the daily run
of 20/06/2025 done; an officer logs in, sees the agencies to confirm badged "cần xác nhận", sets Cục Thuế's
successor and date through the page's form; the page shows the decision with who made it, the badge is gone,
and the next daily run (a new runtime, as `dondoc daily` builds it) routes Cục Thuế's tasks by it.

Real uvicorn in its own process on 127.0.0.1, Debian's Chromium through Playwright, both database backends.
"""

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from e2e_support import add_officer, day_app, log_in, start_server
from sqlalchemy import select
from sqlmodel import Session

from config.app import build_app
from config.settings import Settings
from models.store.plan_tables import DirectoryChange

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DAY = date(2025, 6, 20)
PASSWORD = "mat-khau-can-bo-2025"
TAX = "Cục Thuế tỉnh Thái Nguyên"


def test_officer_sets_a_successor_on_the_directory_page(
    browser: Any, db_url: str, plan_path: Path, tmp_path: Path, screenshots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = "pg" if db_url.startswith("postgresql") else "sqlite"
    env, port, core = day_app(db_url, tmp_path / "data", plan_path, DAY, monkeypatch)
    add_officer("can.bo", "Lê Thị Cán Bộ", PASSWORD)

    server = start_server({**env, "DONDOC_E2E_TODAY": DAY.isoformat()}, port, tmp_path / "server.log")
    try:
        page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN").new_page()
        page.goto(f"{server.base_url}/officers/directory")
        log_in(page, "can.bo", PASSWORD)
        page.wait_for_url(re.compile(r".*/officers/directory$"))
        row = page.locator("#a-cuc-thue")
        assert TAX in row.inner_text() and row.locator(".badge.review").count() == 1
        page.screenshot(path=str(screenshots / f"{backend}-directory-1.png"), full_page=False)

        row.get_by_label(f"Cơ quan kế thừa của {TAX}").fill("Sở Tài chính")  # the page's list offers names
        row.get_by_label(f"Ngày kế thừa của {TAX}").fill("01/07/2025")
        row.get_by_label(f"Căn cứ cho {TAX}").fill("Quyết định thử nghiệm")
        row.get_by_role("button", name="Ghi").click()
        page.wait_for_url(re.compile(r".*\?ok=directory"))
        assert "Đã ghi vào danh bạ cơ quan" in page.content()
        row = page.locator("#a-cuc-thue")
        assert row.locator(".badge.review").count() == 0
        assert "Sở Tài chính" in row.inner_text() and "can.bo" in row.inner_text()
        page.screenshot(path=str(screenshots / f"{backend}-directory-2.png"), full_page=False)
    finally:
        server.stop()

    with Session(core.engine) as s:
        change = s.execute(select(DirectoryChange)).scalar_one()
    assert (change.officer, change.successor_code, change.succeeded_on) == ("can.bo", "so-tai-chinh", date(2025, 7, 1))
    nxt = build_app(Settings(), migrate=False)  # the next daily run builds its runtime like this
    assert [a.code for a in nxt.runtime.directory.route("cuc-thue", date(2025, 7, 2))] == ["so-tai-chinh"]
