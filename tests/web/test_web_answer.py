"""The answer link (``/r/{token}``): what it shows, that GET changes nothing, what POST records, and every
refusal (bad links, CSRF, validation, uploads, rate limits), on SQLite and PostgreSQL."""

import io
import logging
import unicodedata
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from support.web import PDF, Web, attachments, make_web, snapshot

from models.domain.clock import utcnow
from models.domain.states import CycleKind, Role
from models.services.reminders import queue_batch
from models.store.answer_tables import Answer
from models.store.cycle_tables import Cycle, CycleEvent, Notification, ResponseToken
from models.store.plan_tables import Indicator, Task
from web.security import Backoff, Limit, Limits
from web.uploads import MAX_ATTACHMENT

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

DONE = {
    "status": "done",
    "progress": "100",
    "done_text": "Đã ban hành kế hoạch triển khai.",
    "document_number": "123/QĐ-UBND",
    "document_date": "2025-06-18",
}


def _task_cycle(web: Web) -> tuple[int, str]:
    return web.path_for(role=Role.lead, kind=CycleKind.periodic)


def _indicator_cycle(web: Web) -> tuple[int, str]:
    return web.path_for(role=Role.monitoring)


# --------------------------------------------------------------------------------------------------
# GET
# --------------------------------------------------------------------------------------------------


def test_page_shows_the_task_deadlines_agencies_and_form(web: Web) -> None:
    cycle_id, path = _task_cycle(web)
    response = web.client.get(path)
    assert response.status_code == 200
    html = response.text
    with web.session() as s:
        cycle = s.get(Cycle, cycle_id)
        task = s.get(Task, cycle.task_id)
    assert f"Nhiệm vụ {task.number}" in html
    assert task.deadline_raw in html
    assert f"{cycle.due_effective:%d/%m/%Y}" in html
    assert "Cơ quan chủ trì" in html and "Cơ quan phối hợp" in html
    for label in ("Chưa triển khai", "Đang triển khai", "Hoàn thành", "Số hiệu văn bản", "Đề nghị gia hạn"):
        assert label in html
    assert 'enctype="multipart/form-data"' in html
    assert unicodedata.is_normalized("NFC", html)
    assert "<script" not in html  # the pages work without JavaScript
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "script-src" not in response.headers["content-security-policy"]  # default-src 'none': no scripts
    assert response.headers["x-frame-options"] == "DENY"


def test_page_shows_agencies_as_written_and_today(web: Web) -> None:
    """A task of the former Sở Thông tin và Truyền thông shows that name and today's successor."""
    with web.session() as s:
        tasks = list(s.execute(select(Task).where(Task.lead_raw.contains("Thông tin và Truyền thông"))).scalars())  # type: ignore[attr-defined]
        ids = {t.id for t in tasks}
        cycle_id = next(
            (cid for (cid,) in s.execute(select(Cycle.id).where(Cycle.task_id.in_(ids))) if cid in web.links),  # type: ignore[union-attr]
            None,
        )
    if cycle_id is None:
        pytest.skip("no open cycle of a task led by the former Sở TT&TT on this day")
    html = web.client.get(web.links[cycle_id]).text
    assert "Thông tin và Truyền thông" in html
    assert "Nay: " in html and "Khoa học và Công nghệ" in html


def test_get_changes_nothing(web: Web) -> None:
    """Link previews and mail scanners open links: GET must not change any row."""
    _, path = _task_cycle(web)
    before = snapshot(web.engine)
    for _ in range(3):
        assert web.client.get(path).status_code == 200
    web.client.get("/r/not-a-real-token-at-all")
    web.client.head(path)
    assert snapshot(web.engine) == before


def test_get_after_an_answer_changes_nothing_and_shows_it(web: Web) -> None:
    _, path = _task_cycle(web)
    receipt = web.answer(path, DONE).headers["location"]
    before = snapshot(web.engine)
    assert "123/QĐ-UBND" in web.client.get(path).text
    assert web.client.get(receipt).status_code == 200
    assert snapshot(web.engine) == before


