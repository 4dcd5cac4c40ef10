"""The email channel against a real local SMTP server (aiosmtpd): what arrives, error classes, speed."""

import threading
import time
from collections.abc import Iterator
from email.header import decode_header, make_header

import pytest
from servers.smtp import LocalSMTP

from notifiers.base import AuthError, ChannelConfigError, OutgoingMessage, PermanentError, RetryableError
from notifiers.email import EmailChannel, parse_mail_url, smtp_queue_id

SUBJECT = "[Đôn đốc 25/KH-UBND] Nhiệm vụ 12: còn 3 ngày đến hạn 15/12/2025"
LINK = "https://dondoc.example.gov.vn/r/AbC123"
TEXT = f"Kính gửi Sở Khoa học và Công nghệ,\n\nĐề nghị quý cơ quan cập nhật kết quả tại: {LINK}\n"
HTML = f'<p>Kính gửi Sở Khoa học và Công nghệ,</p><p>Cập nhật tại: <a href="{LINK}">{LINK}</a></p>'


@pytest.fixture
def smtp() -> Iterator[LocalSMTP]:
    with LocalSMTP() as server:
        yield server


def channel_for(server: LocalSMTP, **kwargs) -> EmailChannel:
    kwargs.setdefault("from_name", "Sở Khoa học và Công nghệ")
    kwargs.setdefault("from_address", "dondoc@sokhcn.example.gov.vn")
    kwargs.setdefault("reply_to", "vanthu@sokhcn.example.gov.vn")
    url = kwargs.pop("url", f"mailto://127.0.0.1:{server.port}")
    return EmailChannel(url, timeout=5, **kwargs)


def msg(key: str = "c1:before_7:SOKHCN:email", to: str = "lanhdao@sotc.example.gov.vn") -> OutgoingMessage:
    return OutgoingMessage(key=key, channel="email", to=to, subject=SUBJECT, text=TEXT, html=HTML, link=LINK)


def test_what_the_server_receives(smtp: LocalSMTP) -> None:
    channel = channel_for(smtp)
    result = channel.send(msg())
    assert result.transport == "smtp" and result.detail.startswith("250")
    [got] = smtp.received
    assert got.mail_from == "dondoc@sokhcn.example.gov.vn" and got.rcpt_tos == ["lanhdao@sotc.example.gov.vn"]
    raw_headers = got.data.split(b"\r\n\r\n", 1)[0].decode("ascii")  # 7-bit headers: RFC 2047 words
    assert "=?utf-8?" in raw_headers.lower()
    mail = got.message()
    subject_raw = next(line for line in raw_headers.split("\r\n") if line.startswith("Subject:"))
    assert "Đôn" not in subject_raw
    assert str(make_header(decode_header(mail["Subject"]))) == SUBJECT
    assert mail["From"].addresses[0].display_name == "Sở Khoa học và Công nghệ"
    assert mail["Reply-To"].addresses[0].addr_spec == "vanthu@sokhcn.example.gov.vn"
    assert mail["Message-ID"] == result.provider_message_id
    assert mail.get_content_type() == "multipart/alternative"
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Kính gửi Sở Khoa học và Công nghệ" in plain and LINK in plain
    assert f'href="{LINK}"' in html and "Sở Khoa học" in html
    channel.close()


def test_same_key_same_message_id(smtp: LocalSMTP) -> None:
    channel = channel_for(smtp)
    first = channel.send(msg()).provider_message_id
    assert channel.send(msg()).provider_message_id == first
    assert channel.send(msg(key="other")).provider_message_id != first


def test_the_servers_queue_id_is_kept(smtp: LocalSMTP) -> None:
    """A re-send after an unknown outcome carries the same Message-ID; the server's queue id ("queued as
    …") of each accepted copy is what a mail administrator can look up (issue 15)."""
    channel = channel_for(smtp)
    result = channel.send(msg())
    assert result.provider_ref and result.provider_ref == smtp.received[-1].queue_id
    assert smtp_queue_id("250 2.0.0 Ok: queued as 4Bq3xT0Zk9z") == "4Bq3xT0Zk9z"
    assert smtp_queue_id("250 OK id=1tAbCd-000Xyz-2E") is None  # no queue id given: none recorded
    channel.close()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_auth_then_refused_password() -> None:
    with LocalSMTP(users={"dondoc": "đúng-mật-khẩu"}) as server:
        good = channel_for(server, url=f"mailto://dondoc:{'đúng-mật-khẩu'}@127.0.0.1:{server.port}")
        assert good.send(msg()).transport == "smtp"
        bad = channel_for(server, url=f"mailto://dondoc:sai@127.0.0.1:{server.port}")
        with pytest.raises(AuthError):
            bad.send(msg())
        assert len(server.received) == 1


