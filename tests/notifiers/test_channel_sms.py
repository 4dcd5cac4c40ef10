"""SMS: text preparation (unaccented, GSM-7 segments, the link kept), Vietnamese numbers, and the
eSMS / SpeedSMS / apprise gateways against local fake servers."""

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from servers.base import FakeServer, Reply, Request
from servers.esms import FakeEsms
from servers.speedsms import FakeSpeedSms
from sqlalchemy.engine import Engine

from notifiers.base import AuthError, OutgoingMessage, PermanentError, RetryableError
from notifiers.phones import parse_vn_mobile
from notifiers.ratelimit import RateLimiter
from notifiers.sms import SmsChannel, measure, prepare_sms
from notifiers.sms_gateways import AppriseSmsGateway, EsmsGateway, SpeedSmsGateway

LINK = "https://dondoc.example.gov.vn/r/AbCdEf123"
LONG = (
    "Đôn đốc: Sở Khoa học và Công nghệ – nhiệm vụ 12 “Xây dựng đề án chuyển đổi số” đến hạn báo cáo "
    f"ngày 15/12/2025, còn 3 ngày. Đề nghị cập nhật kết quả tại: {LINK} Xin cảm ơn quý cơ quan."
)


# ------------------------------------------------------------------------------------ text
def test_unaccented_by_default() -> None:
    sms = prepare_sms("Đôn đốc Sở Tài chính: đề nghị báo cáo", None)
    assert sms.text == "Don doc So Tai chinh: de nghi bao cao"
    assert sms.encoding == "gsm7" and sms.segments == 1


def test_typographic_punctuation_stays_gsm7() -> None:
    sms = prepare_sms("“Đề án” – hạn… 15/12", None)
    assert sms.text == '"De an" - han... 15/12' and sms.encoding == "gsm7"


def test_segment_counts() -> None:
    assert measure("a" * 160)[:2] == ("gsm7", 1)
    assert measure("a" * 161)[:2] == ("gsm7", 2)
    assert measure("a" * 306)[:2] == ("gsm7", 2) and measure("a" * 307)[:2] == ("gsm7", 3)
    assert measure("€" * 80)[:2] == ("gsm7", 1)  # escape characters count twice
    assert measure("[" * 77 + "a")[1] == 1 and measure("a" + "[" * 80)[1] == 2
    assert measure("ư" * 70)[:2] == ("ucs2", 1) and measure("ư" * 71)[:2] == ("ucs2", 2)
    assert measure("ư" * 134)[1] == 2 and measure("ư" * 135)[1] == 3


def test_long_text_is_shortened_but_the_link_survives() -> None:
    sms = prepare_sms(LONG, LINK, max_segments=1)
    assert sms.truncated and sms.segments == 1 and len(sms.text) <= 160
    assert sms.text.endswith(LINK) and "..." in sms.text
    assert sms.text.startswith("Don doc: So Khoa hoc va Cong nghe")


def test_two_segments_keep_everything() -> None:
    sms = prepare_sms(LONG, LINK, max_segments=2)
    assert not sms.truncated and sms.segments == 2 and "Xin cam on" in sms.text and LINK in sms.text


def test_accents_kept_when_configured_make_it_ucs2() -> None:
    sms = prepare_sms(LONG, LINK, max_segments=1, unaccent=False)
    assert sms.encoding == "ucs2" and sms.segments == 1 and sms.text.endswith(LINK) and "Đôn" in sms.text


def test_missing_link_is_appended() -> None:
    assert prepare_sms("Nhac han bao cao", LINK).text == f"Nhac han bao cao {LINK}"


def test_link_too_long_is_permanent() -> None:
    with pytest.raises(PermanentError):
        prepare_sms("x", "https://e.vn/" + "a" * 200, max_segments=1)


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from("aăâbcdđeêghiklmnoôơpqrstuưvxyÀẢÃÁẠĐ .,:-–“”\n0123456789€[]"), max_size=600),
    segments=st.integers(min_value=1, max_value=3),
)
def test_property_link_always_whole_and_within_segments(text: str, segments: int) -> None:
    sms = prepare_sms(text, LINK, max_segments=segments)
    assert LINK in sms.text
    assert sms.segments <= segments
    assert measure(sms.text)[1] == sms.segments


# ------------------------------------------------------------------------------------ numbers
@pytest.mark.parametrize("raw", ["0912 345 678", "+84 912.345.678", "84912345678", "912345678", "(091) 234-5678"])
def test_vietnamese_mobile_forms(raw: str) -> None:
    phone = parse_vn_mobile(raw)
    assert phone.intl.startswith("849") and phone.national.startswith("09")


@pytest.mark.parametrize("raw", ["", "12345", "+1 415 555 0100", "0123456789", "02083851234"])
def test_invalid_or_landline_numbers_are_permanent(raw: str) -> None:
    with pytest.raises(PermanentError):
        parse_vn_mobile(raw)


# ------------------------------------------------------------------------------------ eSMS
@pytest.fixture
def esms() -> Iterator[FakeEsms]:
    with FakeEsms() as server:
        yield server  # type: ignore[misc]


def esms_channel(server: FakeEsms, *, key: str = "key", timeout: float = 2.0, **kwargs) -> SmsChannel:
    gateway = EsmsGateway(
        server.url,
        api_key=key,
        secret_key="secret",
        brandname="SOKHCN-TN",
        callback_url="https://dondoc.example.gov.vn/hooks/sms/esms",
        timeout=timeout,
    )
    return SmsChannel(gateway, **kwargs)