@pytest.mark.parametrize("case", ["unknown", "tampered", "expired", "revoked", "too_long", "empty_like"])
def test_bad_links_all_get_the_same_page(web: Web, case: str, caplog: pytest.LogCaptureFixture) -> None:
    cycle_id, path = _task_cycle(web)
    token = path.removeprefix("/r/")
    good = web.client.get(path).text
    if case == "unknown":
        bad = "A" * 22
    elif case == "tampered":
        bad = token[:-1] + ("A" if token[-1] != "A" else "B")
    elif case == "too_long":
        bad = token * 4
    elif case == "empty_like":
        bad = "%20"
    else:
        with web.session() as s:
            values = {"revoked_at": utcnow()} if case == "revoked" else {"expires_at": utcnow() - timedelta(seconds=1)}
            s.execute(update(ResponseToken).where(ResponseToken.cycle_id == cycle_id).values(**values))
            s.commit()
        bad = token
    caplog.set_level(logging.INFO, logger="dondoc.web.answer")
    response = web.client.get(f"/r/{bad}")
    assert response.status_code in (404, 410)
    assert response.status_code == (410 if case in ("expired", "revoked") else 404)
    assert "Đường dẫn không còn hiệu lực" in response.text
    # Who to ask for a new link: the standing agency, with its office phone and email (issue 12, point 6).
    assert "Sở Khoa học và Công nghệ" in response.text and 'href="tel:+84' in response.text
    assert 'href="mailto:' in response.text
    # Nothing of the cycle: not its agency, not its task, not a form.
    assert "csrf" not in response.text and "Nhiệm vụ" not in response.text
    unknown_page = web.client.get("/r/" + "Z" * 22).text
    assert response.text == unknown_page  # one page for every case
    assert good != response.text
    assert bad not in caplog.text and token not in caplog.text
    posted = web.client.post(f"/r/{bad}", data={"status": "done"})
    assert posted.status_code in (404, 410)
    with web.session() as s:
        assert s.execute(select(Answer)).first() is None


# --------------------------------------------------------------------------------------------------
# POST: recording
# --------------------------------------------------------------------------------------------------


def test_answer_with_pdf_is_recorded_with_receipt_and_stops_reminders(web: Web) -> None:
    cycle_id, path = _task_cycle(web)
    response = web.answer(path, DONE, files={"attachment": ("bao cao.pdf", PDF, "application/pdf")})
    assert response.status_code == 303
    receipt = web.client.get(response.headers["location"])
    assert receipt.status_code == 200
    with web.session() as s:
        answer = s.execute(select(Answer)).scalar_one()
        cycle = s.get(Cycle, cycle_id)
        events = list(s.execute(select(CycleEvent).where(CycleEvent.cycle_id == cycle_id)).scalars())
    assert answer.reference in receipt.text and "Biên nhận" in receipt.text
    assert cycle.status == "answered" and cycle.answered_at is not None
    assert events[-1].to_status == "answered" and events[-1].actor == "agency"
    assert answer.status == "done" and answer.progress == 100 and answer.document_number == "123/QĐ-UBND"
    assert answer.attachment_type == "application/pdf" and answer.attachment_name == "bao cao.pdf"
    assert answer.attachment_size == len(PDF) and answer.client_ip_hash and len(answer.client_ip_hash) == 32
    stored = web.settings.data_dir / answer.attachment_path
    assert stored.read_bytes() == PDF
    assert "bao cao" not in str(stored) and stored.suffix == ""  # random name, no extension
    assert web.settings.data_dir / "attachments" in stored.parents
    # The next daily runs queue nothing more for this cycle.
    with web.session() as s:
        before = s.execute(select(Notification.id).where(Notification.cycle_id == cycle_id)).all()
    for offset in (1, 8, 40):
        queue_batch(web.ctx.core.runtime, [cycle_id], web.today + timedelta(days=offset))
    with web.session() as s:
        assert s.execute(select(Notification.id).where(Notification.cycle_id == cycle_id)).all() == before