def test_recipient_rejected_is_permanent_and_deferred_is_retryable(smtp: LocalSMTP) -> None:
    smtp.reject.add("khong-ton-tai@sotc.example.gov.vn")
    smtp.defer.add("day@sotc.example.gov.vn")
    channel = channel_for(smtp)
    with pytest.raises(PermanentError) as err:
        channel.send(msg(to="khong-ton-tai@sotc.example.gov.vn"))
    assert err.value.code == "550" and "khong-ton-tai@" not in str(err.value)  # the address is masked
    with pytest.raises(RetryableError) as err2:
        channel.send(msg(to="day@sotc.example.gov.vn"))
    assert err2.value.code == "451"
    assert channel.send(msg()).transport == "smtp"  # the pooled session survived the refusals
    assert len(smtp.received) == 1


def test_bad_address_is_permanent_without_connecting(smtp: LocalSMTP) -> None:
    with pytest.raises(PermanentError):
        channel_for(smtp).send(msg(to="not an address"))
    assert smtp.received == []


def test_server_down_is_retryable() -> None:
    server = LocalSMTP()  # never started
    with pytest.raises(RetryableError) as err:
        channel_for(server).send(msg())
    assert err.value.code == "connect"


def test_dropped_idle_session_is_reopened(smtp: LocalSMTP) -> None:
    channel = channel_for(smtp)
    channel.send(msg(key="a"))
    pooled, _ = channel._pool.idle.queue[-1]
    pooled.close()  # what smtplib does when the server hung up on an idle session
    channel.send(msg(key="b"))
    assert len(smtp.received) == 2


def test_plain_mailto_to_a_remote_host_is_refused() -> None:
    with pytest.raises(ChannelConfigError, match="mailtos://"):
        EmailChannel("mailto://user:pass@smtp.example.gov.vn")


def test_mailtos_url_parsing() -> None:
    t = parse_mail_url("mailtos://dondoc:p%40ss@example.gov.vn?smtp=mail.example.gov.vn&mode=ssl")
    assert (t.host, t.port, t.mode, t.user, t.password) == (
        "mail.example.gov.vn",
        465,
        "ssl",
        "dondoc",
        "p@ss",
    )
    assert t.from_address == "dondoc@example.gov.vn"
    t = parse_mail_url("mailtos://u:p@mail.example.gov.vn?from=noreply@example.gov.vn")
    assert (t.port, t.mode, t.from_address) == (587, "starttls", "noreply@example.gov.vn")


def test_smtp_is_fast_and_thread_safe(smtp: LocalSMTP) -> None:
    channel = channel_for(smtp, pool_size=4)
    errors: list[Exception] = []

    def work(n: int) -> None:
        for i in range(10):
            try:
                channel.send(msg(key=f"t{n}-{i}"))
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

    start = time.perf_counter()
    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    elapsed = time.perf_counter() - start
    assert errors == [] and len(smtp.received) == 40
    assert elapsed < 3.0  # apprise's one-object path would need 39 × 5.5 s


def test_apprise_transport_is_not_throttled(smtp: LocalSMTP) -> None:
    channel = channel_for(smtp, transport="apprise")
    assert channel.transport == "apprise"
    start = time.perf_counter()
    for i in range(3):
        assert channel.send(msg(key=f"a{i}")).transport == "apprise"
    assert time.perf_counter() - start < 3.0  # one Apprise object per message: no 5.5 s sleep
    assert len(smtp.received) == 3
    mail = smtp.received[0].message()
    assert str(make_header(decode_header(mail["Subject"]))) == SUBJECT
    assert mail["Reply-To"].addresses[0].addr_spec == "vanthu@sokhcn.example.gov.vn"
    assert LINK in mail.get_body(("html",)).get_content()


def test_apprise_failure_is_retryable_and_scrubbed() -> None:
    server = LocalSMTP()  # never started
    channel = channel_for(server, transport="apprise")
    with pytest.raises(RetryableError) as err:
        channel.send(msg())
    assert "lanhdao@" not in str(err.value)
