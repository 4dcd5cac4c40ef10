"""The agency is told when its answer is accepted (issue 12, point 3), on SQLite and PostgreSQL: through the
day's consolidated message when it has one (the acceptance and the day's reminders in ONE message), alone
when it has nothing else that day, never twice (reruns of the day and of the next day send nothing more),
and sent by the real outbox to the file channel (what the agency receives)."""

import email
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from config.app import build_app
from models.domain import consolidated as cd
from models.domain.states import REMINDING, CycleStatus
from models.services.compose import compose_day
from models.services.daily import evaluate_day, prepare_day
from models.services.fallback import fallback_builder
from models.services.officer_actions import CycleAction, act_on_cycle
from models.services.officer_views import cycle_page
from models.services.reminders import queue_cycles, reminding_candidates
from models.store.cycle_tables import Cycle, Notification, ReminderLedger
from models.store.plan_tables import Agency
from models.store.writes import set_status

DAY = date(2025, 8, 6)
TOLD = "đã được chấp nhận"


@pytest.fixture
def app(imported_url, cli_env, _cached_config):
    directory, policy = _cached_config
    return build_app(directory=directory, policy=policy, migrate=False)


def _queue_only(app, day: date) -> None:  # type: ignore[no-untyped-def]
    """Steps 1–3 of the day: the due reminder steps wait in the ledger for the day's message."""
    prepare_day(app.runtime, day)
    with Session(app.engine) as s:
        ids = reminding_candidates(s, day)
    queue_cycles(app.runtime, ids, day, direct=False)


def _answer_and_accept(app, cycle_id: int, day: date) -> None:  # type: ignore[no-untyped-def]
    with Session(app.engine) as s:
        cycle = s.get(Cycle, cycle_id)
        assert set_status(s, cycle_id, cycle.status, CycleStatus.answered, "agency", "đã báo cáo")
        s.commit()
    assert act_on_cycle(app.runtime, CycleAction("accept", cycle_id, "can-bo"), day) == "accepted"


def _messages_to(app, recipient: str) -> list[Notification]:  # type: ignore[no-untyped-def]
    with Session(app.engine) as s:
        query = select(Notification).where(Notification.recipient == recipient).order_by(Notification.id)
        return list(s.execute(query).scalars())


def _agencies_by_waiting(app) -> tuple[Counter[str], dict[str, list[int]]]:  # type: ignore[no-untyped-def]
    """Agencies by how many cycles wait for today's message, and every agency's reminding cycles."""
    with Session(app.engine) as s:
        waiting = Counter(
            code
            for code, _ in s.execute(
                select(ReminderLedger.recipient, ReminderLedger.cycle_id)
                .where(ReminderLedger.notification_key == cd.PENDING)
                .distinct()
            )
        )
        reminding: dict[str, list[int]] = {}
        rows = s.execute(
            select(Agency.code, Cycle.id)
            .join(Agency, Agency.id == Cycle.agency_id)
            .where(Cycle.status.in_(list(REMINDING)), (Agency.phone.is_not(None)) | (Agency.email.is_not(None)))  # type: ignore[union-attr]
            .order_by(Cycle.id)
        )
        for code, cycle_id in rows:
            reminding.setdefault(code, []).append(cycle_id)
    return waiting, reminding


