"""The officers' pages: login and sessions, the overview, a task's page, decisions on answers (accept,
return, extension granted or refused, reassign), links (resend, revoke), ad hoc rounds, dead messages,
reports and attachments, on SQLite and PostgreSQL."""

import io
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update
from support.web import PASSWORD, PDF, Web, snapshot

from models.domain.clock import utcnow
from models.domain.masking import mask_address
from models.domain.reminders import key_on_channel
from models.domain.states import CycleKind, Role
from models.domain.tokens import reveal
from models.services.reminders import queue_batch
from models.store.answer_tables import Answer, AnswerReview, OfficerSession
from models.store.cycle_tables import Cycle, CycleEvent, Notification, ReminderLedger, ReportRound, ResponseToken
from models.store.plan_tables import Agency, Task

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

DONE = {
    "status": "done",
    "progress": "100",
    "done_text": "Đã ban hành.",
    "document_number": "45/KH-SKHCN",
    "document_date": "2025-06-19",
}


def _answered(web: Web, data: dict[str, str] | None = None, **files: object) -> tuple[int, str]:
    cycle_id, path = web.path_for(role=Role.lead, kind=CycleKind.periodic)
    response = web.answer(path, data or DONE, files=files or None)
    assert response.status_code == 303
    return cycle_id, path


# --------------------------------------------------------------------------------------------------
# Login, sessions
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/officers",
        "/officers/review",
        "/officers/tasks/1",
        "/officers/cycles/1",
        "/officers/rounds/new",
        "/officers/messages/dead",
        "/officers/report.xlsx",
        "/officers/answers/1/attachment",
    ],
)
def test_pages_need_a_login(web: Web, path: str) -> None:
    response = web.client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/officers/login?next=")


def test_posts_need_a_login(web: Web) -> None:
    before = snapshot(web.engine)
    for path in ("/officers/cycles/1/accept", "/officers/rounds", "/officers/messages/retry", "/officers/logout"):
        response = web.client.post(path, data={"csrf": "x"}, follow_redirects=False)
        assert response.status_code == 303 and "/officers/login" in response.headers["location"]
    assert snapshot(web.engine) == before


