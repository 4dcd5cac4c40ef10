"""The pure parts behind the pages: CSRF tokens, the rate limiter, file sniffing, form validation, log
redaction; and the domain operations called directly (no web), on both backends. (The office states of a
cycle and the current period of a task: ``tests/domain/test_report_states.py``.)"""

import io
import logging
import unicodedata
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update
from sqlmodel import Session
from support.web import DAY

from models.domain import answer_form
from models.domain.states import CycleKind, CycleStatus
from models.services import answers as domain
from models.services import decisions
from models.store.answer_tables import Answer
from models.store.cycle_tables import Cycle, CycleEvent
from models.store.db import make_engine
from models.store.writes import set_status
from web.app import RedactTokens
from web.security import Backoff, Csrf, Limit, RateLimiter, Throttle
from web.uploads import sniff

DUE = date(2025, 7, 31)


def test_csrf_tokens_are_bound_and_expire() -> None:
    csrf = Csrf(b"k" * 32)
    token = csrf.issue("answer", "hash-1", now=1000)
    assert csrf.check(token, "answer", "hash-1", 60, now=1030)
    assert not csrf.check(token, "answer", "hash-2", 60, now=1030)  # another link
    assert not csrf.check(token, "officer", "hash-1", 60, now=1030)  # another purpose
    assert not csrf.check(token, "answer", "hash-1", 60, now=1061)  # too old
    assert not Csrf(b"x" * 32).check(token, "answer", "hash-1", 60, now=1030)  # another key
    stamp, nonce, mac = token.split(".")
    assert not csrf.check(f"{int(stamp) + 1}.{nonce}.{mac}", "answer", "hash-1", 60, now=1030)
    assert csrf.issue("answer", "hash-1") != csrf.issue("answer", "hash-1")  # a nonce per form


def test_rate_limiter_sliding_window() -> None:
    limiter = RateLimiter()
    clock = [100.0]
    limiter._now = lambda: clock[0]  # type: ignore[method-assign]
    limit = Limit(2, 10)
    assert [limiter.hit("k", limit) for _ in range(3)] == [True, True, False]
    assert limiter.hit("other", limit)
    clock[0] += 10.5
    assert limiter.hit("k", limit)
    small = RateLimiter(max_keys=10)
    for i in range(50):
        small.hit(f"key{i}", limit)
    assert len(small._hits) <= 10


def test_throttle_spaces_attempts_and_forgets() -> None:
    throttle = Throttle()
    clock = [100.0]
    throttle._now = lambda: clock[0]  # type: ignore[method-assign]
    key = [("k", Backoff(2, first=1.0, cap=4.0, window=60))]
    waits = []
    for _ in range(6):  # sequential failures, each after its wait
        waits.append(throttle.reserve(key))
        clock[0] += waits[-1] or 0
        throttle.finish(key, failed=True)
    assert waits == [0.0, 0.0, 1.0, 2.0, 4.0, 4.0]
    clock[0] += 61  # the window has passed: all forgotten
    assert throttle.reserve(key) == 0.0 and throttle.failures("k") == 0


def test_throttle_parallel_attempts_are_spaced_and_a_flood_refused() -> None:
    throttle = Throttle()
    throttle._now = lambda: 100.0  # type: ignore[method-assign]
    key = [("k", Backoff(0, first=30.0, cap=30.0))]
    # Attempts booked at the same moment (none finished yet) are spaced by the delay...
    assert throttle.reserve(key, max_wait=45.0) == 0.0
    assert throttle.reserve(key, max_wait=45.0) == 30.0
    # ... and one that would wait past max_wait is refused, booking nothing.
    assert throttle.reserve(key, max_wait=45.0) is None
    throttle.finish(key, failed=True)
    throttle.finish(key, failed=False, clear=["k"])
    assert throttle.failures("k") == 0


def test_throttle_memory_is_bounded() -> None:
    throttle = Throttle(max_keys=10)
    for i in range(50):
        keys = [(f"key{i}", Backoff(1))]
        throttle.reserve(keys)
        throttle.finish(keys, failed=True)
    assert len(throttle._keys) <= 10
    many = [("one", Backoff(1, window=10**6))]
    for _ in range(500):
        throttle.reserve(many)
        throttle.finish(many, failed=True)
    assert throttle.failures("one") <= 1 + 64


