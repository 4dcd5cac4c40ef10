"""Benchmark of the delivery channels: messages per second through each dondoc channel to local fake
provider servers, beside raw httpx / smtplib sending the same requests to the same servers in the same run.

Channels: Zalo (ZBS template send: template validation, phone check, quota check, shared rate-limit
bucket and token store in the database), eSMS (text preparation, phone check, rate-limit bucket), email
by SMTP (pooled sessions) and, for comparison, email through apprise (one Apprise object per message —
the one-object path would be bounded at one message per 5.5 s). The rate limits are set far above what
is reached, so the figures show the channels' own cost, including the database writes of the limiter.

The servers are the test fakes of ``tests/servers`` on 127.0.0.1 (Python's threaded HTTP server and
aiosmtpd): they bound both columns alike, so the ratio is the meaningful figure. The database is a
fresh SQLite file (or ``--db URL``).

Run: ``.venv/bin/python bench/bench_channels.py [--messages 400] [--concurrency 4] [--rounds 3] [--db URL]
[--json]``. Each channel runs ``--rounds`` rounds of dondoc then raw, alternating, so that a burst of load
from elsewhere on the machine hits both columns alike; each column's figure is its best round (as
``timeit`` does: noise only slows a round down). Each row prints dondoc's rate, raw's and the ratio
dondoc ÷ raw (higher is better). ``--json`` prints one JSON document: ``figures`` (msg/s per channel, with
every round's), ``time_ratios`` (dondoc's time per message ÷ raw's, lower is better) and
``throughput_ratios`` (dondoc ÷ raw msg/s, higher is better).
"""

from __future__ import annotations

import argparse
import json
import logging
import smtplib
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import httpx  # noqa: E402
from servers.esms import SEND_PATH, FakeEsms  # noqa: E402
from servers.smtp import LocalSMTP  # noqa: E402
from servers.zalo import FakeZalo  # noqa: E402

from config.channels import load_channels_config  # noqa: E402
from models.store.db import make_engine, upgrade  # noqa: E402
from notifiers.base import OutgoingMessage  # noqa: E402
from notifiers.email import WIRE, EmailChannel, build_email  # noqa: E402
from notifiers.ratelimit import RateLimiter  # noqa: E402
from notifiers.sms import SmsChannel  # noqa: E402
from notifiers.sms_gateways import EsmsGateway  # noqa: E402
from notifiers.zalo import ZaloChannel  # noqa: E402

LINK = "https://dondoc.example.gov.vn/r/AbCdEf123"
PARAMS = {
    "agency": "Sở Khoa học và Công nghệ",
    "subject": "Nhiệm vụ 12",
    "title": "Xây dựng đề án chuyển đổi số tỉnh Thái Nguyên",
    "label": "Tháng 12/2025",
    "due_date": "15/12/2025",
    "link": LINK,
}
TEXT = (
    "Kính gửi Sở Khoa học và Công nghệ,\n\nNhiệm vụ 12 của Kế hoạch 25/KH-UBND đến hạn báo cáo ngày "
    f"15/12/2025, còn 3 ngày. Đề nghị quý cơ quan cập nhật kết quả tại: {LINK}\n"
)
HTML = f'<p>Kính gửi Sở Khoa học và Công nghệ,</p><p>Cập nhật tại: <a href="{LINK}">{LINK}</a></p>'
FAST: tuple[float, float] | None = (1e6, 1e6)  # a limit never reached: its database write is still done per send


ROUNDS = 3
Rounds = tuple[list[float], list[float]]  # (dondoc msg/s per round, raw msg/s per round)


def timed(n: int, concurrency: int, one: Callable[[int], object]) -> float:
    """Messages per second for ``n`` calls of ``one(i)`` on ``concurrency`` threads."""
    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for _ in pool.map(one, range(n)):
            pass
    return n / (time.perf_counter() - start)