def test_every_answer_is_kept(web: Web) -> None:
    cycle_id, path = _task_cycle(web)
    web.answer(path, {"status": "in_progress", "progress": "30", "done_text": "Bước 1"})
    web.answer(path, {"status": "in_progress", "progress": "60", "done_text": "Bước 2"})
    with web.session() as s:
        answers = list(s.execute(select(Answer).where(Answer.cycle_id == cycle_id).order_by(Answer.id)).scalars())
        events = list(s.execute(select(CycleEvent).where(CycleEvent.cycle_id == cycle_id)).scalars())
    assert [a.progress for a in answers] == [30, 60]
    assert answers[1].cycle_status_before == "answered"
    assert any(e.reason.startswith("báo cáo bổ sung") for e in events)
    page = web.client.get(path).text
    assert "Bước 1" in page and "Bước 2" in page and "Các lần báo cáo trước (2)" in page


def test_double_submit_records_one_answer(web: Web) -> None:
    _, path = _task_cycle(web)
    csrf = web.form(path)
    data = {"csrf": csrf, **DONE}
    first = web.client.post(path, data=data, follow_redirects=False)
    second = web.client.post(path, data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    with web.session() as s:
        assert len(s.execute(select(Answer)).all()) == 1


def test_extension_request(web: Web) -> None:
    cycle_id, path = _task_cycle(web)
    with web.session() as s:
        due = s.get(Cycle, cycle_id).due
    new = due + timedelta(days=30)
    response = web.answer(path, {"extension_to": new.isoformat(), "extension_reason": "Chờ số liệu của Cục Thống kê"})
    assert response.status_code == 303
    with web.session() as s:
        answer = s.execute(select(Answer)).scalar_one()
        assert s.get(Cycle, cycle_id).status == "answered"
    assert answer.extension_to == new and answer.status is None


def test_belongs_to_another_agency(web: Web) -> None:
    _, path = _task_cycle(web)
    response = web.answer(path, {"other_agency": "Sở Tài chính"})
    assert response.status_code == 303
    with web.session() as s:
        answer = s.execute(select(Answer)).scalar_one()
    assert answer.other_agency == "Sở Tài chính" and answer.other_agency_id is not None


def test_indicator_needs_value_and_source(web: Web) -> None:
    cycle_id, path = _indicator_cycle(web)
    html = web.client.get(path).text
    with web.session() as s:
        code = s.get(Indicator, s.get(Cycle, cycle_id).indicator_id).code
    assert f"Chỉ tiêu {code}" in html and "Giá trị chỉ tiêu đạt được" in html
    missing = web.answer(path, {"status": "in_progress", "progress": "50", "done_text": "Đang thu thập"})
    assert missing.status_code == 422 and "Vui lòng ghi giá trị chỉ tiêu đạt được." in missing.text
    ok = web.answer(
        path,
        # indicator 1 is a rank ("Thứ bậc"): a whole number (42,5 is refused since values are numbers)
        {"status": "in_progress", "progress": "50", "indicator_value": "12", "indicator_source": "Cục Thống kê"},
    )
    assert ok.status_code == 303
    with web.session() as s:
        answer = s.execute(select(Answer)).scalar_one()
    assert answer.indicator_value == "12" and answer.indicator_source == "Cục Thống kê"


def test_closed_cycle_takes_no_answer(web: Web) -> None:
    cycle_id, path = _task_cycle(web)
    web.answer(path, DONE)
    with web.session() as s:
        s.execute(update(Cycle).where(Cycle.id == cycle_id).values(status="accepted"))
        s.commit()
    html = web.client.get(path).text
    assert "Báo cáo đã được chấp nhận" in html and 'name="status"' not in html
    csrf = web.csrf(web.client.get(web.links[next(c for c in web.links if c != cycle_id)]).text)
    response = web.client.post(path, data={"csrf": csrf, **DONE}, follow_redirects=False)
    assert response.status_code in (403, 409)
    with web.session() as s:
        assert len(s.execute(select(Answer)).all()) == 1


# --------------------------------------------------------------------------------------------------
# POST: refusals
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("csrf", [None, "", "123.abc.def", "bad", "other-link"])
def test_post_without_a_valid_csrf_token_is_refused(web: Web, csrf: str | None) -> None:
    cycle_id, path = _task_cycle(web)
    data = dict(DONE)
    if csrf == "other-link":  # a real token, issued for another link
        other = next(p for c, p in web.links.items() if c != cycle_id)
        data["csrf"] = web.form(other)
    elif csrf is not None:
        data["csrf"] = csrf
    before = snapshot(web.engine)
    response = web.client.post(path, data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hạn hoặc không hợp lệ" in response.text
    assert snapshot(web.engine) == before


def test_expired_csrf_token_is_refused(web: Web) -> None:
    _, path = _task_cycle(web)
    token_hash = snapshot(web.engine)["tokens"][0][1]
    old = web.ctx.csrf.issue("answer", token_hash, now=0)
    assert not web.ctx.csrf.check(old, "answer", token_hash, 3600)
    response = web.client.post(path, data={"csrf": old, **DONE}, follow_redirects=False)
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"status": "done", "done_text": "x"}, "document_number", "vui lòng ghi số hiệu văn bản"),
        ({"status": "done", "done_text": "x", "document_number": "1/QĐ"}, "document_date", "ngày ban hành"),
        ({}, "status", "Vui lòng chọn tình trạng thực hiện."),
        ({"status": "finished"}, "status", "Vui lòng chọn một tình trạng trong danh sách."),
        ({"status": "in_progress", "progress": "150", "done_text": "x"}, "progress", "từ 0 đến 100"),
        ({"status": "in_progress", "progress": "abc", "done_text": "x"}, "progress", "từ 0 đến 100"),
        ({"status": "in_progress", "done_text": "x", "link_url": "javascript:alert(1)"}, "link_url", "http://"),
        ({"status": "in_progress", "done_text": "x", "document_date": "31/02/2025"}, "document_date", "không hợp lệ"),
        ({"status": "in_progress"}, "done_text", "Vui lòng nêu kết quả"),
        ({"extension_to": "2030-01-01"}, "extension_reason", "lý do"),
        ({"extension_to": "2020-01-01", "extension_reason": "r"}, "extension_to", "phải sau hạn hiện tại"),
        ({"extension_reason": "r"}, "extension_to", "Vui lòng chọn ngày"),
    ],
)
def test_validation_errors_are_shown_next_to_the_field(web: Web, data: dict, field: str, message: str) -> None:
    _, path = _task_cycle(web)
    before = snapshot(web.engine)
    response = web.answer(path, data)
    assert response.status_code == 422
    html = response.text
    assert f'id="err-{field}"' in html
    error_html = html.split(f'id="err-{field}">', 1)[1].split("</span>", 1)[0]
    assert message.lower() in error_html.lower()
    assert "Báo cáo chưa được gửi" in html
    for value in data.values():  # what the person typed is shown again
        assert value in html or value.isdigit() or value == "finished"
    assert snapshot(web.engine) == before
    assert attachments(web.settings.data_dir) == []