def test_sniff() -> None:
    assert sniff(io.BytesIO(b"%PDF-1.7 ...")).kind == "pdf"  # type: ignore[union-attr]
    assert sniff(io.BytesIO(b"\x89PNG\r\n\x1a\n....")).kind == "png"  # type: ignore[union-attr]
    assert sniff(io.BytesIO(b"GIF89a")) is None
    assert sniff(io.BytesIO(b"")) is None


def test_log_redaction() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4", "GET", "/r/SECRETtoken123?x=1", "1.1", 200),
        None,
    )
    RedactTokens().filter(record)
    assert "SECRET" not in record.getMessage() and "/r/<token>?x=1" in record.getMessage()


def _access(path: str) -> str:
    """The access-log line uvicorn writes for ``path`` (its exact arguments), after the filter."""
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d', ("1.2.3.4:5", "GET", path, "1.1", 200), None
    )
    RedactTokens().filter(record)
    return record.getMessage()


@pytest.mark.parametrize(
    ("path", "hidden", "shown"),
    [
        # Issue 15 #12: eSMS's callback query carries the recipient's number; the path carries our secret.
        (
            "/hooks/sms/esms/s3cr3t-callback-key-123?SMSID=ab12&SendStatus=5&phonenumber=0901888484",
            ["0901888484", "s3cr3t-callback-key-123", "ab12"],
            "/hooks/sms/esms/<secret>?<redacted>",
        ),
        ("/hooks/sms/esms?phonenumber=84901888484", ["901888484"], "/hooks/sms/esms?<redacted>"),
        ("/hooks/zalo?oa=1&user=0912345678", ["0912345678"], "/hooks/zalo?<redacted>"),
        # Phone- or email-shaped anywhere else, also percent-encoded.
        ("/officers/tasks/1?q=0912%20345%20678", ["345"], "/officers/tasks/1?q="),
        ("/officers?who=nguyen.van%40sokhcn.gov.vn", ["nguyen.van"], "n***@sokhcn.gov.vn"),
        ("/officers?to=%2B84912345678", ["912345678"], "/officers?to="),
        ("/r/SECRETtoken123/bien-nhan/BN-1?x=0912345678", ["SECRET", "0912345678"], "/r/<token>/bien-nhan/BN-1"),
    ],
)
def test_access_log_redacts_webhooks_phones_and_emails(path: str, hidden: list[str], shown: str) -> None:
    line = _access(path)
    assert shown in line, line
    assert not any(h in line for h in hidden), line


def test_access_log_keeps_ordinary_paths() -> None:
    assert '"GET /officers/tasks/12?plan=25%2FKH-UBND&page=2 HTTP/1.1" 200' in _access(
        "/officers/tasks/12?plan=25%2FKH-UBND&page=2"
    )


def test_access_log_through_uvicorn(monkeypatch: pytest.MonkeyPatch) -> None:
    """The filter on uvicorn's own access logger, with uvicorn's logging configured as ``dondoc serve`` does."""
    import threading
    import time

    import httpx
    import uvicorn
    from fastapi import FastAPI
    from servers.base import free_port

    from web.app import _install_log_redaction

    app = FastAPI()
    app.add_api_route("/hooks/sms/{gateway}/{secret}", lambda gateway, secret: "OK", methods=["GET"])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="info", lifespan="off"))
    _install_log_redaction()
    lines: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("uvicorn.access").addHandler(handler)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.01)
        url = f"http://127.0.0.1:{port}/hooks/sms/esms/k3y-k3y-k3y-k3y-k3y?SMSID=1&phonenumber=0901888484"
        assert httpx.get(url).status_code == 200
        deadline = time.monotonic() + 5
        while not lines and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        server.should_exit = True
        thread.join(10)
        logging.getLogger("uvicorn.access").removeHandler(handler)
    assert lines and "/hooks/sms/esms/<secret>?<redacted>" in lines[0]
    assert "0901888484" not in lines[0] and "k3y" not in lines[0]


def test_validation_keeps_text_in_nfc() -> None:
    cycle = Cycle(due_effective=DUE, due_nominal=DUE, opens_on=DUE, status="open")  # type: ignore[call-arg]
    decomposed = unicodedata.normalize("NFD", "Đã hoàn thành báo cáo\r\ndòng hai\x00")
    clean = answer_form.validate_answer(
        cycle, answer_form.AnswerInput(status="in_progress", done_text=decomposed), DUE, is_indicator=False
    )
    assert not clean.errors
    assert clean.done_text == "Đã hoàn thành báo cáo\ndòng hai" and unicodedata.is_normalized("NFC", clean.done_text)