def test_login_sets_a_safe_session_cookie(web: Web) -> None:
    page = web.client.get("/officers/login?next=/officers/review")
    assert "Đăng nhập" in page.text and 'value="/officers/review"' in page.text
    response = web.client.post(
        "/officers/login",
        data={"csrf": web.csrf(page.text), "login": "Can.Bo", "password": PASSWORD, "next": "/officers/review"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/officers/review"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("dondoc_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax") and "Path=/" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    with web.session() as s:
        row = s.execute(select(OfficerSession)).scalar_one()
    assert row.token_hash != value and len(row.token_hash) == 64  # only the hash is stored
    assert timedelta(hours=7) < row.expires_at - row.created_at <= timedelta(hours=8)
    assert web.client.get("/officers").status_code == 200


@pytest.mark.parametrize(("login", "password"), [("can.bo", "sai-mat-khau-123"), ("khong.co", PASSWORD)])
def test_wrong_credentials(web: Web, login: str, password: str) -> None:
    page = web.client.get("/officers/login")
    response = web.client.post(
        "/officers/login",
        data={"csrf": web.csrf(page.text), "login": login, "password": password},
        follow_redirects=False,
    )
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.text
    assert "dondoc_session" not in response.headers.get("set-cookie", "")


def test_login_without_csrf_is_refused(web: Web) -> None:
    web.client.get("/officers/login")
    response = web.client.post(
        "/officers/login", data={"login": "can.bo", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    with web.session() as s:
        assert s.execute(select(OfficerSession)).first() is None


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/r/abc", "javascript:alert(1)"])
def test_login_never_redirects_elsewhere(web: Web, target: str) -> None:
    page = web.client.get("/officers/login")
    response = web.client.post(
        "/officers/login",
        data={"csrf": web.csrf(page.text), "login": "can.bo", "password": PASSWORD, "next": target},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/officers"


def _from(web: Web, address: str) -> Any:
    """Another browser on the same application, from ``address``."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

        return TestClient(web.app, client=(address, 50000))


def _try_login(client: Any, password: str, login: str = "can.bo") -> int:
    page = client.get("/officers/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    data = {"csrf": csrf, "login": login, "password": password}
    return int(client.post("/officers/login", data=data, follow_redirects=False).status_code)


def _slow_logins(seeded_url: str, tmp_path: Any, **limits: Any) -> tuple[Web, list[float]]:
    from support.web import make_web as make

    from web.security import Backoff, Limits

    web = make(seeded_url, tmp_path, limits=Limits(**{"login_per_pair": Backoff(3, 1.0, 8.0), **limits}))
    clock, slept = [1000.0], []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    web.ctx.throttle._now = lambda: clock[0]
    web.ctx.throttle.sleep = sleep
    return web, slept


def test_wrong_passwords_slow_down_the_next_attempts(seeded_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    web, slept = _slow_logins(seeded_url, tmp_path)
    codes = [_try_login(web.client, "sai-mat-khau-123") for _ in range(6)]
    assert codes == [401] * 6  # never a lock
    assert slept == [1.0, 2.0, 4.0]  # three free, then doubling
    assert _try_login(web.client, PASSWORD) == 303  # the right password after the wait
    assert slept[-1] == 8.0


def test_logins_from_elsewhere_cannot_lock_an_officer_out(seeded_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Issue 15 #8: 12 wrong passwords for one name from 12 addresses; the officer, from another
    address, logs in at once (it was 429: the lock was per name, from any address)."""
    web, slept = _slow_logins(seeded_url, tmp_path)
    for i in range(12):
        assert _try_login(_from(web, f"203.0.113.{i + 1}"), "sai-mat-khau-123") == 401
    assert slept == []  # one failure per (name, address): none slowed
    assert _try_login(_from(web, "198.51.100.7"), PASSWORD) == 303 and slept == []
    # Even the attacker's own address slows only its own attempts: the officer's pair is untouched.
    attacker = _from(web, "203.0.113.1")
    for _ in range(5):
        _try_login(attacker, "sai-mat-khau-123")
    assert slept and _try_login(_from(web, "198.51.100.7"), PASSWORD) == 303
    assert len(slept) == 3


def test_successful_logins_are_not_counted(seeded_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Issue 15 #8: the old limit counted every attempt; the ninth good login in ten minutes got 429."""
    web, slept = _slow_logins(seeded_url, tmp_path)
    assert [_try_login(web.client, PASSWORD) for _ in range(12)] == [303] * 12 and slept == []
    # A success clears its (name, address) count: two typos after it are free again.
    for _ in range(2):
        _try_login(web.client, "sai-mat-khau-123")
    assert _try_login(web.client, PASSWORD) == 303 and slept == []


def test_one_address_guessing_many_names_is_slowed(seeded_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from web.security import Backoff

    web, slept = _slow_logins(seeded_url, tmp_path, login_per_ip=Backoff(4, 1.0, 8.0))
    codes = [_try_login(web.client, "sai-mat-khau-123", login=f"ten{i}") for i in range(7)]
    assert codes == [401] * 7 and slept == [1.0, 2.0, 4.0]


def test_idle_session_expires(officer: Web) -> None:
    assert officer.client.get("/officers", follow_redirects=False).status_code == 200
    with officer.session() as s:
        s.execute(update(OfficerSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        s.commit()
    assert officer.client.get("/officers", follow_redirects=False).status_code == 303


def test_disabled_officer_is_logged_out(officer: Web) -> None:
    from models.store.answer_tables import OfficerUser

    with officer.session() as s:
        s.execute(update(OfficerUser).values(active=False))
        s.commit()
    assert officer.client.get("/officers", follow_redirects=False).status_code == 303


def test_logout(officer: Web) -> None:
    csrf = officer.officer_csrf()
    response = officer.client.post("/officers/logout", data={"csrf": csrf}, follow_redirects=False)
    assert response.status_code == 303
    with officer.session() as s:
        assert s.execute(select(OfficerSession)).scalar_one().revoked_at is not None
    assert officer.client.get("/officers", follow_redirects=False).status_code == 303


# --------------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------------


def test_overview_speaks_the_offices_vocabulary(officer: Web) -> None:
    _answered(officer)
    cycle_id, _ = officer.path_for(role=Role.lead, kind=CycleKind.deadline)
    html = officer.client.get("/officers").text
    for words in (
        "Hoàn thành đúng hạn",
        "Hoàn thành quá hạn",
        "Chưa hoàn thành – trong hạn",
        "Chưa hoàn thành – quá hạn",
        "Đã báo cáo – chờ xem xét",
        "Đề nghị gia hạn",
        "Theo mục của Kế hoạch",
        "Theo cơ quan",
        "Theo nhiệm vụ",
        "25/KH-UBND",
    ):
        assert words in html, words
    overdue = officer.client.get("/officers?state=overdue").text
    with officer.session() as s:
        task = s.get(Task, s.get(Cycle, cycle_id).task_id)
    assert f"/officers/tasks/{task.id}" in overdue


def test_task_page_shows_cycles_messages_and_answers(officer: Web) -> None:
    cycle_id, _ = _answered(officer, DONE, attachment=("bc.pdf", PDF, "application/pdf"))
    with officer.session() as s:
        cycle = s.get(Cycle, cycle_id)
        agency = s.get(Agency, cycle.agency_id)
    html = officer.client.get(f"/officers/tasks/{cycle.task_id}").text
    assert agency.name in html and cycle.label in html
    assert "45/KH-SKHCN" in html and "Tải tệp đính kèm" in html
    assert "Zalo" in html and "Chờ gửi" in html  # the message queued by the daily run
    # Addresses are masked: no recipient's phone number or email appears in full, each appears masked.
    with officer.session() as s:
        addresses = {
            n.address
            for n in s.execute(
                select(Notification)
                .join(Cycle, Cycle.id == Notification.cycle_id)
                .where(Cycle.task_id == cycle.task_id)
            ).scalars()
        }
    assert addresses and all(mask_address(a) in html for a in addresses)
    assert not [a for a in addresses if a in html]
    assert not re.search(r"\+84\d{9}", html)
    cycle_html = officer.client.get(f"/officers/cycles/{cycle_id}").text
    assert "Chấp nhận báo cáo" in cycle_html and "Trả lại, đề nghị bổ sung" in cycle_html
    assert "Lịch sử" in cycle_html and "cơ quan báo cáo" in cycle_html


def test_attachment_download(officer: Web) -> None:
    _answered(officer, DONE, attachment=("Báo cáo.pdf", PDF, "application/pdf"))
    with officer.session() as s:
        answer = s.execute(select(Answer)).scalar_one()
    response = officer.client.get(f"/officers/answers/{answer.id}/attachment")
    assert response.status_code == 200 and response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["x-content-type-options"] == "nosniff"


def test_officer_pages_escape_what_agencies_typed(officer: Web) -> None:
    evil = "<script>alert(1)</script>"
    cycle_id, _ = _answered(officer, {"status": "in_progress", "progress": "5", "done_text": evil})
    for path in (f"/officers/cycles/{cycle_id}", "/officers/review"):
        html = officer.client.get(path).text
        assert "<script>" not in html
    assert "&lt;script&gt;" in officer.client.get(f"/officers/cycles/{cycle_id}").text


# --------------------------------------------------------------------------------------------------
# Decisions
# --------------------------------------------------------------------------------------------------


def test_accept_closes_the_cycle_and_shortens_its_links(officer: Web) -> None:
    cycle_id, path = _answered(officer)
    response = officer.act(cycle_id, "accept", comment="Tốt")
    assert response.status_code == 303 and response.headers["location"].endswith("?ok=accepted")
    with officer.session() as s:
        cycle = s.get(Cycle, cycle_id)
        tokens = list(s.execute(select(ResponseToken).where(ResponseToken.cycle_id == cycle_id)).scalars())
        review = s.execute(select(AnswerReview)).scalar_one()
        event = (
            s.execute(select(CycleEvent).where(CycleEvent.cycle_id == cycle_id).order_by(CycleEvent.id.desc()))
            .scalars()
            .first()
        )
    assert cycle.status == "accepted" and cycle.closed_at is not None
    assert all(t.expires_at <= utcnow() + timedelta(days=30, minutes=1) for t in tokens)
    assert review.decision == "accepted" and review.officer == "can.bo"
    assert event.actor == "officer:can.bo" and event.to_status == "accepted"
    page = officer.client.get(path).text
    assert "Báo cáo đã được chấp nhận" in page and "Cơ quan thường trực đã chấp nhận báo cáo" in page
    flash = officer.client.get(response.headers["location"]).text
    assert "Đã chấp nhận báo cáo. Cơ quan được báo trong tin nhắn tổng hợp" in flash
    with officer.session() as s:  # the news waits for the agency's next consolidated message
        told = s.execute(
            select(ReminderLedger).where(ReminderLedger.cycle_id == cycle_id, ReminderLedger.step == "accepted")
        ).scalar_one()
    assert told.notification_key == "pending" and told.due_on == officer.today
    # A second accept is refused (nothing to review any more).
    again = officer.act(cycle_id, "accept")
    assert again.status_code == 409 and "Chưa thực hiện được" in again.text


def test_return_sends_the_comment_and_reminders_resume(officer: Web) -> None:
    cycle_id, _ = _answered(officer)
    comment = "Đề nghị bổ sung bản scan Quyết định có chữ ký, đóng dấu."
    response = officer.act(cycle_id, "return", comment=comment)
    assert response.status_code == 303
    with officer.session() as s:
        cycle = s.get(Cycle, cycle_id)
        messages = list(
            s.execute(
                select(Notification).where(Notification.cycle_id == cycle_id, Notification.step == "returned")
            ).scalars()
        )
        review = s.execute(select(AnswerReview)).scalar_one()
        agency = s.get(Agency, cycle.agency_id)
    assert cycle.status == "returned" and cycle.next_reminder_on is None
    assert messages and all(m.key.startswith(f"c{cycle_id}:returned:{review.id}:{agency.code}:") for m in messages)
    assert comment in messages[0].body_text
    # The dispatch after the response wrote the message (file channel) with the comment and a live link;
    # the stored row keeps only a reference that answers nothing.
    sent = [p for p in (officer.settings.data_dir / "outbox").rglob("*returned*") if p.is_file()]
    assert sent and comment in sent[0].read_text(encoding="utf-8")
    live = re.search(r"http://testserver(/r/[A-Za-z0-9_-]{22})", sent[0].read_text(encoding="utf-8"))
    assert live and officer.client.get(live.group(1)).status_code == 200
    assert (
        messages[0].link and officer.client.get(messages[0].link.removeprefix("http://testserver")).status_code == 404
    )
    # Reminders start again: the next runs queue for the cycle.
    queue_batch(officer.ctx.core.runtime, [cycle_id], officer.today + timedelta(days=10))
    with officer.session() as s:
        later = s.execute(
            select(Notification).where(Notification.cycle_id == cycle_id, Notification.step != "returned")
        ).all()
    assert len(later) > 1


def test_return_needs_a_comment(officer: Web) -> None:
    cycle_id, _ = _answered(officer)
    response = officer.act(cycle_id, "return", comment="   ")
    assert response.status_code == 409 and "vui lòng ghi ý kiến trả lại" in response.text
    with officer.session() as s:
        assert s.get(Cycle, cycle_id).status == "answered"


def test_grant_extension_replans_the_reminders(officer: Web) -> None:
    cycle_id, path = officer.path_for(role=Role.lead, kind=CycleKind.periodic)
    with officer.session() as s:
        old = s.get(Cycle, cycle_id)
    new_due = old.due + timedelta(days=45)
    officer.answer(path, {"extension_to": new_due.isoformat(), "extension_reason": "Chờ số liệu"})
    page = officer.client.get(f"/officers/cycles/{cycle_id}").text
    assert "Cơ quan đề nghị gia hạn đến" in page and f'value="{new_due.isoformat()}"' in page
    response = officer.act(cycle_id, "extend", new_due=new_due.isoformat(), comment="Đồng ý")
    assert response.status_code == 303
    with officer.session() as s:
        cycle = s.get(Cycle, cycle_id)
        review = s.execute(select(AnswerReview)).scalar_one()
    assert cycle.status == "extended" and cycle.due_extended == new_due
    assert cycle.schedule_version == old.schedule_version + 1
    assert cycle.next_reminder_on is None and cycle.evaluated_on is None
    assert review.decision == "extension_granted" and review.new_due == new_due
    # The reminder calendar follows the new date: nothing tomorrow (the old steps are done, the new
    # calendar opens 30 days before the new date), then the steps of the new schedule ("@v1").
    rt = officer.ctx.core.runtime
    queue_batch(rt, [cycle_id], officer.today + timedelta(days=1))
    with officer.session() as s:
        assert s.execute(select(Notification).where(Notification.step.endswith("@v1"))).first() is None  # type: ignore[attr-defined]
        assert s.get(Cycle, cycle_id).next_reminder_on > officer.today + timedelta(days=1)
    queue_batch(rt, [cycle_id], new_due - timedelta(days=3))
    with officer.session() as s:
        steps = [n.step for n in s.execute(select(Notification).where(Notification.cycle_id == cycle_id)).scalars()]
    assert any(step.endswith("@v1") for step in steps)
    assert f"{new_due:%d/%m/%Y}" in officer.client.get(path).text


@pytest.mark.parametrize("value", ["", "not-a-date", "2025-01-01"])
def test_grant_extension_refuses_bad_dates(officer: Web, value: str) -> None:
    cycle_id, _ = officer.path_for(role=Role.lead, kind=CycleKind.periodic)
    before = snapshot(officer.engine)
    response = officer.act(cycle_id, "extend", new_due=value)
    assert response.status_code == 409 and "Chưa thực hiện được" in response.text
    assert snapshot(officer.engine) == before


def test_refuse_extension_goes_back_to_the_state_before(officer: Web) -> None:
    cycle_id, path = officer.path_for(role=Role.lead, kind=CycleKind.deadline)
    with officer.session() as s:
        before = s.get(Cycle, cycle_id).status
    assert before == "overdue"
    officer.answer(path, {"extension_to": (officer.today + timedelta(days=20)).isoformat(), "extension_reason": "x"})
    response = officer.act(cycle_id, "refuse", comment="Không đủ căn cứ")
    assert response.status_code == 303
    with officer.session() as s:
        cycle = s.get(Cycle, cycle_id)
        messages = list(
            s.execute(
                select(Notification).where(Notification.cycle_id == cycle_id, Notification.step == "refused")
            ).scalars()
        )
    assert cycle.status == before and cycle.next_reminder_on is None and cycle.due_extended is None
    assert messages and "không được chấp thuận" in messages[0].body_text


def test_refuse_without_a_request_is_refused(officer: Web) -> None:
    cycle_id, _ = _answered(officer)
    assert officer.act(cycle_id, "refuse").status_code == 409


def test_reassign_moves_the_cycle_to_the_right_agency(officer: Web) -> None:
    cycle_id, path = _answered(officer, {"other_agency": "Sở Tài chính"})
    page = officer.client.get(f"/officers/cycles/{cycle_id}").text
    assert "Cơ quan báo nhiệm vụ thuộc" in page and "Sở Tài chính" in page
    response = officer.act(cycle_id, "reassign", agency="Sở Tài chính", comment="Theo đề nghị")
    assert response.status_code == 303
    with officer.session() as s:
        old = s.get(Cycle, cycle_id)
        target = s.execute(select(Agency).where(Agency.name == "Sở Tài chính")).scalar_one()
        new = s.execute(
            select(Cycle).where(Cycle.agency_id == target.id, Cycle.period_key.endswith(f"~r{cycle_id}"))
        ).scalar_one()  # type: ignore[attr-defined]
        messages = list(s.execute(select(Notification).where(Notification.cycle_id == new.id)).scalars())
    assert old.status == "cancelled" and new.status == "open" and new.task_id == old.task_id
    assert new.due_effective == old.due_effective and messages
    assert officer.client.get(path).status_code == 410  # the old agency's link is revoked


def test_resend_and_revoke_links(officer: Web) -> None:
    cycle_id, path = officer.path_for(role=Role.lead, kind=CycleKind.periodic)
    response = officer.act(cycle_id, "resend")
    assert response.status_code == 303
    with officer.session() as s:
        resent = (
            s.execute(select(Notification).where(Notification.cycle_id == cycle_id, Notification.step == "resend"))
            .scalars()
            .first()
        )
    new_path = reveal(resent.link, officer.ctx.core.runtime.link_key).removeprefix("http://testserver")
    assert new_path != path and officer.client.get(new_path).status_code == 200
    assert officer.client.get(path).status_code == 200  # older links stay valid until revoked
    assert officer.act(cycle_id, "revoke").status_code == 303
    assert officer.client.get(path).status_code == 410
    assert officer.client.get(new_path).status_code == 410
    with officer.session() as s:
        assert s.get(Cycle, cycle_id).status == "open"  # revoking changes the links, not the state


def test_officer_post_without_csrf_is_refused(officer: Web) -> None:
    cycle_id, _ = _answered(officer)
    before = snapshot(officer.engine)
    for data in ({}, {"csrf": "1.2.3"}, {"csrf": officer.ctx.csrf.issue("officer", "another-session")}):
        response = officer.client.post(f"/officers/cycles/{cycle_id}/accept", data=data, follow_redirects=False)
        assert response.status_code == 403 and "Phiên làm việc không hợp lệ" in response.text
    assert snapshot(officer.engine) == before


def test_unknown_action_and_cycle(officer: Web) -> None:
    assert officer.act(1, "explode").status_code == 404
    assert officer.client.get("/officers/cycles/999999").status_code == 404
    assert officer.client.get("/officers/tasks/999999").status_code == 404


# --------------------------------------------------------------------------------------------------
# Rounds, dead messages
# --------------------------------------------------------------------------------------------------


def test_open_a_round(officer: Web) -> None:
    page = officer.client.get("/officers/rounds/new")
    assert "Mở đợt báo cáo đột xuất" in page.text
    data = {
        "csrf": officer.csrf(page.text),
        "title": "Báo cáo sơ kết 6 tháng",
        "due": (officer.today + timedelta(days=14)).isoformat(),
        "tasks": "1, 2",
        "message": "Đề nghị báo cáo kết quả 6 tháng đầu năm.",
    }
    response = officer.client.post("/officers/rounds", data=data, follow_redirects=False)
    assert response.status_code == 303 and "/officers/rounds/" in response.headers["location"]
    again = officer.client.post("/officers/rounds", data=data, follow_redirects=False)  # a double click
    assert again.headers["location"] == response.headers["location"]
    with officer.session() as s:
        rounds = list(s.execute(select(ReportRound)).scalars())
        cycles = list(s.execute(select(Cycle).where(Cycle.round_id == rounds[0].id)).scalars())
        messages = list(
            s.execute(select(Notification).where(Notification.cycle_id.in_([c.id for c in cycles]))).scalars()
        )  # type: ignore[union-attr]
    assert len(rounds) == 1 and cycles and all(c.status == "open" and c.kind == "adhoc" for c in cycles)
    assert messages and all(m.status == "sent" for m in messages)  # dispatched after the response
    view = officer.client.get(response.headers["location"]).text
    assert "Báo cáo sơ kết 6 tháng" in view and "Đã mở đợt báo cáo" in view


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "due": "2025-07-01"}, "Vui lòng nhập tiêu đề"),
        ({"title": "Đợt", "due": "2025-01-01", "tasks": "1"}, "hạn đã qua"),
        ({"title": "Đợt", "due": "2025-07-30", "tasks": "999"}, "không có nhiệm vụ"),
    ],
)
def test_round_errors(officer: Web, data: dict[str, str], message: str) -> None:
    csrf = officer.csrf(officer.client.get("/officers/rounds/new").text)
    response = officer.client.post("/officers/rounds", data={"csrf": csrf, **data}, follow_redirects=False)
    assert response.status_code == 422 and message in response.text
    with officer.session() as s:
        assert s.execute(select(ReportRound)).first() is None


def test_dead_messages_and_retry(officer: Web) -> None:
    with officer.session() as s:
        ids = [n.id for n in s.execute(select(Notification).order_by(Notification.id).limit(3)).scalars()]
        s.execute(
            update(Notification)
            .where(Notification.id.in_(ids))  # type: ignore[union-attr]
            .values(status="dead", attempts=5, last_error="zalo: <b>user not found</b>")
        )
        s.commit()
    page = officer.client.get("/officers/messages/dead").text
    assert "Tin nhắn không gửi được (3)" in page and "&lt;b&gt;user not found" in page
    response = officer.client.post(
        "/officers/messages/retry", data={"csrf": officer.csrf(page), "id": [str(ids[0])]}, follow_redirects=False
    )
    assert response.status_code == 303
    with officer.session() as s:
        first = s.get(Notification, ids[0])
        rest = [s.get(Notification, i).status for i in ids[1:]]
    assert first.status in ("pending", "sent") and first.attempts <= 1 and rest == ["dead", "dead"]
    page = officer.client.get("/officers/messages/dead").text
    officer.client.post("/officers/messages/retry", data={"csrf": officer.csrf(page), "all": "1"})
    with officer.session() as s:
        assert all(s.get(Notification, i).status != "dead" for i in ids)


def test_retry_all_counts_first_and_skips_what_a_fallback_delivered(officer: Web) -> None:
    """Issue 15, item 1: a Zalo row dead after its SMS fallback was sent is not sent again by "retry all"."""
    with officer.session() as s:
        zalo, alone = s.execute(select(Notification).order_by(Notification.id).limit(2)).scalars()
        data = zalo.model_dump(exclude={"id", "key", "channel", "status"})
        sms = Notification(**data, key=key_on_channel(zalo.key, "sms"), channel="sms", status="sent")
        sms.fallback_of = zalo.id
        s.add(sms)
        s.execute(
            update(Notification)
            .where(Notification.id.in_([zalo.id, alone.id]))  # type: ignore[union-attr]
            .values(status="dead", channel="zalo", error_class="permanent", last_error="zalo -118")
        )
        s.commit()
    page = officer.client.get("/officers/messages/dead").text
    assert "Gửi lại tất cả (1 tin)" in page and "1 tin không gửi lại" in page
    assert "Không gửi lại: cùng tin này qua SMS: đã gửi" in page
    response = officer.client.post("/officers/messages/retry", data={"csrf": officer.csrf(page), "all": "1"})
    assert "Đã xếp 1 tin nhắn vào hàng đợi gửi lại. Bỏ qua 1 tin" in response.text
    with officer.session() as s:
        assert s.get(Notification, zalo.id).status == "dead" and s.get(Notification, alone.id).status != "dead"


# --------------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------------


def test_excel_report(officer: Web) -> None:
    cycle_id, _ = _answered(officer)
    response = officer.client.get("/officers/report.xlsx")
    assert response.status_code == 200 and response.headers["content-disposition"].startswith("attachment;")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:3] == ["Phụ lục II", "Phụ lục I", "Tổng hợp"] and len(book.sheetnames) > 10
    sheet = book["Phụ lục II"]
    header = [c.value for c in sheet[3]]
    assert header[:6] == [
        "TT",
        "Nhiệm vụ",
        "Cơ quan chủ trì",
        "Cơ quan phối hợp",
        "Kết quả / sản phẩm",
        "Thời gian hoàn thành",
    ]
    assert "Tình trạng" in header and "Số hiệu văn bản" in header and "Số ngày quá hạn" in header
    with officer.session() as s:
        task = s.get(Task, s.get(Cycle, cycle_id).task_id)
        agency = s.get(Agency, s.get(Cycle, cycle_id).agency_id)
    rows = {r[0]: r for r in sheet.iter_rows(min_row=4, values_only=True) if r[1] and r[2]}
    row = rows[task.number]
    assert row[1] == task.title and row[5] == task.deadline_raw
    assert row[header.index("Tình trạng")] == "Đã báo cáo – chờ xem xét"
    assert row[header.index("Số hiệu văn bản")].startswith("45/KH-SKHCN")
    agency_sheet = next(name for name in book.sheetnames if book[name]["A1"].value == agency.name)
    assert any("45/KH-SKHCN" in str(v) for r in book[agency_sheet].iter_rows(values_only=True) for v in r if v)


def test_json_and_csv_reports(officer: Web) -> None:
    data = json.loads(officer.client.get("/officers/report.json").content)
    assert data["plan"] == "25/KH-UBND" and len(data["tasks"]) == 68 and data["agencies"]
    states = {t["state_text"] for t in data["tasks"]}
    assert "Chưa hoàn thành – quá hạn" in states
    csv_text = officer.client.get("/officers/report.csv").content.decode("utf-8-sig")
    lines = csv_text.splitlines()
    assert lines[0].startswith("loại,TT,Nhiệm vụ") and len(lines) == 1 + len(data["tasks"]) + len(data["indicators"])
    assert officer.client.get("/officers/report.pdf").status_code == 404


def test_report_csv_neutralises_formulas(officer: Web) -> None:
    """Issue 15 #10: a document number written as a formula reaches the CSV only as text."""
    _answered(officer, {**DONE, "document_number": "+cmd|' /C calc'!A0"})
    text = officer.client.get("/officers/report.csv").content.decode("utf-8-sig")
    import csv

    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert any(cell.startswith("'+cmd|' /C calc'!A0") for cell in cells)  # "… ngày 19/06/2025"
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