def test_what_people_type_is_escaped(web: Web) -> None:
    _cycle_id, path = _task_cycle(web)
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = web.answer(path, {"status": "in_progress", "progress": "10", "done_text": evil, "other_agency": evil})
    assert response.status_code == 303
    receipt = web.client.get(response.headers["location"]).text
    page = web.client.get(path).text
    for html in (receipt, page):
        assert "<script>" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html
    # Re-displayed values on an error are escaped too.
    bad = web.answer(path, {"status": "in_progress", "progress": "999", "done_text": evil})
    assert bad.status_code == 422 and "<script>alert" not in bad.text and "&lt;script&gt;" in bad.text


# --------------------------------------------------------------------------------------------------
# Uploads
# --------------------------------------------------------------------------------------------------


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def _xlsx() -> bytes:
    from openpyxl import Workbook

    buf = io.BytesIO()
    Workbook().save(buf)
    return buf.getvalue()


def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("van-ban.docx", _docx(), "wordprocessingml"),
        ("so-lieu.xlsx", _xlsx(), "spreadsheetml"),
        ("anh.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image/jpeg"),
        ("anh-chup.pdf", _png(), "image/png"),  # the name says PDF; the content is a PNG: stored as PNG
    ],
)
def test_accepted_types_are_recognised_by_content(web: Web, name: str, content: bytes, kind: str) -> None:
    _, path = _task_cycle(web)
    response = web.answer(
        path, {"status": "in_progress", "progress": "20"}, files={"attachment": (name, content, "application/pdf")}
    )
    assert response.status_code == 303, response.text[:300]
    with web.session() as s:
        answer = s.execute(select(Answer)).scalar_one()
    assert kind in answer.attachment_type


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bao-cao.pdf", b"MZ\x90\x00 this is an executable"),
        ("bao-cao.docx", b"PK\x03\x04 not really a zip"),
        ("archive.docx", None),  # a zip without [Content_Types].xml
        ("trang.html", b"<html><script>alert(1)</script></html>"),
        ("empty.pdf", b""),
    ],
)
def test_wrong_types_are_refused_and_nothing_is_stored(web: Web, name: str, content: bytes | None) -> None:
    if content is None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("word/document.xml", "<x/>")
        content = buf.getvalue()
    _, path = _task_cycle(web)
    before = snapshot(web.engine)
    response = web.answer(path, DONE, files={"attachment": (name, content, "application/pdf")})
    assert response.status_code == 422
    assert 'id="err-attachment"' in response.text
    assert "PDF, Word (DOCX), Excel (XLSX)" in response.text or "rỗng" in response.text
    assert snapshot(web.engine) == before
    assert attachments(web.settings.data_dir) == []