def sms(key: str = "c1:before_7:SOKHCN:sms", to: str = "0912345678", text: str = LONG) -> OutgoingMessage:
    return OutgoingMessage(key=key, channel="sms", to=to, text=text, link=LINK)


def test_esms_request_and_accept(esms: FakeEsms) -> None:
    result = esms_channel(esms).send(sms())
    assert result.transport == "esms" and result.provider_message_id
    [req] = esms.requests
    body = req.json()
    assert body["Phone"] == "0912345678" and body["Brandname"] == "SOKHCN-TN"
    assert body["SmsType"] == "2" and body["IsUnicode"] == "0" and body["Sandbox"] == "0"
    assert body["RequestId"] == "c1:before_7:SOKHCN:sms"
    assert body["CallbackUrl"].endswith("/hooks/sms/esms")
    assert body["Content"].endswith(LINK) and len(body["Content"]) <= 160 and "đ" not in body["Content"]


def test_esms_resend_after_crash_is_not_a_second_sms(esms: FakeEsms) -> None:
    channel = esms_channel(esms)
    first = channel.send(sms())
    again = channel.send(sms())  # the outbox lost the outcome and sends again with the same key
    assert "124" in again.detail and first.provider_message_id
    assert len(esms.accepted) == 1


def test_esms_auth_failure(esms: FakeEsms) -> None:
    with pytest.raises(AuthError) as err:
        esms_channel(esms, key="wrong").send(sms())
    assert err.value.code == "101"


def test_esms_template_mismatch_is_permanent() -> None:
    with FakeEsms(templates=[r"Ma xac thuc cua ban la \d+"]) as server, pytest.raises(PermanentError) as err:
        esms_channel(server).send(sms())  # type: ignore[arg-type]
    assert err.value.code == "146" and "template" in str(err.value)


@pytest.mark.parametrize(("code", "kind"), [("99", PermanentError), ("103", PermanentError), ("777", RetryableError)])
def test_esms_200_with_a_failure_code_is_a_failure(esms: FakeEsms, code: str, kind: type) -> None:
    esms.script.append(code)
    with pytest.raises(kind):
        esms_channel(esms).send(sms())


def test_esms_5xx_and_timeout_are_retryable(esms: FakeEsms) -> None:
    channel = esms_channel(esms, timeout=0.3)
    esms.script.append(("http", 503))
    with pytest.raises(RetryableError) as err:
        channel.send(sms())
    assert err.value.code == "http-503"
    esms.script.append(("sleep", 1.0))
    with pytest.raises(RetryableError) as err:
        channel.send(sms())
    assert err.value.code == "outcome-unknown"
    assert channel.send(sms()).provider_message_id  # the retry with the same key: accepted once


def test_invalid_number_makes_no_request(esms: FakeEsms) -> None:
    with pytest.raises(PermanentError):
        esms_channel(esms).send(sms(to="0208 385 1234"))
    assert esms.requests == []


def test_shared_rate_limit_applies(esms: FakeEsms, lite_engine: Engine) -> None:
    channel = esms_channel(esms, limiter=RateLimiter(lite_engine), rate=(0.5, 1), max_wait=0.2)
    channel.send(sms(key="a"))
    with pytest.raises(RetryableError) as err:
        channel.send(sms(key="b"))
    assert err.value.code == "rate-limited" and err.value.retry_after >= timedelta(seconds=1)
    assert len(esms.accepted) == 1


# ------------------------------------------------------------------------------------ SpeedSMS
def speedsms_channel(server: FakeSpeedSms, token: str = "tok") -> SmsChannel:
    return SmsChannel(SpeedSmsGateway(server.url, token=token, sender="SOKHCN-TN", timeout=2))


def test_speedsms_send_rate_limit_and_errors() -> None:
    with FakeSpeedSms(per_minute=3) as server:
        channel = speedsms_channel(server)  # type: ignore[arg-type]
        result = channel.send(sms())
        assert result.transport == "speedsms" and result.provider_message_id
        body = server.sent[0]  # type: ignore[attr-defined]
        assert body["to"] == ["84912345678"] and body["sender"] == "SOKHCN-TN" and body["sms_type"] == 3
        server.script.append("300")  # type: ignore[attr-defined]
        with pytest.raises(PermanentError) as err:
            channel.send(sms())
        assert err.value.code == "300"
        channel.send(sms())
        with pytest.raises(RetryableError) as err2:  # the 4th request in a minute: HTTP 429
            channel.send(sms())
        assert err2.value.code == "http-429" and err2.value.retry_after == timedelta(seconds=30)
        with pytest.raises(AuthError):
            speedsms_channel(server, token="wrong").send(sms())  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------ apprise
class JsonSink(FakeServer):
    """Receives apprise's ``json://`` posts (a stand-in for an international SMS gateway)."""

    def __init__(self) -> None:
        super().__init__()
        self.fail = False

    def route(self, request: Request) -> Reply:
        return Reply(500 if self.fail else 200, {"ok": not self.fail})


def test_apprise_gateway_full_success_only() -> None:
    with JsonSink() as sink:
        channel = SmsChannel(AppriseSmsGateway(f"json://127.0.0.1:{sink.port}/sms/{{to}}"))
        result = channel.send(sms())
        assert result.transport == "apprise"
        [req] = sink.requests
        assert req.path.endswith("84912345678") and json.loads(req.body)["message"].endswith(LINK)
        sink.fail = True  # type: ignore[attr-defined]
        with pytest.raises(RetryableError) as err:
            channel.send(sms())
        assert "0912345678" not in str(err.value) and "84912345678" not in str(err.value)
