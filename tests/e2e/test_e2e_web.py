"""End to end, as people do it: the shipped plan imported, the daily run of 20/06/2025 writes its messages
to the file channel; an agency opens a link from a message file on a 360-px phone, answers with a PDF and
gets a receipt; the next daily runs send that cycle nothing more; another agency asks for an extension;
an officer logs in, grants it and downloads the Excel report, which is checked with openpyxl.

Real uvicorn in its own process on 127.0.0.1, Debian's Chromium through Playwright, both database backends.
"""

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e_support import PHONE, add_officer, app_env, free_port, start_server, write_pdf
from openpyxl import load_workbook
from sqlalchemy import select
from sqlmodel import Session

from config.app import build_app, signing_key
from config.settings import Settings, get_settings
from models.domain.clock import utcnow
from models.domain.tokens import link_for, reveal, token_expiry
from models.services.daily import evaluate_day
from models.services.importer import import_plan
from models.store.answer_tables import Answer
from models.store.cycle_tables import Cycle, Notification, ReminderLedger
from models.store.plan_tables import Agency, Task
from models.store.tokens import new_link

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DAY = date(2025, 6, 20)
PASSWORD = "mat-khau-can-bo-2025"
LINK = re.compile(r"http://127\.0\.0\.1:\d+/r/[A-Za-z0-9_-]{22}")
KEY = re.compile(r"^Key: c(\d+):", re.MULTILINE)


def _links_from_outbox(outbox: Path, engine: Any) -> dict[int, str]:
    """cycle id → link, read from the message files the daily run wrote (lead/monitoring cycles of tasks)."""
    found: dict[int, str] = {}
    for path in sorted(outbox.rglob("*.txt")):
        text = path.read_text(encoding="utf-8")
        key, link = KEY.search(text), LINK.search(text)
        if key and link:
            found.setdefault(int(key.group(1)), link.group(0))
    with Session(engine) as s:
        task_cycles = {
            cid
            for (cid,) in s.execute(
                select(Cycle.id).where(Cycle.task_id.is_not(None), Cycle.role == "lead", Cycle.status == "open")  # type: ignore[union-attr]
            )
        }
    if not found:
        found = _cycle_links(engine, task_cycles)
    return {cid: link for cid, link in found.items() if cid in task_cycles}


def _cycle_links(engine: Any, cycle_ids: set[int]) -> dict[int, str]:
    """The daily run's consolidated messages carry one agency link (the agency page); for the answer
    page of one cycle, per-cycle links as an officer's message gives them (they keep working)."""
    settings = get_settings()
    key = signing_key(settings)
    out: dict[int, str] = {}
    with Session(engine) as s:
        listed = {c for (ctx,) in s.execute(select(Notification.context)) for c in (ctx or {}).get("cycles", [])}
        for cycle in s.execute(select(Cycle).where(Cycle.id.in_(sorted(listed & cycle_ids)))).scalars():  # type: ignore[union-attr]
            ref = new_link(
                s, key, cycle_id=cycle.id, agency_id=cycle.agency_id, expires_at=token_expiry(cycle.due, utcnow())
            )
            out[cycle.id] = reveal(link_for(settings.public_base_url, ref), key)
        s.commit()
    return out


