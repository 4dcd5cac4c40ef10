"""The shared write primitives of ``models/store/writes.py``, on SQLite and PostgreSQL."""

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.domain.channels import Body
from models.domain.states import CycleStatus, NotificationStatus
from models.store.cycle_tables import Cycle, CycleEvent, Notification
from models.store.db import make_engine
from models.store.writes import insert_ignore, outbox_row, set_status


@pytest.fixture
def seeded(seeded_url: str) -> Iterator[Engine]:
    engine = make_engine(seeded_url)
    yield engine
    engine.dispose()


def _open_ids(session: Session, n: int) -> list[int]:
    ids = session.execute(select(Cycle.id).where(Cycle.status == CycleStatus.open).order_by(Cycle.id).limit(n))
    found = list(ids.scalars())
    assert len(found) == n, "the seed has open cycles"
    return found


def _events(session: Session, ids: list[int], to: str) -> int:
    stmt = select(func.count()).where(CycleEvent.cycle_id.in_(ids), CycleEvent.to_status == to)  # type: ignore[attr-defined]
    return session.execute(stmt).scalar_one()


def test_set_status_moves_only_cycles_still_in_the_state_seen(seeded: Engine) -> None:
    with Session(seeded) as session:
        first, second, third = _open_ids(session, 3)
        assert set_status(session, first, CycleStatus.open, CycleStatus.answered, "agency", "đã báo cáo") == [first]
        # A batch where one cycle was moved meanwhile: only the others change, and say so.
        moved = set_status(session, [first, second, third], CycleStatus.open, CycleStatus.answered, "agency", "x")
        assert sorted(moved) == [second, third]
        session.commit()
        assert _events(session, [first, second, third], CycleStatus.answered) == 3  # one history row each
        cycle = session.get(Cycle, first)
        assert cycle is not None and cycle.status == CycleStatus.answered and cycle.status_changed_at is not None


def test_set_status_sets_closed_at_and_refuses_a_forbidden_move(seeded: Engine) -> None:
    with Session(seeded) as session:
        (cid,) = _open_ids(session, 1)
        with pytest.raises(ValueError, match="cannot go from"):
            set_status(session, cid, CycleStatus.open, CycleStatus.scheduled, "officer:a", "no")
        set_status(session, cid, CycleStatus.open, CycleStatus.answered, "agency", "đã báo cáo")
        set_status(session, cid, CycleStatus.answered, CycleStatus.accepted, "officer:a", "đạt")
        session.commit()
        cycle = session.get(Cycle, cid)
        assert cycle is not None and cycle.closed_at is not None
        assert set_status(session, [], CycleStatus.open, CycleStatus.answered, "agency", "x") == []


def test_outbox_rows_go_in_once_by_key(seeded: Engine) -> None:
    row = outbox_row(
        key="test:writes:1",
        cycle_id=None,
        step="test",
        agency_id=None,
        recipient="so-khcn",
        channel="email",
        address="vanthu@sokhcn.example.gov.vn",
        subject="Tiêu đề " * 50,  # cut to the column's 255 characters
        body=Body(text="Nội dung", html="<p>Nội dung</p>", params={}),
        template="reminder",
        link=None,
        context={"agency": "Sở Khoa học và Công nghệ"},
    )
    with Session(seeded) as session:
        assert insert_ignore(session, Notification, [row]) == 1
        assert insert_ignore(session, Notification, [row, dict(row)]) == 0  # the same key: ignored
        session.commit()
        stored = session.execute(select(Notification).where(Notification.key == "test:writes:1")).scalar_one()
    assert stored.status == NotificationStatus.pending and stored.attempts == 0 and len(stored.subject) == 255
    assert stored.body_html == "<p>Nội dung</p>" and stored.context == {"agency": "Sở Khoa học và Công nghệ"}


def test_bulk_insert_ignore_matches_the_orm_and_skips_what_exists(seeded: Engine) -> None:
    """The driver-level path writes what SQLAlchemy would: dates, timestamps and Python-side defaults
    (``schedule_version``, ``status``) read back the same; an existing row is skipped and not counted."""
    from datetime import date

    from models.domain.clock import utcnow
    from models.store.cycle_tables import ReminderLedger
    from models.store.writes import bulk_insert_ignore

    now = utcnow()
    with Session(seeded) as session:
        template = session.execute(select(Cycle).order_by(Cycle.id).limit(1)).scalar_one()
        rows = [
            {
                "plan_id": template.plan_id,
                "subject": template.subject,
                "task_id": template.task_id,
                "indicator_id": template.indicator_id,
                "agency_id": template.agency_id,
                "role": template.role,
                "kind": template.kind,
                "period_key": f"bulk-{n}",
                "label": "Kỳ thử",
                "opens_on": date(2026, 1, n + 1),
                "due_nominal": date(2026, 2, n + 1),
                "due_effective": date(2026, 2, n + 1),
                "status_changed_at": now,
                "created_at": now,
            }
            for n in range(3)
        ]
        assert bulk_insert_ignore(session, Cycle, rows) == 3
        assert bulk_insert_ignore(session, Cycle, rows[:2]) == 0  # the unique identity: nothing twice
        session.commit()
        made = session.execute(select(Cycle).where(Cycle.period_key.startswith("bulk-")).order_by(Cycle.id)).scalars()  # type: ignore[attr-defined]
        made = list(made)
        assert [c.opens_on for c in made] == [date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3)]
        assert all(c.schedule_version == 0 and c.status == CycleStatus.scheduled for c in made)
        assert made[0].created_at.replace(tzinfo=None) == now.replace(tzinfo=None)
        ledger = {
            "cycle_id": made[0].id,
            "step": "overdue_2",
            "recipient": "so-x",
            "due_on": date(2026, 3, 1),
            "recorded_on": date(2026, 3, 2),
            "notification_key": None,
            "folded": "before_7 due",
        }
        assert bulk_insert_ignore(session, ReminderLedger, [ledger, ledger]) == 1  # (cycle, step, recipient) once
        session.commit()
        entry = session.execute(select(ReminderLedger).where(ReminderLedger.cycle_id == made[0].id)).scalar_one()
        assert entry.steps() == ["before_7", "due", "overdue_2"] and entry.due_on == date(2026, 3, 1)
