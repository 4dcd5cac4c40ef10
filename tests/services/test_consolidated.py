"""One message per contact and day (issue 11), on SQLite and PostgreSQL: the fresh-database day of
02/12/2026, answers dropped before the message, the daily cap folding the overflow into the next message,
concurrent composers, the tracking date's "situation", the standing agency's digest, the short forms."""

import threading
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update
from sqlmodel import Session

from config.app import build_app
from config.settings import SHIPPED_MESSAGES
from models.domain import consolidated as cd
from models.domain.clock import TZ
from models.domain.messages import Templates
from models.domain.states import REMINDING, CycleStatus
from models.services.compose import compose_day
from models.services.daily import evaluate_day, prepare_day
from models.services.reminders import queue_cycles, reminding_candidates
from models.store.cycle_tables import Cycle, Notification, ReminderLedger
from models.store.plan_tables import Plan
from models.store.writes import set_status

FRESH_DAY = date(2026, 12, 2)


@pytest.fixture
def app(imported_url, cli_env, _cached_config):
    directory, policy = _cached_config
    return build_app(directory=directory, policy=policy, migrate=False)


def _messages(s: Session) -> list[Notification]:
    return list(s.execute(select(Notification).order_by(Notification.id)).scalars())


def _ledger(s: Session) -> list[ReminderLedger]:
    return list(s.execute(select(ReminderLedger)).scalars())


def _queue_only(app, day: date) -> None:  # type: ignore[no-untyped-def]
    """Steps 1–3 of the day, without composing (what a crash after the batches leaves)."""
    prepare_day(app.runtime, day)
    with Session(app.engine) as s:
        ids = reminding_candidates(s, day)
    queue_cycles(app.runtime, ids, day, direct=False)


@pytest.mark.slow  # about 10 s on PostgreSQL
def test_fresh_database_day_one_message_per_contact_every_cycle_listed(app, capsys) -> None:
    """Done when: a fresh database, the shipped plan tracked from the import day, the daily of 02/12/2026."""
    with Session(app.engine) as s:
        s.execute(update(Plan).values(track_from=FRESH_DAY))  # the default for a plan issued > 30 days ago
        s.commit()
    report = evaluate_day(app.runtime, FRESH_DAY)
    with Session(app.engine) as s:
        messages = _messages(s)
        ledger = _ledger(s)
        cycles = {c.id: c for c in s.execute(select(Cycle)).scalars()}
    per_contact = Counter((m.recipient, m.channel) for m in messages)
    assert max(per_contact.values()) == 1  # at most one message per contact and channel
    by_key = {m.key: m for m in messages}
    to_send = [e for e in ledger if e.notification_key is not None]
    assert all(e.notification_key != cd.PENDING for e in to_send)
    for entry in to_send:  # every cycle with a due step is listed in its agency's message
        message = by_key[entry.notification_key]
        assert entry.cycle_id in message.context["cycles"]
        assert message.agency_id == cycles[entry.cycle_id].agency_id or message.recipient.startswith("so-khcn")
    sent_cycles = {e.cycle_id for e in to_send}
    assert report.items == len(to_send) and report.recipients == len({m.recipient for m in messages})
    # Tracked from today: nothing older is nagged; what was overdue on that day is the situation, listed once.
    assert "Tình hình đến ngày 02/12/2026" in next(m for m in messages if m.recipient == "so-noi-vu").body_text
    assert not [m for m in messages if m.recipient.endswith("#head")]  # escalations before tracking: not sent
    with capsys.disabled():
        print(
            f"\n[{FRESH_DAY}] messages {len(messages)}, recipients {report.recipients}, items {report.items}, "
            f"cycles listed {len(sent_cycles)}, before tracking {report.before_tracking}, expired {report.expired}"
        )
    # One message per contact: the 92 communes and wards of config/communes.csv and the provincial agencies
    # (the 5 sample communes made it under 80); was 3,737 before consolidation.
    assert len(messages) < 130
    assert evaluate_day(app.runtime, FRESH_DAY).queued == 0  # a rerun queues nothing