def test_answer_by_phone_then_officer_review_and_report(
    browser: Any,
    db_url: str,
    plan_path: Path,
    tmp_path: Path,
    screenshots: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = "pg" if db_url.startswith("postgresql") else "sqlite"
    port = free_port()
    data_dir = tmp_path / "data"
    env = app_env(db_url, data_dir, port)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()

    # 1. The plan and the daily run of DAY, messages written to the file channel.
    settings = Settings()
    core = build_app(settings, migrate=False)
    import_plan(core.engine, plan_path, core.runtime.directory, core.runtime.config)
    core.runtime.forget()
    day = evaluate_day(core.runtime, DAY)
    stats = core.outbox().dispatch()
    assert day.queued > 0 and stats.sent == day.queued
    links = _links_from_outbox(data_dir / "outbox", core.engine)
    assert len(links) >= 2, "the daily run wrote no usable link"
    (first_cycle, first_link), (second_cycle, second_link) = sorted(links.items())[:2]

    # An officer's account, made with the command officers use.
    add_officer("can.bo", "Lê Thị Cán Bộ", PASSWORD)

    server = start_server({**env, "DONDOC_E2E_TODAY": DAY.isoformat()}, port, tmp_path / "server.log")
    try:
        # 2. The agency opens the link on a phone.
        phone = browser.new_context(
            viewport=PHONE, locale="vi-VN", device_scale_factor=2, is_mobile=True, has_touch=True
        )
        page = phone.new_page()
        page.goto(first_link)
        assert page.locator("h1").first.inner_text().startswith("Nhiệm vụ")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
        page.screenshot(path=str(screenshots / f"{backend}-1-answer-page.png"), full_page=True)

        # A first try without the document number: the error shows next to the field, in Vietnamese.
        page.get_by_label("Hoàn thành").check()
        page.get_by_label("Kết quả đã thực hiện").fill("Đã ban hành Quyết định phê duyệt.")
        page.get_by_role("button", name="Gửi báo cáo").click()
        page.wait_for_load_state()
        assert "vui lòng ghi số hiệu văn bản" in page.locator("#err-document_number").inner_text()
        page.screenshot(path=str(screenshots / f"{backend}-2-answer-errors.png"), full_page=True)

        page.get_by_label("Số hiệu văn bản").fill("123/QĐ-UBND")
        page.get_by_label("Ngày ban hành văn bản").fill("2025-06-18")
        page.get_by_label("Tệp đính kèm").set_input_files(str(write_pdf(tmp_path / "Quyet-dinh-123.pdf")))
        page.get_by_role("button", name="Gửi báo cáo").click()
        page.wait_for_url(re.compile(r".*/bien-nhan/BC-.*"))
        assert "Biên nhận báo cáo" in page.content()
        reference = page.locator(".ref").inner_text().strip()
        assert reference.startswith("BC-")
        page.screenshot(path=str(screenshots / f"{backend}-3-receipt.png"), full_page=True)

        with Session(core.engine) as s:
            answer = s.execute(select(Answer).where(Answer.reference == reference)).scalar_one()
            assert answer.cycle_id == first_cycle and answer.attachment_type == "application/pdf"
            assert s.get(Cycle, first_cycle).status == "answered"
            sent_before = s.execute(select(ReminderLedger.id).where(ReminderLedger.cycle_id == first_cycle)).all()
        assert (data_dir / answer.attachment_path).read_bytes().startswith(b"%PDF-")

        # 3. The next daily runs queue nothing more for the answered cycle.
        for later in (DAY + timedelta(days=1), DAY + timedelta(days=8)):
            evaluate_day(core.runtime, later)
        with Session(core.engine) as s:
            # the ledger records nothing more for it: no later message lists it
            assert (
                s.execute(select(ReminderLedger.id).where(ReminderLedger.cycle_id == first_cycle)).all() == sent_before
            )

        # 4. Another agency asks for an extension (the section opens without JavaScript: <details>).
        page.goto(second_link)
        with Session(core.engine) as s:
            due = s.get(Cycle, second_cycle).due
        wanted = due + timedelta(days=30)
        page.get_by_text("Đề nghị gia hạn", exact=True).click()
        page.get_by_label("Đề nghị gia hạn đến ngày").fill(wanted.isoformat())
        page.get_by_label("Lý do").fill("Chờ ý kiến thẩm định của Sở Tư pháp.")
        page.get_by_role("button", name="Gửi báo cáo").click()
        page.wait_for_url(re.compile(r".*/bien-nhan/.*"))
        phone.close()

        # 5. An officer logs in (on a phone too), grants the extension, exports the report.
        officer = browser.new_context(viewport=PHONE, locale="vi-VN", accept_downloads=True)
        page = officer.new_page()
        page.goto(f"{server.base_url}/officers")
        assert "/officers/login" in page.url
        page.screenshot(path=str(screenshots / f"{backend}-4-login.png"), full_page=True)
        page.get_by_label("Tên đăng nhập").fill("can.bo")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(re.compile(r".*/officers$"))
        assert "Đã báo cáo – chờ xem xét" in page.content()
        page.screenshot(path=str(screenshots / f"{backend}-5-overview.png"), full_page=False)

        page.goto(f"{server.base_url}/officers/review")
        assert page.locator(".card").count() == 2
        page.screenshot(path=str(screenshots / f"{backend}-6-review.png"), full_page=True)
        page.goto(f"{server.base_url}/officers/cycles/{second_cycle}")
        assert f"{wanted:%d/%m/%Y}" in page.content()
        page.screenshot(path=str(screenshots / f"{backend}-7-cycle.png"), full_page=True)
        assert page.get_by_label("Gia hạn đến ngày").input_value() == wanted.isoformat()  # prefilled from the request
        page.get_by_role("button", name="Gia hạn", exact=True).click()
        page.wait_for_url(re.compile(r".*\?ok=extended"))
        assert "Đã gia hạn" in page.content()
        with Session(core.engine) as s:
            cycle = s.get(Cycle, second_cycle)
            assert cycle.status == "extended" and cycle.due_extended == wanted and cycle.schedule_version == 1

        page.goto(f"{server.base_url}/officers")
        with page.expect_download() as info:
            page.get_by_role("link", name="Xuất Excel").click()
        report = tmp_path / "report.xlsx"
        info.value.save_as(report)
        officer.close()
    finally:
        server.stop()
    log = server.log.read_text(errors="replace")
    assert first_link.rsplit("/", 1)[1] not in log and "/r/<token>" in log  # the access log never has a token

    # 6. The report: Phụ lục II with status columns, a sheet per agency.
    book = load_workbook(report)
    sheet = book["Phụ lục II"]
    header = [c.value for c in sheet[3]]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=4, values_only=True) if r[1] and r[2]}
    assert len(rows) == 68
    with Session(core.engine) as s:
        first_task = s.get(Task, s.get(Cycle, first_cycle).task_id)
        first_agency = s.get(Agency, s.get(Cycle, first_cycle).agency_id)
        second_agency = s.get(Agency, s.get(Cycle, second_cycle).agency_id)
    first = rows[first_task.number]
    # The task's row: its current period over all its lead agencies (the least advanced one's state).
    assert "123/QĐ-UBND ngày 18/06/2025" in first[header.index("Số hiệu văn bản")]
    assert first[header.index("Báo cáo gần nhất")]  # the latest answer of any of its lead agencies

    # The agency's own sheet: each of its cycles.
    def agency_rows(agency: Agency) -> list[tuple[Any, ...]]:
        name = next(n for n in book.sheetnames if book[n]["A1"].value == agency.name)  # its title row
        return list(book[name].iter_rows(min_row=4, values_only=True))

    answered = [r for r in agency_rows(first_agency) if r[10] == "123/QĐ-UBND ngày 18/06/2025"]
    assert answered and answered[0][7] == "Đã báo cáo – chờ xem xét"
    extended = [r for r in agency_rows(second_agency) if r[6] is not None]
    assert extended and extended[0][6].date() == wanted and extended[0][7] == "Chưa hoàn thành – trong hạn"
    assert len(book.sheetnames) > 10
