"""The agency page's use cases (``models.services.agency_page``), on SQLite and PostgreSQL over the seeded
database of 20/06/2025: the links (stored as a hash, a reference in messages, a month's life, revoked per
agency), which cycles are listed and in what order, and the one ownership check."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlmodel import Session
from support.web import SECRET

from config.app import build_app
from config.settings import Settings
from models.domain.clock import TZ, utcnow
from models.domain.tokens import GRACE, hash_token, reveal
from models.services.agency_page import (
    agency_cycle,
    agency_link_for_code,
    agency_page,
    agency_page_link,
    new_agency_page_link,
    revoke_agency_links,
)
from models.store.answer_tables import Answer
from models.store.cycle_tables import Cycle, ResponseToken
from models.store.plan_tables import Agency, Plan
from models.store.tokens import check_token

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
DAY = date(2025, 6, 20)


@pytest.fixture
def rt(seeded_url: str, tmp_path: Path, _cached_config: tuple[Any, Any]) -> Any:
    settings = Settings(
        database_url=seeded_url,
        data_dir=tmp_path / "data",
        public_base_url="http://testserver",
        secret_key=SECRET,  # type: ignore[arg-type]
    )
    directory, policy = _cached_config
    app = build_app(settings, directory, policy, migrate=False)
    yield app.runtime
    app.engine.dispose()


def _agency(rt: Any, code: str) -> int:
    with Session(rt.engine) as s:
        return s.execute(select(Agency.id).where(Agency.code == code)).scalar_one()


def _open(rt: Any, agency_id: int) -> list[Cycle]:
    with Session(rt.engine) as s:
        return list(
            s.execute(
                select(Cycle)
                .where(Cycle.agency_id == agency_id, Cycle.status.in_(["open", "overdue"]))  # type: ignore[attr-defined]
                .order_by(Cycle.id)
            ).scalars()
        )


def test_a_new_link_is_a_reference_in_messages_and_a_hash_in_the_database(rt: Any) -> None:
    agency_id = _agency(rt, "so-y-te")
    now = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)  # 03:00 on 11/03 in Hà Nội
    with Session(rt.engine) as s:
        stored = new_agency_page_link(s, rt, agency_id, now=now)
        s.commit()
    assert stored.startswith("http://testserver/r/.") and len(stored.rsplit("/", 1)[1]) == 22
    token = reveal(stored, rt.link_key).rsplit("/", 1)[1]
    with Session(rt.engine) as s:
        assert not check_token(s, stored.rsplit("/", 1)[1]).ok  # the stored reference answers nothing
        row = s.execute(select(ResponseToken).where(ResponseToken.token_hash == hash_token(token))).scalar_one()
    assert row.cycle_id is None and row.agency_id == agency_id
    end_of_day = datetime(2026, 3, 12, tzinfo=TZ)  # the local day it was made, to its end
    assert row.expires_at == (end_of_day + GRACE).astimezone(UTC)
    link = agency_page_link(rt, agency_id)
    with Session(rt.engine) as s:
        check = check_token(s, link.rsplit("/", 1)[1])
    assert check.ok and check.token.cycle_id is None and check.token.expires_at > utcnow() + timedelta(days=29)
    assert agency_link_for_code(rt, "khong-co-co-quan-nay") is None


def test_revoking_ends_the_agency_links_of_one_agency_only(rt: Any) -> None:
    a, b = _agency(rt, "so-y-te"), _agency(rt, "so-tai-chinh")
    links = [agency_page_link(rt, a), agency_page_link(rt, a), agency_page_link(rt, b)]
    with Session(rt.engine) as s:
        cycle_tokens = s.execute(select(ResponseToken.id).where(ResponseToken.revoked_at.is_(None))).all()  # type: ignore[union-attr]
    with Session(rt.engine) as s:  # these two and the daily run's consolidated messages' links to the agency
        mine = s.execute(
            select(ResponseToken.id).where(ResponseToken.cycle_id.is_(None), ResponseToken.agency_id == a)  # type: ignore[union-attr]
        ).all()
    assert revoke_agency_links(rt, "so-y-te") == len(mine) >= 2
    with Session(rt.engine) as s:
        states = [check_token(s, link.rsplit("/", 1)[1]).reason for link in links]
        live = s.execute(select(ResponseToken.id).where(ResponseToken.revoked_at.is_(None))).all()  # type: ignore[union-attr]
    assert states == ["revoked", "revoked", "ok"]
    assert len(live) == len(cycle_tokens) - len(mine)  # the cycles' own links stay
    assert revoke_agency_links(rt, "khong-co") is None


def test_the_page_lists_open_cycles_by_plan_overdue_first_answered_last(rt: Any) -> None:
    agency_id = _agency(rt, "so-y-te")
    cycles = _open(rt, agency_id)
    assert len(cycles) >= 4
    overdue = next(c for c in cycles if c.status == "overdue")
    others = [c for c in cycles if c.id != overdue.id]
    answered, moved, closed = others[0], others[1], others[2]
    now = utcnow()
    with Session(rt.engine) as s:
        # One cycle answered (its receipt is shown), one under a second plan, one closed (not listed).
        s.execute(update(Cycle).where(Cycle.id == answered.id).values(status="answered", answered_at=now))
        for n, before in enumerate(("open", "answered"), 1):  # two answers: the latest one's receipt shows
            s.add(
                Answer(
                    reference=f"BC-TEST-{n}",
                    submission_key=f"k{n}",
                    cycle_id=answered.id,
                    agency_id=agency_id,
                    cycle_status_before=before,
                    created_at=now + timedelta(seconds=n),
                )
            )
        plan = Plan(
            number="99/KH-UBND", title="Kế hoạch thử nghiệm", source_name="t", content_hash="x", imported_at=now
        )
        s.add(plan)
        s.flush()
        s.execute(update(Cycle).where(Cycle.id == moved.id).values(plan_id=plan.id))
        s.execute(update(Cycle).where(Cycle.id == closed.id).values(status="accepted"))
        s.commit()
    data = agency_page(rt, agency_id, DAY)
    groups = data["groups"]
    assert [g.number for g in groups] == ["25/KH-UBND", "99/KH-UBND"]
    first = groups[0].items
    assert first[0].cycle_id == overdue.id and first[0].days_overdue == (DAY - overdue.due).days > 0
    assert first[0].role_text == "Chủ trì" and first[0].subject_name.startswith("Nhiệm vụ ")
    assert first[-1].cycle_id == answered.id and first[-1].answered and first[-1].reference == "BC-TEST-2"
    middle = first[1:-1]
    assert [i.due for i in middle] == sorted(i.due for i in middle)
    assert [i.cycle_id for i in groups[1].items] == [moved.id]
    listed = {i.cycle_id for g in groups for i in g.items}
    assert closed.id not in listed and listed == {c.id for c in cycles} - {closed.id}
    assert all(len(i.title) <= 140 for g in groups for i in g.items)
    assert data["open_count"] == len(listed) - 1 and data["answered_count"] == 1 and data["overdue_count"] == 1


def test_ownership_is_the_cycle_agency(rt: Any) -> None:
    a, b = _agency(rt, "so-y-te"), _agency(rt, "so-tai-chinh")
    own, other = _open(rt, a)[0], _open(rt, b)[0]
    assert agency_cycle(rt, a, own.id) and not agency_cycle(rt, a, other.id)
    assert agency_cycle(rt, b, other.id) and not agency_cycle(rt, a, 10**9)
