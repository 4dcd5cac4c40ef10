"""The operator's probes (issue 14 item 2) on the real application over the seeded database, SQLite and
PostgreSQL: ``/healthz``, ``/readyz`` (each failing check named, 503), ``/metrics`` parsed with
``prometheus_client.parser`` and compared with the tables, its optional token, the officers' page
"Tình trạng hệ thống" — and ``dondoc db upgrade`` run while the application serves."""

import threading
import warnings
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import func, select, update
from support.web import Web, make_web

from config.app import build_app
from config.settings import Settings
from models.domain.clock import utcnow
from models.services.system_status import recorded_run
from models.store.cycle_tables import Cycle, Notification
from models.store.db import alembic_config, head_revision, upgrade
from web.app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx2
    from fastapi.testclient import TestClient


def _metrics(web: Web, **headers: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    response = web.client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return out


def test_healthz_answers_without_the_database(web: Web) -> None:
    web.engine.dispose()
    response = web.client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_reports_each_check(web: Web) -> None:
    response = web.client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok" and body["failed"] == []
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == {"current": head_revision(), "head": head_revision()}
    assert body["checks"]["channels"] == {"zalo": "file", "sms": "file", "email": "file"}


def test_readyz_names_a_channel_configured_but_unusable(seeded_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    web = make_web(seeded_url, tmp_path)
    web.settings.email_url = SecretStr("mailtos://u:p@smtp.example?mode=bogus")
    response = web.client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["channels"] and "mode=bogus" in body["checks"]["channels"]["error"]


def test_readyz_names_an_unreachable_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A PostgreSQL server that does not answer (nothing listens on port 9): 503 naming the database."""
    settings = Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:9/none", data_dir=tmp_path)  # type: ignore[arg-type]
    client = TestClient(create_app(settings, migrate=False, core=build_app(settings, migrate=False)))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert client.get("/healthz").status_code == 200


def test_upgrade_while_the_app_serves(web: Web) -> None:
    """The schema one migration behind (0011, before ``reminderledger.folded``): /readyz says 503
    "migrations"; ``dondoc db upgrade`` then runs while answer pages and probes keep being served — each
    request answered, none failed — and /readyz is 200 afterwards. Checked: migration 0012 only adds a
    column with a constant default (no table rewritten: SQLite ADD COLUMN, PostgreSQL ≥ 11), and the pages
    served here do not read the ledger; on SQLite the upgrade waits for writers (busy timeout)."""
    from alembic import command

    url = str(web.engine.url.render_as_string(hide_password=False))
    command.downgrade(alembic_config(url), "0011")
    try:
        response = web.client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["failed"] == ["migrations"]
        assert response.json()["checks"]["migrations"]["current"] == "0011"
        _cycle_id, path = web.path_for(role="lead", kind="periodic")
        done = threading.Event()
        failures: list[str] = []

        def serve() -> None:
            served = 0
            while not done.is_set() or served < 5:
                for target in (path, "/healthz", "/officers/login"):
                    status = web.client.get(target).status_code
                    if status != 200:
                        failures.append(f"{target}: {status}")
                served += 1

        worker = threading.Thread(target=serve)
        worker.start()
        try:
            upgrade(url)
        finally:
            done.set()
            worker.join()
        assert failures == []
    finally:
        upgrade(url)
    assert web.client.get("/readyz").status_code == 200


def test_metrics_are_the_tables_counts(web: Web) -> None:
    with web.session() as s:
        pending = s.execute(
            select(func.count())
            .select_from(Notification)
            .where(Notification.channel == "zalo", Notification.status == "pending")
        ).scalar_one()
        dead_id = s.execute(select(Notification.id).where(Notification.channel == "zalo").limit(1)).scalar_one()
        s.execute(
            update(Notification)
            .where(Notification.id == dead_id)
            .values(status="dead", error_class="permanent", last_error="-108", claimed_at=utcnow())
        )
        overdue = s.execute(select(func.count()).select_from(Cycle).where(Cycle.status == "overdue")).scalar_one()
        opened = s.execute(select(func.count()).select_from(Cycle).where(Cycle.status == "open")).scalar_one()
        s.commit()
    assert pending > 1
    before = _metrics(web)
    assert before["dondoc_messages"][(("channel", "zalo"), ("state", "queued"))] == pending - 1
    assert before["dondoc_messages"][(("channel", "zalo"), ("state", "dead"))] == 1
    assert before["dondoc_messages"][(("channel", "sms"), ("state", "dead"))] == 0
    assert before["dondoc_provider_errors_24h"][(("channel", "zalo"),)] == 1
    assert before["dondoc_oldest_unsent_message_age_seconds"][()] > 0
    assert before["dondoc_cycles"][(("status", "overdue"),)] == overdue
    assert before["dondoc_cycles"][(("status", "open"),)] == opened
    assert before["dondoc_disk_free_bytes"][()] > 0
    assert before["dondoc_daily_run_today_completed"][()] == 0
    assert "dondoc_daily_run_last_start_timestamp_seconds" not in before  # no run recorded yet
    assert before["dondoc_zalo_paused"][()] == 0

    with recorded_run(web.engine, web.today, "direct") as record:
        record.summary = {"queued": 3, "dispatch": {"sent": 3, "dead": 0, "by_channel": {"zalo": 3}}}
    after = _metrics(web)
    assert after["dondoc_daily_run_last_status"][(("status", "completed"),)] == 1
    assert after["dondoc_daily_run_last_status"][(("status", "failed"),)] == 0
    start = after["dondoc_daily_run_last_start_timestamp_seconds"][()]
    assert abs(start - utcnow().timestamp()) < 60
    assert after["dondoc_daily_run_last_end_timestamp_seconds"][()] >= start


def test_a_failed_run_is_recorded_with_its_error(web: Web) -> None:
    try:
        with recorded_run(web.engine, web.today, "server"):
            raise RuntimeError("máy chủ SMTP không trả lời")
    except RuntimeError:
        pass
    metrics = _metrics(web)
    assert metrics["dondoc_daily_run_last_status"][(("status", "failed"),)] == 1
    status = web.client.get("/metrics").text
    assert "SMTP" not in status  # the error is for the page and the CLI, not the metrics


def test_metrics_token_when_set(seeded_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    web = make_web(seeded_url, tmp_path)
    web.settings.metrics_token = SecretStr("bi-mat-cua-prometheus")
    assert web.client.get("/metrics").status_code == 401
    assert web.client.get("/metrics", headers={"Authorization": "Bearer sai"}).status_code == 401
    assert "dondoc_messages" in _metrics(web, Authorization="Bearer bi-mat-cua-prometheus")


def test_the_officers_system_page(officer: Web) -> None:
    overview = officer.client.get("/officers")
    assert 'href="/officers/system">Tình trạng hệ thống</a>' in overview.text
    with recorded_run(officer.engine, officer.today, "direct") as record:
        record.summary = {"queued": 7, "dispatch": {"sent": 7, "dead": 0, "by_channel": {}}}
    page = officer.client.get("/officers/system")
    assert page.status_code == 200
    text = page.text
    assert "<h1>Tình trạng hệ thống</h1>" in text
    for label in (
        "Lần chạy hằng ngày gần nhất",
        "Tin nhắn chờ gửi",
        "Tin nhắn đang gửi",
        "Tin nhắn không gửi được",
        "Tin nhắn chờ lâu nhất",
        "Lỗi nhà cung cấp trong 24 giờ",
        "Mã truy cập Zalo",
        "Dung lượng trống",
    ):
        assert f"<dt>{label}</dt>" in text, label
    assert "Hoàn thành — ngày chạy 20/06/2025" in text and "7 tin xếp hàng, đã gửi 7" in text


def test_the_system_page_needs_a_login(web: Web) -> None:
    response = web.client.get("/officers/system", follow_redirects=False)
    assert response.status_code == 303 and "/officers/login" in response.headers["location"]


def test_oldest_unsent_age(web: Web) -> None:
    with web.session() as s:
        s.execute(update(Notification).values(created_at=utcnow() - timedelta(hours=30)))
        s.commit()
    age = _metrics(web)["dondoc_oldest_unsent_message_age_seconds"][()]
    assert 30 * 3600 - 60 < age < 30 * 3600 + 60


def test_zalo_token_expiry_and_pause(officer: Web) -> None:
    from models.services.system_status import local_minute
    from models.store.channel_tables import ProviderToken

    expires = utcnow() + timedelta(hours=20)
    with officer.session() as s:
        s.add(ProviderToken(provider="zalo", access_token="a", refresh_token="r", access_expires_at=expires))
        s.commit()
    officer.settings.zalo_app_id = "app"
    officer.settings.zalo_secret_key = SecretStr("secret")
    officer.settings.zalo_refresh_token = SecretStr("refresh")
    metrics = _metrics(officer)
    assert abs(metrics["dondoc_zalo_token_expiry_timestamp_seconds"][()] - expires.timestamp()) < 1
    assert metrics["dondoc_zalo_paused"][()] == 0
    page = officer.client.get("/officers/system").text
    assert f"hết hạn lúc {local_minute(expires)} (còn 19 giờ" in page

    paused = utcnow() + timedelta(minutes=30)
    with officer.session() as s:
        s.execute(update(ProviderToken).values(paused_until=paused))
        s.commit()
    assert _metrics(officer)["dondoc_zalo_paused"][()] == 1
    page = officer.client.get("/officers/system").text
    notice = page.partition('role="alert">')[2].partition("</div>")[0]
    assert f"Zalo tạm dừng đến {local_minute(paused)}" in page and "Mã truy cập Zalo" in notice, notice


def test_a_run_in_progress_and_a_stuck_one(officer: Web) -> None:
    from models.store.run_tables import DailyRun

    with officer.session() as s:
        s.add(DailyRun(day=officer.today, status="running", mode="direct", started_at=utcnow() - timedelta(minutes=5)))
        s.commit()
    page = officer.client.get("/officers/system").text
    assert "Đang chạy từ" in page and "tiến trình có thể đã dừng" not in page
    assert _metrics(officer)["dondoc_daily_run_last_status"][(("status", "running"),)] == 1
    with officer.session() as s:
        s.execute(update(DailyRun).values(started_at=utcnow() - timedelta(hours=3)))
        s.commit()
    page = officer.client.get("/officers/system").text
    assert "đã quá 1 giờ: tiến trình có thể đã dừng" in page
