"""The officers' use cases called without the pages, on both backends: accounts and sessions
(``officer_accounts``), an action on a cycle as one transaction (``officer_actions``), the read views
(``officer_views``) and the answer link's (``answer_views``)."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlmodel import Session
from support.web import DAY, snapshot
from support.web import make_web as seeded_web

from models.domain.answer_form import AnswerInput, DecisionError
from models.domain.channels import ChannelSpec
from models.domain.states import CycleKind, Role
from models.services import answer_views, decisions, officer_actions, officer_views
from models.services.officer_accounts import (
    AccountError,
    clean_login,
    disable_user,
    list_users,
    log_in,
    log_out,
    logged_in,
    save_user,
)
from models.services.officer_actions import CycleAction, act_on_cycle
from models.services.runtime import Runtime
from models.store.cycle_tables import Cycle, Notification
from models.store.plan_tables import Agency

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
PASSWORD = "mot-mat-khau-dai-2025"


@pytest.fixture
def rt(seeded_url: str, tmp_path: Path) -> Iterator[Runtime]:
    """The runtime over the seeded database (the same one the web tests' application gets)."""
    yield seeded_web(seeded_url, tmp_path).ctx.core.runtime


def _answered(rt: Runtime, **fields: str) -> int:
    """A lead agency's open periodic cycle, answered through its link's use cases; its id."""
    with Session(rt.engine) as s:
        cycle = (
            s.execute(select(Cycle).where(Cycle.role == Role.lead, Cycle.kind == CycleKind.periodic).order_by(Cycle.id))
            .scalars()
            .first()
        )
    assert cycle is not None and cycle.id is not None
    checked = answer_views.check_answer(rt, cycle.id, AnswerInput(**fields), DAY)
    assert checked is not None and not checked.clean.errors, checked
    answer_views.record(
        rt, checked, cycle_id=cycle.id, agency_id=cycle.agency_id, submission_key=f"k{cycle.id}",
        token_id=None, attachment=None, client_ip_hash=None,
    )  # fmt: skip
    return cycle.id


def _status(rt: Runtime, cycle_id: int) -> str:
    with Session(rt.engine) as s:
        cycle = s.get(Cycle, cycle_id)
        assert cycle is not None
        return cycle.status


def test_accounts_and_sessions(rt: Runtime) -> None:
    login = clean_login("  Thu.Ky ")
    assert login == "thu.ky"
    assert save_user(rt.engine, login, "Trần Thư Ký", PASSWORD).created
    assert not save_user(rt.engine, login, "Trần Văn Thư Ký", PASSWORD).created  # a new password, same login
    rows = {r["login"]: r for r in list_users(rt.engine)}
    assert rows["thu.ky"]["name"] == "Trần Văn Thư Ký" and "password_hash" not in rows["thu.ky"]
    assert log_in(rt.engine, login, "sai-mat-khau-123") is None
    cookie = log_in(rt.engine, "THU.KY", PASSWORD)
    assert cookie is not None
    found = logged_in(rt.engine, cookie)
    assert found is not None and found[0].login == login and len(found[1]) == 64
    log_out(rt.engine, cookie)
    assert logged_in(rt.engine, cookie) is None
    again = log_in(rt.engine, login, PASSWORD)
    assert disable_user(rt.engine, login) and logged_in(rt.engine, again) is None
    assert not disable_user(rt.engine, "khong.co")
    with pytest.raises(AccountError, match="tên đăng nhập không hợp lệ"):
        clean_login("x")
    with pytest.raises(AccountError, match="ít nhất 10 ký tự"):
        save_user(rt.engine, "ngan", "A", "ngan")


def test_accept_raises_when_it_loses_a_race(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    cycle_id = _answered(rt, status="done", done_text="Xong", document_number="1/BC", document_date="2025-06-19")
    monkeypatch.setattr(decisions, "set_status", lambda *args, **kwargs: False)  # someone else moved it first
    with pytest.raises(DecisionError, match="vừa được người khác cập nhật"):
        act_on_cycle(rt, CycleAction("accept", cycle_id, "can.bo"), DAY)
    monkeypatch.undo()
    assert _status(rt, cycle_id) == "answered"
    assert act_on_cycle(rt, CycleAction("accept", cycle_id, "can.bo"), DAY) == "accepted"
    assert _status(rt, cycle_id) == "accepted"


def test_an_extension_needs_a_date_not_in_the_past(rt: Runtime) -> None:
    cycle_id = _answered(rt, status="in_progress", progress="20", done_text="Đang làm")
    before = snapshot(rt.engine)
    with pytest.raises(DecisionError, match="vui lòng nhập hạn mới"):
        act_on_cycle(rt, CycleAction("extend", cycle_id, "can.bo"), DAY)
    with pytest.raises(DecisionError, match="không được trước ngày hôm nay"):
        act_on_cycle(rt, CycleAction("extend", cycle_id, "can.bo", new_due=DAY - timedelta(days=1)), DAY)
    with Session(rt.engine) as s, pytest.raises(DecisionError, match="không được trước ngày hôm nay"):
        decisions.grant_extension(s, None, cycle_id, "can.bo", DAY + timedelta(days=90), today=DAY + timedelta(days=91))
    assert snapshot(rt.engine) == before
    later = DAY + timedelta(days=90)
    assert act_on_cycle(rt, CycleAction("extend", cycle_id, "can.bo", new_due=later), DAY) == "extended"


def test_reassign_resolves_the_name_and_queues_in_the_same_transaction(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    cycle_id = _answered(rt, other_agency="Sở Tài chính")
    before = snapshot(rt.engine)
    for name in ("", "Cơ quan không có", "Sở Y tế, Sở Tư pháp"):
        with pytest.raises(DecisionError, match="không tìm thấy cơ quan nhận"):
            act_on_cycle(rt, CycleAction("reassign", cycle_id, "can.bo", agency=name), DAY)

    def broken(*args: object) -> None:
        raise RuntimeError("the outbox is down")

    monkeypatch.setattr(officer_actions, "queue_batch", broken)
    with pytest.raises(RuntimeError):
        act_on_cycle(rt, CycleAction("reassign", cycle_id, "can.bo", agency="Sở Tài chính"), DAY)
    assert snapshot(rt.engine) == before  # the cancelled cycle and the new one went with the messages
    monkeypatch.undo()
    assert act_on_cycle(rt, CycleAction("reassign", cycle_id, "can.bo", agency=" sở tài chính "), DAY) == "reassigned"
    with Session(rt.engine) as s:
        target = s.execute(select(Agency).where(Agency.name == "Sở Tài chính")).scalar_one()
        new = s.execute(select(Cycle).where(Cycle.agency_id == target.id, Cycle.period_key.endswith(f"~r{cycle_id}")))  # type: ignore[attr-defined]
        new_cycle = new.scalar_one()
        queued = s.execute(select(Notification.id).where(Notification.cycle_id == new_cycle.id)).all()
    assert _status(rt, cycle_id) == "cancelled" and new_cycle.status == "open" and queued
    with pytest.raises(KeyError):
        act_on_cycle(rt, CycleAction("explode", cycle_id, "can.bo"), DAY)


def test_views_mask_addresses_and_label_channels_by_their_spec(rt: Runtime) -> None:
    cycle_id = _answered(rt, status="in_progress", progress="40", done_text="Đang làm")
    rt.channels = {**rt.channels, "zalo": ChannelSpec("zalo", "Zalo OA", address="phone", body="template")}
    page = officer_views.cycle_page(rt, cycle_id, DAY, mask=lambda address: "<hidden>")
    assert page is not None and page.view.messages and not page.closed
    assert {m.address for m in page.view.messages} == {"<hidden>"}
    assert "Zalo OA" in {m.channel for m in page.view.messages}
    assert page.view.state == "awaiting_review" and page.view.answers[0].status_text == "Đang triển khai"
    assert page.view.subject_name.startswith("Nhiệm vụ ") and page.agency_names == sorted(page.agency_names)
    assert officer_views.cycle_page(rt, 999_999, DAY, mask=str) is None
    assert officer_views.subject_page(rt, "task", 999_999, DAY, mask=str) is None
    queue = officer_views.review_queue(rt, DAY, mask=str)
    assert [v.cycle.id for v in queue] == [cycle_id]

    view = officer_views.overview(rt, None, "", DAY)
    assert view.plan is not None and view.report is not None and len(view.rows) == 68
    assert view.review_count == 1 and view.dead_count == 0
    assert sum(t.total for t in view.sections.values()) == 68
    overdue = officer_views.overview(rt, "25/KH-UBND", "overdue", DAY)
    assert overdue.rows and {r.state for r in overdue.rows} == {"overdue"}
    assert officer_views.overview(rt, "1/KH", "", DAY).plan is None

    with Session(rt.engine) as s:
        first = s.execute(select(Notification.id).order_by(Notification.id)).scalars().first()
        s.execute(update(Notification).where(Notification.id == first).values(status="dead"))
        s.commit()
    dead = officer_views.dead_messages(rt, mask=lambda address: "***")
    assert [d.notification.id for d in dead] == [first] and dead[0].agency and dead[0].address == "***"
    assert officer_actions.retry_messages(rt, [first]).requeued == 1 and not officer_views.dead_messages(rt, mask=str)


def test_a_typed_name_denotes_one_agency(rt: Runtime) -> None:
    with Session(rt.engine) as s:
        finance = s.execute(select(Agency.id).where(Agency.name == "Sở Tài chính")).scalar_one()
        assert officer_views.agency_id_for_name(s, rt.directory, "Sở Tài chính") == finance
        assert officer_views.agency_id_for_name(s, rt.directory, "  ") is None
        groups = list(rt.directory.groups.values())
        assert groups and officer_views.agency_id_for_name(s, rt.directory, groups[0].name) is None
