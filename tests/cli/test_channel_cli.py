"""``dondoc channels test`` and ``dondoc channels status``."""

import json
from datetime import UTC, datetime

import pytest
from servers.esms import FakeEsms
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from cli.channels import app
from config.settings import get_settings
from models.domain.clock import utcnow
from models.store.channel_tables import ProviderToken
from models.store.cycle_tables import Notification
from models.store.db import make_engine
from notifiers.ratelimit import RateLimiter

runner = CliRunner()


def run(*args: str) -> tuple[int, dict]:
    result = runner.invoke(app, [*args, "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_test_through_the_file_channel(cli_env: str) -> None:
    code, out = run("test", "--channel", "email", "--to", "lanhdao@sotc.example.gov.vn")
    assert code == 0 and out["ok"] and out["transport"] == "file" and out["error_class"] is None
    assert set(out) >= {"channel", "transport", "ok", "provider_message_id", "error_class", "error"}


def test_test_through_esms(cli_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeEsms() as esms:
        for key, value in {
            "SMS_GATEWAY": "esms",
            "SMS_URL": esms.url,
            "SMS_API_KEY": "key",
            "SMS_SECRET_KEY": "secret",
            "SMS_BRANDNAME": "SOKHCN",
        }.items():
            monkeypatch.setenv(f"DONDOC_{key}", value)
        get_settings.cache_clear()
        code, out = run("test", "--channel", "sms", "--to", "0912345678")
        assert code == 0 and out["ok"] and out["transport"] == "esms" and out["provider_message_id"]
        content = esms.requests[0].json()["Content"]
        assert content.startswith("Tin nhan thu cua dondoc") and "http://127.0.0.1:8000/" in content
        esms.api_key = "rotated"
        code, out = run("test", "--channel", "sms", "--to", "0912345678")
        assert code == 1 and out["error_class"] == "auth" and out["code"] == "101"


def test_test_classified_error_for_a_bad_number(cli_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DONDOC_SMS_GATEWAY", "esms")
    monkeypatch.setenv("DONDOC_SMS_URL", "http://127.0.0.1:9")
    for key in ("SMS_API_KEY", "SMS_SECRET_KEY", "SMS_BRANDNAME"):
        monkeypatch.setenv(f"DONDOC_{key}", "x")
    get_settings.cache_clear()
    code, out = run("test", "--channel", "sms", "--to", "12345")
    assert code == 1 and out["error_class"] == "permanent" and out["code"] == "invalid-phone"


def test_status(cli_env: str) -> None:
    engine: Engine = make_engine(cli_env)
    now = utcnow()
    with Session(engine) as session:
        session.add(
            ProviderToken(
                provider="zalo",
                access_token="a",
                refresh_token="r",
                version=3,
                access_expires_at=datetime(2030, 1, 1, tzinfo=UTC),
                last_error="refused",
            )
        )
        for i in range(2):
            session.add(
                Notification(
                    key=f"k{i}",
                    step="due",
                    recipient="SOTC",
                    channel="zalo",
                    address="x",
                    status="dead",
                    error_class="permanent",
                    last_error=f"error {i}",
                    next_attempt_at=now,
                    created_at=now,
                )
            )
        session.commit()
    RateLimiter(engine).record_remaining("zalo", 488, 500)
    engine.dispose()
    code, out = run("status")
    assert code == 0
    assert out["zalo"]["token_version"] == 3 and out["zalo"]["last_error"] == "refused"
    assert out["zalo"]["access_expires_at"].startswith("2030-01-01")
    assert out["quotas"] == [
        {"name": "zalo", "day": out["quotas"][0]["day"], "used_today": 12, "remaining": 488, "exhausted": False}
    ]
    assert out["dead"]["count"] == 2 and out["dead"]["latest"]["last_error"] == "error 1"
    assert "access_token" not in out["zalo"] and "refresh_token" not in out["zalo"]  # never shown
    plain = runner.invoke(app, ["status"])
    assert plain.exit_code == 0 and "undeliverable messages: 2" in plain.stdout


def test_status_plain_text_renders_markup_and_keeps_error_text_literal(cli_env: str) -> None:
    engine: Engine = make_engine(cli_env)
    with Session(engine) as session:
        session.add(
            ProviderToken(
                provider="zalo",
                version=1,
                last_error="refused [error -14] [/red]",
                paused_until=datetime(2030, 1, 1, 8, 30, tzinfo=UTC),
            )
        )
        session.commit()
    RateLimiter(engine).record_remaining("zalo", 0, 500)
    engine.dispose()
    plain = runner.invoke(app, ["status"])
    assert plain.exit_code == 0, plain.output
    assert "[red]" not in plain.stdout and "[/red]" in plain.stdout  # tags rendered; the error's own text kept
    assert "Zalo token error" in plain.stdout and "refused [error -14] [/red]" in plain.stdout
    assert "HẾT / exhausted" in plain.stdout
    assert "paused until 01/01/2030 15:30" in plain.stdout  # local time  # the auth circuit, shown once
    code, out = run("status")
    assert code == 0 and out["zalo"]["paused_until"].startswith("2030-01-01 08:30")