def test_answered_before_the_message_is_not_listed(app) -> None:
    day = date(2025, 7, 1)
    _queue_only(app, day)
    with Session(app.engine) as s:
        waiting = s.execute(select(ReminderLedger).where(ReminderLedger.notification_key == cd.PENDING)).scalars()
        cycle_id = next(iter(waiting)).cycle_id
        cycle = s.get(Cycle, cycle_id)
        assert set_status(s, cycle_id, cycle.status, CycleStatus.answered, "agency", "đã báo cáo")
        s.commit()
    report = compose_day(app.runtime, day)
    assert report.queued > 0
    with Session(app.engine) as s:
        keys = set(
            s.execute(select(ReminderLedger.notification_key).where(ReminderLedger.cycle_id == cycle_id)).scalars()
        )
        listed = {c for m in _messages(s) for c in m.context["cycles"]}
    assert keys == {None} and cycle_id not in listed  # recorded, never nagged


def test_over_the_cap_waits_for_the_next_message_never_lost(app) -> None:
    day = date(2025, 7, 1)
    evaluate_day(app.runtime, day)
    with Session(app.engine) as s:
        first = s.execute(select(Notification).where(Notification.recipient == "so-noi-vu")).scalar_one()
        other = (
            s.execute(
                select(Cycle.id).where(Cycle.status.in_(list(REMINDING)), Cycle.id.not_in(first.context["cycles"]))
            )
            .scalars()
            .first()
        )
        # A step that became due after today's message went (a re-assignment, a second run): it waits.
        s.execute(
            insert(ReminderLedger).values(
                cycle_id=other,
                step="extra",
                recipient="so-noi-vu",
                due_on=day,
                recorded_on=day,
                notification_key=cd.PENDING,
            )
        )
        s.commit()
    again = compose_day(app.runtime, day)
    assert again.queued == 0 and again.waiting == 1  # the cap: one reminder message a day
    later = compose_day(app.runtime, day + timedelta(days=1))
    with Session(app.engine) as s:
        key = s.execute(select(ReminderLedger.notification_key).where(ReminderLedger.step == "extra")).scalar_one()
        message = s.execute(select(Notification).where(Notification.key == key)).scalar_one()
    assert later.queued == 1 and key.startswith("m20250702:so-noi-vu:r1:") and other in message.context["cycles"]


def test_concurrent_composers_list_each_item_once(app) -> None:
    day = date(2025, 8, 6)
    _queue_only(app, day)
    with Session(app.engine) as s:
        waiting = s.execute(select(func.count()).where(ReminderLedger.notification_key == cd.PENDING)).scalar_one()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            compose_day(app.runtime, day)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with Session(app.engine) as s:
        messages = _messages(s)
        entries = [e for e in _ledger(s) if e.notification_key not in (None,)]
    assert Counter((m.recipient, m.channel) for m in messages).most_common(1)[0][1] == 1
    by_key = {m.key: m for m in messages}
    assert len(entries) == waiting and all(e.cycle_id in by_key[e.notification_key].context["cycles"] for e in entries)


def test_weekly_escalation_digest_waits_for_monday(app) -> None:
    app.runtime.escalation_digest = "weekly"
    evaluate_day(app.runtime, date(2025, 7, 1))
    evaluate_day(app.runtime, date(2025, 9, 24))  # a Wednesday: Sở Nội vụ's task 5 escalated
    with Session(app.engine) as s:
        held = s.execute(
            select(func.count()).where(
                ReminderLedger.recipient == "so-khcn#standing", ReminderLedger.notification_key == cd.PENDING
            )
        ).scalar_one()
    assert held > 0
    evaluate_day(app.runtime, date(2025, 9, 29))  # Monday
    with Session(app.engine) as s:
        keys = set(
            s.execute(
                select(ReminderLedger.notification_key).where(ReminderLedger.recipient == "so-khcn#standing")
            ).scalars()
        )
    assert cd.PENDING not in keys and any(k and k.startswith("m20250929:so-khcn:") for k in keys)