def test_file_just_over_the_limit_is_refused_next_to_the_field(web: Web) -> None:
    _, path = _task_cycle(web)
    before = snapshot(web.engine)
    big = PDF + b"0" * (MAX_ATTACHMENT - len(PDF) + 1)
    response = web.answer(path, DONE, files={"attachment": ("lon.pdf", big, "application/pdf")})
    assert response.status_code == 422
    assert "quá lớn" in response.text and 'id="err-attachment"' in response.text
    assert snapshot(web.engine) == before
    assert attachments(web.settings.data_dir) == []


def test_request_far_over_the_limit_is_refused_before_reading(web: Web) -> None:
    _, path = _task_cycle(web)
    before = snapshot(web.engine)
    huge = PDF + b"0" * (MAX_ATTACHMENT + 2 * 1024 * 1024)
    response = web.answer(path, DONE, files={"attachment": ("rat-lon.pdf", huge, "application/pdf")})
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.text and "không có gì được lưu" in response.text
    assert snapshot(web.engine) == before
    assert attachments(web.settings.data_dir) == []


def test_file_within_limit_is_accepted(web: Web) -> None:
    _, path = _task_cycle(web)
    content = PDF + b"0" * (MAX_ATTACHMENT - len(PDF))
    response = web.answer(path, DONE, files={"attachment": ("vua.pdf", content, "application/pdf")})
    assert response.status_code == 303
    assert len(attachments(web.settings.data_dir)) == 1


# --------------------------------------------------------------------------------------------------
# Rate limits
# --------------------------------------------------------------------------------------------------