# --------------------------------------------------------------------------------------------------
# Domain operations without the web
# --------------------------------------------------------------------------------------------------


def _open_cycle(session: Session) -> Cycle:
    return (
        session.execute(
            select(Cycle).where(Cycle.status == CycleStatus.open, Cycle.kind == CycleKind.periodic).order_by(Cycle.id)
        )
        .scalars()
        .first()
    )  # type: ignore[return-value]


def test_record_answer_moves_the_cycle_once(seeded_url: str) -> None:
    engine = make_engine(seeded_url)
    try:
        with Session(engine, expire_on_commit=False) as s:
            cycle = _open_cycle(s)
            clean = answer_form.validate_answer(
                cycle, answer_form.AnswerInput(status="in_progress", done_text="x"), DAY, is_indicator=False
            )
            first = domain.record_answer(
                s, cycle_id=cycle.id, agency_id=cycle.agency_id, answer=clean, submission_key="k1"
            )
            again = domain.record_answer(
                s, cycle_id=cycle.id, agency_id=cycle.agency_id, answer=clean, submission_key="k1"
            )
            s.commit()
        assert first.created and not again.created and again.answer.id == first.answer.id
        with Session(engine) as s:
            assert s.get(Cycle, cycle.id).status == "answered"
            assert len(s.execute(select(Answer)).all()) == 1
            moves = s.execute(
                select(CycleEvent).where(CycleEvent.cycle_id == cycle.id, CycleEvent.to_status == "answered")
            ).all()
            assert len(moves) == 1
    finally:
        engine.dispose()


def test_closed_cycle_refuses_answers_and_decisions(seeded_url: str) -> None:
    engine = make_engine(seeded_url)
    try:
        with Session(engine, expire_on_commit=False) as s:
            cycle = _open_cycle(s)
            s.execute(update(Cycle).where(Cycle.id == cycle.id).values(status="cancelled"))
            s.commit()
            clean = answer_form.validate_answer(
                cycle, answer_form.AnswerInput(status="not_started"), DAY, is_indicator=False
            )
            with pytest.raises(answer_form.DecisionError):
                domain.record_answer(s, cycle_id=cycle.id, agency_id=cycle.agency_id, answer=clean, submission_key="k2")
            with pytest.raises(answer_form.DecisionError):
                decisions.accept(s, cycle.id, "officer")
            with pytest.raises(answer_form.DecisionError):
                decisions.grant_extension(s, None, cycle.id, "officer", DUE + timedelta(days=100), today=DAY)
    finally:
        engine.dispose()


def test_decision_loses_a_race_cleanly(seeded_url: str) -> None:
    """Two officers accept at once: the conditional update lets one win; the other changes nothing."""
    engine = make_engine(seeded_url)
    try:
        with Session(engine, expire_on_commit=False) as s:
            cycle = _open_cycle(s)
            clean = answer_form.validate_answer(
                cycle, answer_form.AnswerInput(status="not_started"), DAY, is_indicator=False
            )
            domain.record_answer(s, cycle_id=cycle.id, agency_id=cycle.agency_id, answer=clean, submission_key="k3")
            s.commit()
        with Session(engine) as a, Session(engine) as b:
            assert a.get(Cycle, cycle.id).status == "answered"
            assert b.get(Cycle, cycle.id).status == "answered"
            decisions.accept(a, cycle.id, "an")
            a.commit()
            # b read "answered" before a committed; its conditional update now finds nothing to change.
            assert not set_status(b, cycle.id, "answered", "accepted", "officer:binh", "late")
            b.commit()
        with Session(engine) as s:
            events = s.execute(
                select(CycleEvent).where(CycleEvent.cycle_id == cycle.id, CycleEvent.to_status == "accepted")
            ).all()
            assert len(events) == 1
    finally:
        engine.dispose()


def test_migration_0003_matches_the_tables(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The migration creates exactly the tables of ``models.answer_tables``, and goes down to 0002 and back."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from models.store.db import current_revision, upgrade

    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
        mine = {"answer", "answerreview", "officeruser", "officersession"}
        assert [d for d in diff if any(name in str(d) for name in mine)] == []
    finally:
        engine.dispose()
    from alembic import command

    from models.store.db import alembic_config

    head = current_revision(url)
    command.downgrade(alembic_config(url), "0002")
    assert current_revision(url) == "0002"
    upgrade(url)
    assert current_revision(url) == head
