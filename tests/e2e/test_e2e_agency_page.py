"""End to end, the agency page (issue 11 point 2): the shipped plan imported and the daily run of 20/06/2025
done; an agency opens its one agency link on a 360-px phone, answers three cycles from it (a report with
a PDF, a progress report, "not ours"), each with a receipt that leads back to the list, where the cycle is
marked answered; a cycle of another agency is refused through that link; the next day's daily run queues
nothing for the three answered cycles, and the page lists only what is left as owed.

Real uvicorn in its own process on 127.0.0.1, Debian's Chromium through Playwright, both database backends.
"""

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e_support import PHONE, free_port, imported_app, start_server, write_pdf
from sqlalchemy import func, select
from sqlmodel import Session

from models.services.agency_page import agency_page, agency_page_link
from models.services.daily import evaluate_day
from models.store.answer_tables import Answer
from models.store.cycle_tables import Cycle, Notification
from models.store.plan_tables import Agency

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DAY = date(2025, 6, 20)
AGENCY = "so-y-te"  # an overdue task, tasks and indicators open on DAY
OTHER = "so-tai-chinh"
ITEM = re.compile(r'id="c(\d+)"')


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _answer_one(page: Any, how: str, pdf: Path) -> None:
    """Fill today's form on the cycle page the browser is on, the way ``how`` says, and send it."""
    indicator = page.get_by_label("Giá trị chỉ tiêu đạt được").count() > 0
    if how == "done":
        page.get_by_label("Hoàn thành").check()
        page.get_by_label("Kết quả đã thực hiện").fill("Đã ban hành Kế hoạch triển khai của Sở Y tế.")
        page.get_by_label("Số hiệu văn bản").fill("45/KH-SYT")
        page.get_by_label("Ngày ban hành văn bản").fill("2025-06-16")
        page.get_by_label("Tệp đính kèm").set_input_files(str(pdf))
    elif how == "progress":
        page.get_by_label("Đang triển khai").check()
        page.get_by_label("Tiến độ (%)").fill("60")
        page.get_by_label("Kết quả đã thực hiện").fill("Đang tổng hợp số liệu các cơ sở y tế.")
    else:  # not ours: the section opens without JavaScript (<details>)
        page.get_by_text("Nhiệm vụ này không thuộc cơ quan tôi", exact=True).click()
        page.get_by_label("Nhiệm vụ thuộc cơ quan").fill("Sở Tài chính")
    if indicator and how != "not_ours":
        page.get_by_label("Giá trị chỉ tiêu đạt được").fill("95")
        page.get_by_label("Nguồn số liệu").fill("Báo cáo thống kê ngành y tế")
    page.get_by_role("button", name="Gửi báo cáo").click()
    page.wait_for_url(re.compile(r".*/c/\d+/bien-nhan/BC-.*"))