def _items(n: int, today: date) -> list[cd.Item]:
    return [
        cd.Item(
            cycle_id=i,
            agency="Sở Nông nghiệp và Môi trường",
            agency_code="so-nn-mt",
            subject=f"Nhiệm vụ {i}",
            short=f"NV{i}",
            title="Triển khai nền tảng số dùng chung cho toàn tỉnh " * 3,
            plan="25/KH-UBND",
            role="chủ trì",
            due=today + timedelta(days=i - n // 2),
            opened=False,
            situation=False,
        )
        for i in range(1, n + 1)
    ]


def test_short_forms_respect_zalo_and_sms_limits() -> None:
    today = date(2026, 12, 2)
    items = _items(120, today)
    link = "http://127.0.0.1:8000/r/.abcdefghijklmnopqrstu"
    summary = cd.summary("Sở Nông nghiệp và Môi trường", items, today) + "; " + cd.escalation_summary(items)
    ctx = {
        "plan": "25/KH-UBND",
        "agency": "Sở Nông nghiệp và Môi trường",
        "agency_short": "SONNMT",
        "recipient_kind": "agency",
        "own_standing": False,
        "standing": "Sở Khoa học và Công nghệ",
        "today": "02/12/2026",
        "summary": summary,
        "escalate_days": 14,
        "link": link,
        "officers_link": link,
        "sections": [
            {"title": t, "lines": [cd.item_line(i, today) for i in its]} for t, its in cd.order_items(items, today)
        ],
        "escalated": [],
        "counts": cd.counts(items, today),
        "cycles": [],
        "due": "",
        "title": summary,
    }
    rendered = Templates(Path(SHIPPED_MESSAGES)).render("consolidated", ctx)
    assert len(rendered.sms) <= 160 and rendered.sms.endswith(" " + link)  # the link is never cut
    assert rendered.sms.isascii()  # unaccented: one GSM-7 SMS
    assert len(rendered.params["summary"]) <= 100 and rendered.params["summary"].endswith("…")
    assert rendered.params["summary"][:-1] in summary  # cut at a word, not mid-word
    assert rendered.text.count("\n- ") == 120 and link in rendered.text  # email: the full list
    assert "59 nhiệm vụ quá hạn" in summary and "đến hạn trong 7 ngày" in summary


def test_words_are_true() -> None:
    text = Path(SHIPPED_MESSAGES).read_text(encoding="utf-8")
    assert "chưa gửi được" not in text  # folded reminders: nothing failed, the system was not running


def test_decision_messages_beyond_the_cap_wait_a_day(app) -> None:
    from models.services.decision_messages import queue_decision_message

    evaluate_day(app.runtime, date(2025, 7, 1))
    with Session(app.engine) as s:
        # An agency with at least two open cycles (a commune may have one only).
        agency_id = (
            s.execute(
                select(Cycle.agency_id)
                .where(Cycle.status == CycleStatus.open)
                .group_by(Cycle.agency_id)
                .having(func.count() >= 2)
                .order_by(Cycle.agency_id)
            )
            .scalars()
            .first()
        )
        cycles = s.execute(
            select(Cycle).where(Cycle.agency_id == agency_id, Cycle.status == CycleStatus.open)
        ).scalars()
        two = list(cycles)[:2]
        for i, cycle in enumerate(two):
            assert queue_decision_message(s, app.runtime, cycle, "resend", i, today=date(2025, 7, 1)) >= 1
        s.commit()
        rows = s.execute(select(Notification).where(Notification.step == "resend").order_by(Notification.id)).scalars()
        first, second = [r.next_attempt_at for r in rows][:2]
    # The second waits for the next day (its morning): never lost, not today. Compared as local days — as
    # a duration it depended on the hour the test ran (after 19:30 local the next morning is < 12 h away).
    assert second.astimezone(TZ).date() > first.astimezone(TZ).date()


def test_channel_fallback_renders_the_same_message_for_sms_and_email(app) -> None:
    from models.services.fallback import fallback_builder

    evaluate_day(app.runtime, date(2025, 7, 1))
    build = fallback_builder(app.runtime)
    with Session(app.engine) as s:
        row = s.execute(select(Notification).where(Notification.recipient == "so-noi-vu")).scalar_one()
        sms, email = build(s, row, "sms"), build(s, row, "email")
    assert sms.key == row.key.rsplit(":", 1)[0] + ":sms" and sms.template == "consolidated"
    assert len(sms.body_text) <= 160 and sms.body_text.endswith(row.link) and sms.body_text.isascii()
    assert email.body_text.count("\n- ") == len(row.context["cycles"]) and row.link in email.body_text


def _composed(app, day: date) -> tuple[dict[str, tuple[str, str, tuple[int, ...]]], dict[str, object]]:  # type: ignore[no-untyped-def]
    """Compose ``day``'s messages in a transaction that is rolled back: {key: (subject, body, cycles)}, report.
    The link's token differs from run to run: the body carries "<link>" in its place."""
    with Session(app.engine) as s:
        try:
            report = compose_day(app.runtime, day, session=s).as_json()
            out = {
                m.key: (m.subject, m.body_text.replace(m.link or "<none>", "<link>"), tuple(m.context["cycles"]))
                for m in _messages(s)
            }
        finally:
            s.rollback()
    return out, report


def test_contacts_composed_in_small_batches_get_the_same_messages(app, monkeypatch) -> None:
    """Memory (issue 13): contacts are composed a batch of entries at a time; the messages are the same as
    when every waiting entry is composed at once, and a contact's entries are never split between two."""
    import models.services.compose as compose

    day = date(2025, 9, 1)  # a Monday: the standing agency's escalations are in its message as well
    _queue_only(app, day)
    whole, whole_report = _composed(app, day)
    monkeypatch.setattr(compose, "BATCH_ENTRIES", 3)
    with Session(app.engine) as s:
        batches = compose._batches(s)
    assert len(batches) > 5 and any(sum(len(r) for r in b.values()) > 1 for b in batches)
    small, small_report = _composed(app, day)
    assert small == whole and small_report == whole_report
    assert whole_report["queued"] >= 5 and any("#" not in k.split(":")[1] and "khcn" in k for k in whole)


def test_long_lists_are_cut_with_the_count_and_the_rest_on_the_page(app, monkeypatch) -> None:
    """A message lists at most LIST_LIMIT items per section (ESCALATED_LIMIT per escalated agency), then
    "… và N nội dung khác"; the headings count every item and the message's cycles are all of them."""
    monkeypatch.setattr(cd, "LIST_LIMIT", 2)
    monkeypatch.setattr(cd, "ESCALATED_LIMIT", 1)
    evaluate_day(app.runtime, date(2025, 9, 1))
    with Session(app.engine) as s:
        messages = [m for m in _messages(s) if m.body_text.startswith("Kính gửi")]  # the full text, not an SMS
    cut_sections = cut_groups = 0
    for m in messages:
        ctx = m.context
        listed = 0
        for part in ctx["sections"] + ctx["escalated"]:
            limit = 2 if "title" in part else 1
            assert len(part["lines"]) == min(part["count"], limit)
            assert part["more"] == part["count"] - len(part["lines"])
            assert f"({part['count']}):" in m.body_text
            if part["more"]:
                assert f"… và {part['more']} nội dung khác" in m.body_text
                cut_sections += "title" in part
                cut_groups += "agency" in part
            listed += part["count"]
        assert listed + len(ctx["accepted"]) + ctx["accepted_more"] == len(ctx["cycles"])
        assert m.body_text.count("\n- ") == sum(len(p["lines"]) for p in ctx["sections"] + ctx["escalated"])
    assert cut_sections and cut_groups  # both kinds of list were long enough to be cut