def _limited(url: str, tmp_path: Path, **limits: Limit) -> Web:
    return make_web(url, tmp_path, limits=Limits(**limits))


def test_submissions_per_link_are_limited(seeded_url: str, tmp_path: Path) -> None:
    web = _limited(seeded_url, tmp_path, submit_per_token=Limit(3, 600))
    _, path = _task_cycle(web)
    codes = [web.answer(path, {"status": "in_progress", "progress": "5", "done_text": f"lần {i}"}) for i in range(5)]
    assert [r.status_code for r in codes] == [303, 303, 303, 429, 429]
    assert "Quá nhiều yêu cầu" in codes[-1].text and codes[-1].headers["retry-after"]
    with web.session() as s:
        assert len(s.execute(select(Answer)).all()) == 3
    # Another link from the same address still works.
    other = next(p for p in web.links.values() if p != path)
    assert web.answer(other, {"status": "in_progress", "progress": "5", "done_text": "x"}).status_code == 303


def test_pages_per_address_are_limited(seeded_url: str, tmp_path: Path) -> None:
    web = _limited(seeded_url, tmp_path, page_per_ip=Limit(4, 60))
    _, path = _task_cycle(web)
    codes = [web.client.get(path).status_code for _ in range(6)]
    assert codes == [200, 200, 200, 200, 429, 429]


def fake_sleep(web: Web) -> list[float]:
    """The throttle's waits, recorded instead of slept (its clock moves by each wait)."""
    clock, slept = [1000.0], []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    web.ctx.throttle._now = lambda: clock[0]
    web.ctx.throttle.sleep = sleep
    return slept


def test_guessing_links_is_slowed_down(seeded_url: str, tmp_path: Path) -> None:
    """Issue 15 #9: bad links are answered ever more slowly; none is refused, nothing locks."""
    web = _limited(seeded_url, tmp_path, bad_token_per_ip=Backoff(3, first=1.0, cap=8.0))
    slept = fake_sleep(web)
    codes = [web.client.get(f"/r/guess{i:017d}").status_code for i in range(8)]
    assert codes == [404] * 8
    assert slept == [1.0, 2.0, 4.0, 8.0, 8.0]  # three free, then doubling up to the cap


def test_bad_links_never_block_a_valid_one(seeded_url: str, tmp_path: Path) -> None:
    """Issue 15 #9: after many bad links from one address (an office behind one NAT address, a mail
    scanner), a genuine link from that address opens at once — not 429, not delayed."""
    web = _limited(seeded_url, tmp_path, bad_token_per_ip=Backoff(3, first=1.0, cap=8.0), page_per_ip=Limit(4, 60))
    slept = fake_sleep(web)
    for i in range(25):
        web.client.get(f"/r/guess{i:017d}")
    waited = len(slept)
    _, path = _task_cycle(web)
    assert web.client.get(path).status_code == 200
    assert web.answer(path, {"status": "in_progress", "progress": "5", "done_text": "x"}).status_code == 303
    assert len(slept) == waited  # the valid link waited for nothing
    assert web.client.get(f"/r/guess{99:017d}").status_code == 404 and slept[-1] == 8.0  # still slow


def test_submissions_per_address_are_limited(seeded_url: str, tmp_path: Path) -> None:
    web = _limited(seeded_url, tmp_path, submit_per_ip=Limit(2, 600))
    paths = list(web.links.values())[:3]
    codes = [web.answer(p, {"status": "not_started"}).status_code for p in paths]
    assert codes == [303, 303, 429]


def test_fixture_has_links_for_open_cycles(web: Web) -> None:
    with web.session() as s:
        open_ids = set(s.execute(select(Cycle.id).where(Cycle.status.in_(["open", "overdue"]))).scalars())  # type: ignore[attr-defined]
    assert open_ids and set(web.links) <= open_ids
    assert all(p.startswith("/r/") for p in web.links.values())
