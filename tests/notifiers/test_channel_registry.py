"""The registry (file channels by default, real ones when configured), masking, and logs without
personal data or secrets."""

import logging
from pathlib import Path

import pytest
from servers.esms import FakeEsms
from servers.smtp import LocalSMTP
from servers.zalo import FakeZalo
from sqlalchemy.engine import Engine

from config.channels import ChannelsConfigError, load_channels_config, parse_channels_config
from config.settings import Settings
from notifiers.base import Channel, ChannelConfigError, OutgoingMessage, PermanentError
from notifiers.email import EmailChannel
from notifiers.file import FileChannel
from notifiers.registry import build_channels, close_channels
from notifiers.sms import SmsChannel
from notifiers.zalo import ZaloChannel

PHONE = "0912345678"
EMAIL = "lanhdao@sotc.example.gov.vn"
PARAMS = {
    "agency": "Sở Tài chính",
    "subject": "Nhiệm vụ 3",
    "title": "Báo cáo",
    "label": "Quý IV",
    "due_date": "15/12/2025",
    "link": "https://dondoc.example.gov.vn/r/x",
}


def test_unconfigured_means_file_channels(tmp_path: Path, lite_engine: Engine) -> None:
    settings = Settings(data_dir=tmp_path)
    channels = build_channels(settings, lite_engine)
    assert set(channels) == {"zalo", "sms", "email"}
    assert all(isinstance(ch, FileChannel) and isinstance(ch, Channel) for ch in channels.values())
    result = channels["sms"].send(OutgoingMessage(key="k1", channel="sms", to=PHONE, text="Nhac han"))
    assert result.transport == "file" and (tmp_path / "outbox" / "sms").is_dir()


def test_configured_channels_are_real(tmp_path: Path, lite_engine: Engine) -> None:
    settings = Settings(
        data_dir=tmp_path,
        zalo_app_id="app",
        zalo_secret_key="s",
        zalo_refresh_token="r",
        sms_gateway="esms",
        sms_url="http://127.0.0.1:9",
        sms_api_key="k",
        sms_secret_key="s",
        sms_brandname="SOKHCN",
        email_url="mailtos://u:p@smtp.example.gov.vn",
    )
    channels = build_channels(settings, lite_engine)
    assert isinstance(channels["zalo"], ZaloChannel) and channels["zalo"].transport == "zalo-zbs"
    assert isinstance(channels["sms"], SmsChannel) and channels["sms"].transport == "esms"
    assert isinstance(channels["email"], EmailChannel) and channels["email"].transport == "smtp"
    close_channels(channels)


@pytest.mark.parametrize(
    "changes",
    [
        {"email_url": "mailto://u:p@smtp.example.gov.vn"},  # plain text to a remote server
        {"sms_gateway": "esms", "sms_api_key": "k"},  # secret key and brandname missing
        {"sms_gateway": "nosuch"},
        {"sms_gateway": "apprise"},  # no URL
    ],
)
def test_configured_but_unusable_is_loud(tmp_path: Path, lite_engine: Engine, changes: dict) -> None:
    with pytest.raises(ChannelConfigError):
        build_channels(Settings(data_dir=tmp_path, **changes), lite_engine)


def test_no_personal_data_or_secret_in_logs(tmp_path: Path, lite_engine: Engine, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeZalo() as zalo, FakeEsms() as esms, LocalSMTP() as smtp:
        settings = Settings(
            data_dir=tmp_path,
            zalo_app_id=zalo.app_id,
            zalo_secret_key=zalo.secret_key,
            zalo_refresh_token="refresh-0",
            zalo_api_base=zalo.url,
            zalo_oauth_base=zalo.url,
            sms_gateway="esms",
            sms_url=esms.url,
            sms_api_key="key",
            sms_secret_key="secret",
            sms_brandname="SO",
            email_url=f"mailto://127.0.0.1:{smtp.port}",
            email_from_address="dondoc@sokhcn.example.gov.vn",
        )
        channels = build_channels(settings, lite_engine)
        channels["zalo"].send(OutgoingMessage(key="k1", channel="zalo", to=PHONE, template="reminder", params=PARAMS))
        zalo.unreachable.add("84912345678")
        with pytest.raises(PermanentError):
            channels["zalo"].send(
                OutgoingMessage(key="k2", channel="zalo", to=PHONE, template="reminder", params=PARAMS)
            )
        channels["sms"].send(OutgoingMessage(key="k3", channel="sms", to=PHONE, text="Nhac han bao cao"))
        channels["email"].send(OutgoingMessage(key="k4", channel="email", to=EMAIL, subject="Thử", text="x"))
        apprise_mail = EmailChannel(f"mailto://127.0.0.1:{smtp.port}", transport="apprise")
        apprise_mail.send(OutgoingMessage(key="k5", channel="email", to=EMAIL, subject="Thử", text="x"))
        close_channels(channels)
    # Everything dondoc and its libraries logged (not the fake SMTP server's own log, "mail.log").
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))
    assert "zalo sent" in text and "sms sent" in text and "email sent" in text  # we did log
    for secret in ("912345678", "12 345 678", "lanhdao@", zalo.secret_key, "refresh-", "acc-"):
        assert secret not in text, secret


def test_shipped_channel_file_is_valid() -> None:
    config = load_channels_config()
    for name in ("reminder", "overdue", "escalation", "round", "test", "open", "due"):
        assert config.zalo.template_for(name) is not None
    assert config.rate_limit("speedsms").rate == 1.0


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"zalo": {"templates": {}}}, "missing reminder"),
        ({"zalo": {**load_channels_config().zalo.model_dump(), "aliases": {"x": "nope"}}}, "aliases.x"),
        ({"rate_limits": {"esms": {"burst": 2}}}, "per_second or per_minute"),
        ({"email": {"transport": "carrier-pigeon"}}, "email.transport"),
        (
            {"zalo": {"templates": {"reminder": {"template_id": 1, "params": [{"name": "a"}, {"name": "a"}]}}}},
            "repeated",
        ),
    ],
)
def test_channel_file_errors_name_the_key(data: dict, where: str) -> None:
    with pytest.raises(ChannelsConfigError) as err:
        parse_channels_config(data, "channels.yaml")
    assert "channels.yaml" in str(err.value) and where in str(err.value)


def test_template_fill() -> None:
    template = load_channels_config().zalo.templates["reminder"]
    data = template.fill(dict(PARAMS, label="", extra="not sent"))
    assert data["label"] == "-" and "extra" not in data
    with pytest.raises(KeyError):
        template.fill({"agency": "x"})