def _sent_files(app, key: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The texts the file channel wrote for the message ``key`` (what the agency received)."""
    texts = []
    for path in (Path(app.settings.data_dir) / "outbox").rglob("*.*"):
        if path.suffix == ".eml":
            mail = email.message_from_bytes(path.read_bytes())
            if mail["X-Dondoc-Key"] == key:
                texts.append(mail.get_payload()[0].get_payload(decode=True).decode("utf-8"))
        elif path.suffix == ".txt" and f"Key: {key}\n" in (text := path.read_text(encoding="utf-8")):
            texts.append(text)
    return texts


def test_accepted_with_the_days_reminders_in_one_message_then_alone_then_never_again(app) -> None:
    _queue_only(app, DAY)
    waiting, reminding = _agencies_by_waiting(app)
    # X: several cycles due today (the acceptance rides with them); Y: reminding cycles, nothing due today.
    standing = app.runtime.directory.standing_agency  # its message speaks to its own unit: tested elsewhere
    x = next(code for code, n in waiting.most_common() if n >= 2 and "#" not in code and code != standing)
    y = next(c for c in reminding if c != standing and not {c, f"{c}#head", f"{c}#standing"} & set(waiting))
    with Session(app.engine) as s:
        due_today = set(
            s.execute(
                select(ReminderLedger.cycle_id).where(
                    ReminderLedger.recipient == x, ReminderLedger.notification_key == cd.PENDING
                )
            ).scalars()
        )
    accepted_x = min(due_today)
    accepted_y = reminding[y][0]
    _answer_and_accept(app, accepted_x, DAY)
    _answer_and_accept(app, accepted_y, DAY)

    report = compose_day(app.runtime, DAY)
    assert report.queued > 0
    (with_reminders,) = _messages_to(app, x)  # ONE message: the acceptance and the day's reminders
    body = with_reminders.body_text
    assert TOLD in body and TOLD in with_reminders.subject
    assert "đề nghị quý cơ quan báo cáo" in body and body.index(TOLD) < body.index("đề nghị quý cơ quan báo cáo")
    assert accepted_x in with_reminders.context["cycles"] and set(with_reminders.context["cycles"]) == due_today
    assert len(with_reminders.context["accepted"]) == 1 and with_reminders.context["sections"]
    assert with_reminders.context["summary"].startswith(f"{with_reminders.context['agency']}: báo cáo ")
    (alone,) = _messages_to(app, y)  # nothing else due that day: its own message
    assert alone.context["cycles"] == [accepted_y] and not alone.context["sections"]
    assert TOLD in alone.body_text and "đề nghị quý cơ quan báo cáo" not in alone.body_text
    assert TOLD in alone.subject  # the short forms (email subject, Zalo summary, SMS) say it too
    build = fallback_builder(app.runtime)
    with Session(app.engine) as s:
        sms = build(s, s.get(Notification, alone.id), "sms")
        zalo = app.runtime.templates.render("consolidated", alone.context).params
    assert "da duoc chap nhan" in sms.body_text and len(sms.body_text) <= 160 and sms.body_text.isascii()
    assert TOLD in zalo["summary"] and len(zalo["summary"]) <= 100

    # The officers' cycle page lists the message that told the agency (a consolidated one, found via the ledger).
    page = cycle_page(app.runtime, accepted_x, DAY, mask=lambda address: address or "")
    assert page is not None and with_reminders.key in {line.notification.key for line in page.view.messages}

    # Rerun of the day (compose, then the whole daily run), and the next days: nothing more.
    assert compose_day(app.runtime, DAY).queued == 0
    assert evaluate_day(app.runtime, DAY).queued == 0
    for later in (DAY + timedelta(days=1), DAY + timedelta(days=2)):
        evaluate_day(app.runtime, later)
    told = [m for m in _messages_to(app, x) + _messages_to(app, y) if accepted_x in m.context["cycles"]]
    assert len(told) == 1 and len([m for m in _messages_to(app, y) if accepted_y in m.context["cycles"]]) == 1

    # What the agencies receive: the outbox sends each once, the file channel keeps the text.
    stats = app.dispatch()
    assert stats.sent >= 2
    assert app.dispatch().sent == 0
    for message in (with_reminders, alone):
        files = _sent_files(app, message.key)
        assert len(files) == 1 and TOLD in files[0], message.key


def test_accepted_after_the_days_message_waits_for_the_next_one(app) -> None:
    evaluate_day(app.runtime, DAY)
    with Session(app.engine) as s:
        first = s.execute(select(Notification).where(Notification.recipient == "so-noi-vu")).scalars().first()
        assert first is not None
        other = (
            s.execute(
                select(Cycle.id).where(
                    Cycle.agency_id == first.agency_id,
                    Cycle.status.in_(list(REMINDING)),  # type: ignore[attr-defined]
                )
            )
            .scalars()
            .first()
        )
    assert other is not None
    _answer_and_accept(app, other, DAY)
    again = compose_day(app.runtime, DAY)
    assert again.queued == 0 and again.waiting == 1  # one message per contact a day: it waits, not a second
    later = DAY + timedelta(days=1)
    evaluate_day(app.runtime, later)
    carried = [m for m in _messages_to(app, "so-noi-vu") if other in m.context["cycles"] and m.context["accepted"]]
    assert len(carried) == 1 and carried[0].key.startswith(f"m{later:%Y%m%d}:so-noi-vu:r1:")
    assert TOLD in carried[0].body_text


def test_status_load_acceptance_tells_nobody(app) -> None:
    """A spreadsheet load records what the office knew already: no ledger entry, so no message."""
    from models.services import decisions

    _queue_only(app, DAY)
    _, reminding = _agencies_by_waiting(app)
    cycle_id = next(iter(reminding.values()))[0]
    with Session(app.engine) as s:
        cycle = s.get(Cycle, cycle_id)
        assert set_status(s, cycle_id, cycle.status, CycleStatus.answered, "agency", "đã báo cáo")
        decisions.accept(s, cycle_id, "status-load", tell_agency=False)
        s.commit()
        steps = set(s.execute(select(ReminderLedger.step).where(ReminderLedger.cycle_id == cycle_id)).scalars())
    assert cd.ACCEPTED not in steps
