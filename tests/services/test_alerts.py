"""dondoc's own alerts to the standing agency (issue 14 item 2), on SQLite and PostgreSQL: a daily run not
completed by the deadline, and messages gone dead, each alerted exactly once per day per kind — also when
several checkers run at once — through the normal outbox (instant channel + email)."""

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlmodel import Session
from support.web import make_web as seeded_web

from models.domain.clock import TZ
from models.services.alerts import DAILY_LATE, DEAD, check_alerts
from models.services.runtime import Runtime
from models.services.system_status import recorded_run, system_status
from models.store.cycle_tables import Notification

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
DEADLINE = time(9, 0)
URL = "http://testserver/officers/system"


@pytest.fixture
def rt(seeded_url: str, tmp_path: Path) -> Iterator[Runtime]:
    yield seeded_web(seeded_url, tmp_path).ctx.core.runtime


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ).astimezone(UTC)


def _check(rt: Runtime, now: datetime, data_dir: Path) -> tuple[list[str], int]:
    report = check_alerts(rt, system_status(rt.engine, data_dir, DEADLINE, now=now), URL)
    return report.raised, report.queued


def _alerts(rt: Runtime) -> list[Notification]:
    with Session(rt.engine) as s:
        return list(
            s.execute(select(Notification).where(Notification.step == "alert").order_by(Notification.id)).scalars()
        )


def test_a_late_daily_run_alerts_once_a_day(rt: Runtime, tmp_path: Path) -> None:
    day = date(2025, 6, 23)
    assert _check(rt, _at(day, 8, 59), tmp_path) == ([], 0)  # before the deadline: nothing
    raised, queued = _check(rt, _at(day, 9, 5), tmp_path)
    assert raised == [DAILY_LATE] and queued == 2  # the instant channel (Zalo) and email
    assert _check(rt, _at(day, 9, 20), tmp_path) == ([DAILY_LATE], 0)  # still late: nothing queued again
    rows = _alerts(rt)
    assert sorted(r.channel for r in rows) == ["email", "zalo"]
    assert {r.recipient for r in rows} == {f"{rt.directory.standing_agency}#system"}
    assert all(r.urgent and r.key.startswith("alert:2025-06-23:daily_late:") for r in rows)
    email = next(r for r in rows if r.channel == "email")
    assert email.subject.endswith("Cảnh báo hệ thống: Lần chạy hằng ngày chưa hoàn thành")
    assert "chưa hoàn thành (hạn 09:00)" in email.body_text and URL in email.body_text
    assert "Chưa có lần chạy nào được ghi nhận." in email.body_text
    zalo = next(r for r in rows if r.channel == "zalo")
    assert zalo.params["link"] == URL and zalo.template == "alert"

    # A run of that day completed: no alert; the next day without a run: one more.
    with recorded_run(rt.engine, day + timedelta(days=1), "direct"):
        pass
    assert _check(rt, _at(day + timedelta(days=1), 10), tmp_path) == ([], 0)
    raised, queued = _check(rt, _at(day + timedelta(days=2), 10), tmp_path)
    assert raised == [DAILY_LATE] and queued == 2


def test_concurrent_checkers_queue_one_alert(rt: Runtime, tmp_path: Path) -> None:
    now = _at(date(2025, 6, 24), 11)
    barrier = threading.Barrier(4)
    results: list[int] = []

    def checker() -> None:
        barrier.wait()
        results.append(_check(rt, now, tmp_path)[1])

    threads = [threading.Thread(target=checker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 2 and len(results) == 4
    assert len(_alerts(rt)) == 2


def test_dead_messages_alert_when_new_ones_appear(rt: Runtime, tmp_path: Path) -> None:
    day = date(2025, 6, 23)
    with recorded_run(rt.engine, day, "direct"):  # the run is on time: only the dead messages alert
        pass
    assert _check(rt, _at(day, 8), tmp_path) == ([], 0)
    with Session(rt.engine) as s:
        first, second = s.execute(select(Notification.id).order_by(Notification.id).limit(2)).scalars()
        s.execute(
            update(Notification)
            .where(Notification.id == first)
            .values(status="dead", error_class="permanent", last_error="-108", claimed_at=_at(day, 7, 30))
        )
        s.commit()
    raised, queued = _check(rt, _at(day, 8), tmp_path)
    assert raised == [DEAD] and queued == 2
    rows = [r for r in _alerts(rt) if ":dead_messages:" in r.key]
    assert not any(r.urgent for r in rows)  # waits for the sending window
    assert "1 tin nhắn không gửi được" in next(r for r in rows if r.channel == "email").body_text
    assert _check(rt, _at(day, 15), tmp_path) == ([], 0)  # the same dead row: not alerted again

    next_day = day + timedelta(days=1)
    with recorded_run(rt.engine, next_day, "direct"):
        pass
    assert _check(rt, _at(next_day, 8), tmp_path) == ([], 0)  # nothing new went dead
    with Session(rt.engine) as s:
        s.execute(
            update(Notification)
            .where(Notification.id == second)
            .values(status="dead", error_class="permanent", last_error="-118", claimed_at=_at(next_day, 8, 30))
        )
        s.commit()
    assert _check(rt, _at(next_day, 9), tmp_path) == ([DEAD], 2)
    assert _check(rt, _at(next_day, 10), tmp_path) == ([], 0)