def alternate(n: int, k: int, ours: Callable[[int, int], object], raw: Callable[[int], object]) -> Rounds:
    """``ROUNDS`` rounds of ``n`` messages, dondoc's (``ours(round, i)``) then raw's, alternating."""
    mine: list[float] = []
    theirs: list[float] = []
    for r in range(ROUNDS):
        mine.append(timed(n, k, lambda i, r=r: ours(r, i)))
        theirs.append(timed(n, k, raw))
    return mine, theirs


def bench_zalo(engine, n: int, k: int, run: str) -> Rounds:
    with FakeZalo(daily_quota=10**9) as zalo:
        channel = ZaloChannel(
            engine,
            app_id=zalo.app_id,
            secret_key=zalo.secret_key,
            refresh_token="refresh-0",
            api_base=zalo.url,
            oauth_base=zalo.url,
            config=load_channels_config().zalo,
            rate=FAST,
        )
        channel.send(
            OutgoingMessage(key=f"{run}-z-warm", channel="zalo", to="0912345678", template="reminder", params=PARAMS)
        )
        token = channel.tokens.access_token()
        payload = channel.build_payload(
            OutgoingMessage(key="raw", channel="zalo", to="0912345678", template="reminder", params=PARAMS)
        )
        with httpx.Client(timeout=10) as client:
            rounds = alternate(
                n,
                k,
                lambda r, i: channel.send(
                    OutgoingMessage(
                        key=f"{run}-z{r}-{i}", channel="zalo", to="0912345678", template="reminder", params=PARAMS
                    )
                ),
                lambda i: client.post(
                    f"{zalo.url}/message/template", headers={"access_token": token}, json=payload
                ).json(),
            )
        channel.close()
    return rounds


def bench_esms(engine, n: int, k: int, run: str) -> Rounds:
    with FakeEsms() as esms:
        gateway = EsmsGateway(esms.url, api_key="key", secret_key="secret", brandname="SOKHCN")
        channel = SmsChannel(gateway, limiter=RateLimiter(engine), rate=FAST)
        channel.send(OutgoingMessage(key=f"{run}-s-warm", channel="sms", to="0912345678", text=TEXT, link=LINK))
        body = {
            "ApiKey": "key",
            "SecretKey": "secret",
            "Phone": "0912345678",
            "Content": "Nhac han " + LINK,
            "Brandname": "SOKHCN",
            "SmsType": "2",
            "IsUnicode": "0",
            "Sandbox": "0",
        }
        raw_ids = iter(range(10**9))  # eSMS refuses a repeated RequestId: one per raw request of all rounds
        with httpx.Client(timeout=10) as client:
            rounds = alternate(
                n,
                k,
                lambda r, i: channel.send(
                    OutgoingMessage(key=f"{run}-s{r}-{i}", channel="sms", to="0912345678", text=TEXT, link=LINK)
                ),
                lambda i: client.post(
                    esms.url + SEND_PATH, json=dict(body, RequestId=f"{run}-r{next(raw_ids)}")
                ).json(),
            )
        channel.close()
    return rounds


def _mail(key: str) -> OutgoingMessage:
    return OutgoingMessage(
        key=key,
        channel="email",
        to="lanhdao@sotc.example.gov.vn",
        subject="[Đôn đốc 25/KH-UBND] Nhiệm vụ 12: còn 3 ngày",
        text=TEXT,
        html=HTML,
        link=LINK,
    )