def test_an_agency_answers_three_cycles_from_one_link(
    browser: Any,
    db_url: str,
    plan_path: Path,
    tmp_path: Path,
    screenshots: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = "pg" if db_url.startswith("postgresql") else "sqlite"
    port = free_port()
    # 1. The plan, the daily run of DAY, and the agency's one link.
    core, env = imported_app(db_url, tmp_path / "data", port, plan_path, DAY, monkeypatch)
    with Session(core.engine) as s:
        agency_id = s.execute(select(Agency.id).where(Agency.code == AGENCY)).scalar_one()
        other_id = s.execute(select(Agency.id).where(Agency.code == OTHER)).scalar_one()
        foreign = s.execute(select(Cycle.id).where(Cycle.agency_id == other_id, Cycle.status == "open")).scalar()
    link = agency_page_link(core.runtime, agency_id)
    owed_before = agency_page(core.runtime, agency_id, DAY)["open_count"]
    assert owed_before >= 4

    server = start_server({**env, "DONDOC_E2E_TODAY": DAY.isoformat()}, port, tmp_path / "server.log")
    try:
        phone = browser.new_context(
            viewport=PHONE, locale="vi-VN", device_scale_factor=2, is_mobile=True, has_touch=True
        )
        page = phone.new_page()
        page.goto(link)
        assert page.locator("h1").inner_text().startswith("Nhiệm vụ cần báo cáo của Sở Y tế")
        assert "Quá hạn" in page.locator("li.item").first.inner_text()  # overdue first
        _no_sideways_scroll(page)
        page.screenshot(path=str(screenshots / f"{backend}-agency-1-list.png"), full_page=True)
        listed = [int(i) for i in ITEM.findall(page.content())]
        assert len(listed) == owed_before

        # 2. Three cycles answered from the list, each with a receipt that leads back to it.
        chosen = listed[:3]
        pdf = write_pdf(tmp_path / "Bao-cao-so-y-te.pdf")
        for n, (cycle_id, how) in enumerate(zip(chosen, ("done", "progress", "not_ours"), strict=True), 1):
            page.locator(f"#c{cycle_id}").get_by_role("link", name="Báo cáo").click()
            page.wait_for_url(re.compile(rf".*/c/{cycle_id}$"))
            _no_sideways_scroll(page)
            if n == 1:
                page.screenshot(path=str(screenshots / f"{backend}-agency-2-form.png"), full_page=True)
            _answer_one(page, how, pdf)
            assert "Biên nhận báo cáo" in page.content()
            reference = page.locator(".ref").inner_text().strip()
            _no_sideways_scroll(page)
            if n == 1:
                page.screenshot(path=str(screenshots / f"{backend}-agency-3-receipt.png"), full_page=True)
            page.get_by_role("link", name="Quay lại danh sách nhiệm vụ").click()
            page.wait_for_url(link)
            item = page.locator(f"#c{cycle_id}")
            assert "answered" in (item.get_attribute("class") or "")
            assert "Đã báo cáo" in item.inner_text() and reference in item.inner_text()
        page.screenshot(path=str(screenshots / f"{backend}-agency-4-after.png"), full_page=True)

        # 3. Another agency's cycle is not reachable through this link.
        if foreign is not None:
            page.goto(f"{link}/c/{foreign}")
            assert "Không tìm thấy kỳ báo cáo" in page.content() and "Gửi báo cáo" not in page.content()
        phone.close()
    finally:
        server.stop()

    with Session(core.engine) as s:
        answers = list(s.execute(select(Answer).order_by(Answer.id)).scalars())
        assert [a.cycle_id for a in answers] == chosen and {a.agency_id for a in answers} == {agency_id}
        assert answers[0].attachment_type == "application/pdf" and answers[2].other_agency == "Sở Tài chính"
        assert {s.get(Cycle, c).status for c in chosen} == {"answered"}
        queued_before = {c: s.execute(select(Notification.id).where(Notification.cycle_id == c)).all() for c in chosen}
        last_message = s.execute(select(func.max(Notification.id))).scalar_one()

    # 4. The next day: nothing is queued for the answered cycles; only what is left is owed.
    evaluate_day(core.runtime, DAY + timedelta(days=1))
    with Session(core.engine) as s:
        for c in chosen:
            assert s.execute(select(Notification.id).where(Notification.cycle_id == c)).all() == queued_before[c]
        # the day's consolidated messages (one per contact) list only what is left
        later = s.execute(select(Notification.context).where(Notification.id > last_message)).scalars()
        assert not {c for ctx in later for c in (ctx or {}).get("cycles", [])} & set(chosen)
    after = agency_page(core.runtime, agency_id, DAY + timedelta(days=1))
    owed = [i.cycle_id for g in after["groups"] for i in g.items if not i.answered]
    assert after["open_count"] == owed_before - 3 and not set(owed) & set(chosen)
    log = server.log.read_text(errors="replace")
    assert link.rsplit("/", 1)[1] not in log and "/r/<token>" in log  # the access log never has a token
