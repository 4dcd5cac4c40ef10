"""Officers see a message whose outcome is unknown as "Đã gửi, chưa rõ kết quả", never among the dead
ones, and "retry all dead" does not re-send it (issue 15: an unknown outcome is a state of its own)."""

from datetime import timedelta

from sqlalchemy import select, update
from support.web import Web

from models.domain.clock import utcnow
from models.store.cycle_tables import Notification


def test_unconfirmed_messages_are_listed_apart_from_the_dead(officer: Web) -> None:
    with officer.session() as s:
        ids = [n.id for n in s.execute(select(Notification).order_by(Notification.id).limit(3)).scalars()]
        s.execute(
            update(Notification)
            .where(Notification.id.in_(ids[:2]))  # type: ignore[union-attr]
            .values(status="unconfirmed", attempts=2, unknown_sends=2, last_error="zalo: no answer (ReadTimeout)")
        )
        later = utcnow() + timedelta(minutes=15)  # an unknown outcome waits before its one re-send
        s.execute(
            update(Notification)
            .where(Notification.id == ids[2])
            .values(status="unknown", unknown_sends=1, next_attempt_at=later)
        )
        s.commit()
    page = officer.client.get("/officers/messages/unconfirmed").text
    assert "Tin nhắn đã gửi, chưa rõ kết quả (3)" in page
    assert page.count("<td>Đã gửi, chưa rõ kết quả</td>") == 2
    assert "Đã gửi, chưa rõ kết quả (sẽ gửi lại cùng mã)" in page
    assert "3 tin nhắn đã gửi, chưa rõ kết quả" in officer.client.get("/officers").text
    dead = officer.client.get("/officers/messages/dead").text
    assert "Tin nhắn không gửi được (0)" in dead
    officer.client.post("/officers/messages/retry", data={"csrf": officer.csrf(dead), "all": "1"})
    with officer.session() as s:
        assert [s.get(Notification, i).status for i in ids] == ["unconfirmed", "unconfirmed", "unknown"]


def test_the_unconfirmed_list_needs_a_login(web: Web) -> None:
    response = web.client.get("/officers/messages/unconfirmed", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/officers/login?next=")