def bench_email(engine, n: int, k: int, run: str) -> tuple[Rounds, float, int]:
    with LocalSMTP() as smtp:
        channel = EmailChannel(
            f"mailto://127.0.0.1:{smtp.port}",
            from_address="dondoc@sokhcn.example.gov.vn",
            from_name="Sở Khoa học và Công nghệ",
            pool_size=k,
            limiter=RateLimiter(engine),
            rate=FAST,
        )
        channel.send(_mail(f"{run}-e-warm"))

        data = build_email(
            _mail("raw"), from_name="dondoc", from_address="dondoc@sokhcn.example.gov.vn", reply_to=None
        ).as_bytes(policy=WIRE)
        local = threading.local()

        def raw_one(i: int) -> None:
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = smtplib.SMTP("127.0.0.1", smtp.port, local_hostname="localhost")
            conn.sendmail("dondoc@sokhcn.example.gov.vn", ["lanhdao@sotc.example.gov.vn"], data)

        rounds = alternate(n, k, lambda r, i: channel.send(_mail(f"{run}-e{r}-{i}")), raw_one)
        channel.close()
        # apprise, one object per message (a tenth of the messages: it is much slower)
        via_apprise = EmailChannel(
            f"mailto://127.0.0.1:{smtp.port}", transport="apprise", from_address="dondoc@sokhcn.example.gov.vn"
        )
        m = max(10, n // 10)
        apprise_rate = timed(m, k, lambda i: via_apprise.send(_mail(f"{run}-a{i}")))
    return rounds, apprise_rate, m


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per column (best is kept)")
    parser.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--no-limiter", action="store_true", help="no shared rate-limit bucket (its cost)")
    parser.add_argument("--json", action="store_true", help="one JSON document instead of the table")
    args = parser.parse_args()
    if args.messages < 1 or args.concurrency < 1 or args.rounds < 1:
        parser.error("--messages, --concurrency and --rounds must be at least 1")
    global FAST, ROUNDS
    ROUNDS = args.rounds
    if args.no_limiter:
        FAST = None
    warnings.simplefilter("ignore", DeprecationWarning)
    logging.basicConfig(level=logging.ERROR)
    tmp = tempfile.TemporaryDirectory()
    url = args.db or f"sqlite:///{tmp.name}/bench.db"
    upgrade(url)
    engine = make_engine(url)
    run = f"b{int(time.time())}"
    n, k = args.messages, args.concurrency
    limiter = "off" if FAST is None else "on"
    rows: list[tuple[str, str, float, float]] = []  # (key, label, dondoc msg/s, raw msg/s): best rounds
    every: dict[str, Rounds] = {}
    for key, name, fn in (("zalo", "zalo (httpx)", bench_zalo), ("esms", "esms (httpx)", bench_esms)):
        every[key] = fn(engine, n, k, run)
        rows.append((key, name, max(every[key][0]), max(every[key][1])))
    every["email_smtp"], via_apprise, m = bench_email(engine, n, k, run)
    raw_smtp = max(every["email_smtp"][1])
    rows.append(("email_smtp", "email smtp (smtplib)", max(every["email_smtp"][0]), raw_smtp))
    rows.append(("email_apprise", f"email apprise ({m} msgs)", via_apprise, raw_smtp))
    if args.json:
        document = {
            "figures": {
                "messages": n,
                "apprise_messages": m,
                "concurrency": k,
                "rounds": ROUNDS,
                "database": engine.dialect.name,
                "shared_rate_limiter": limiter == "on",
                **{
                    key: {
                        "dondoc_msg_per_s": round(o, 1),
                        "raw_msg_per_s": round(r, 1),
                        **(
                            {
                                "dondoc_rounds": [round(x, 1) for x in every[key][0]],
                                "raw_rounds": [round(x, 1) for x in every[key][1]],
                            }
                            if key in every
                            else {}
                        ),
                    }
                    for key, _, o, r in rows
                },
            },
            # time per message is 1 / rate, so dondoc's time ÷ raw's is raw's rate ÷ dondoc's
            "time_ratios": {key: round(r / o, 2) for key, _, o, r in rows},
            "throughput_ratios": {key: round(o / r, 3) for key, _, o, r in rows},
        }
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print(
            f"{n} messages per channel, {k} threads, best of {ROUNDS} alternating rounds, "
            f"database {engine.dialect.name}, shared rate limiter {limiter}"
        )
        print(f"{'channel':<28}{'dondoc msg/s':>14}{'raw msg/s':>12}{'dondoc/raw':>12}")
        for _, name, o, r in rows:
            print(f"{name:<28}{o:>14.0f}{r:>12.0f}{o / r:>12.2f}")
        print("(apprise with one object for all messages: at most 1 / 5.5 s = 0.18 msg/s)")
    engine.dispose()
    tmp.cleanup()


if __name__ == "__main__":
    main()
