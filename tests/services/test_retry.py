"""Retrying dead messages never sends a second copy of what another channel has (issue 15, item 1), on
SQLite and PostgreSQL: a Zalo row dead after its SMS fallback was sent stays dead, and says why; dead
rows of one message go back as one; "retry all" is counted before it is pressed."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlmodel import Session
from support.web import make_web as seeded_web

from models.domain.reminders import key_on_channel, message_key
from models.services import decisions, officer_actions, officer_views
from models.services.retry import DeadRow, OtherRow, plan_retry
from models.services.runtime import Runtime
from models.store.cycle_tables import Notification

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def rt(seeded_url: str, tmp_path: Path) -> Iterator[Runtime]:
    yield seeded_web(seeded_url, tmp_path).ctx.core.runtime


def _copy_on(session: Session, row: Notification, channel: str, status: str) -> Notification:
    """The same message on ``channel`` (a fallback of ``row``), in ``status``."""
    data = row.model_dump(exclude={"id"})
    copy = Notification(**{**data, "key": key_on_channel(row.key, channel), "channel": channel})
    copy.status, copy.fallback_of = status, row.id
    session.add(copy)
    session.flush()
    return copy


def _dead_with_fallback(rt: Runtime, fallback_status: str) -> tuple[int, int, int]:
    """(dead Zalo row whose SMS fallback is in ``fallback_status``, that fallback, a dead row alone)."""
    with Session(rt.engine, expire_on_commit=False) as s:
        first, alone = s.execute(select(Notification).order_by(Notification.id).limit(2)).scalars()
        s.execute(
            update(Notification)
            .where(Notification.id.in_([first.id, alone.id]))  # type: ignore[union-attr]
            .values(status="dead", attempts=1, error_class="permanent", last_error="zalo -118")
        )
        first.channel, first.status = "zalo", "dead"
        fallback = _copy_on(s, first, "sms", fallback_status)
        s.commit()
        return first.id or 0, fallback.id or 0, alone.id or 0


@pytest.mark.parametrize("fallback_status", ["sent", "delivered", "pending"])
def test_retry_all_skips_a_message_another_channel_has(rt: Runtime, fallback_status: str) -> None:
    zalo, sms, alone = _dead_with_fallback(rt, fallback_status)
    preview = officer_actions.retry_messages(rt, None, dry_run=True)
    assert preview.requeue == [alone] and [(s.id, s.reason, s.channel) for s in preview.skipped] == [
        (zalo, "covered", "sms")
    ]
    with Session(rt.engine) as s:
        assert s.get(Notification, alone).status == "dead"  # a preview writes nothing

    done = officer_actions.retry_messages(rt, None)
    assert done.requeued == 1 and done.covered == 1
    with Session(rt.engine) as s:
        assert s.get(Notification, zalo).status == "dead"  # the person has it by SMS: never again on Zalo
        assert s.get(Notification, sms).status == fallback_status
        assert s.get(Notification, alone).status == "pending" and s.get(Notification, alone).attempts == 0

    page = officer_views.dead_page(rt, mask=str)
    assert [d.notification.id for d in page.items] == [zalo] and page.resend_all == 0 and page.skip_all == 1
    assert page.items[0].skip.startswith("Không gửi lại: cùng tin này qua SMS")


def test_choosing_a_covered_row_skips_it_too(rt: Runtime) -> None:
    zalo, _, _ = _dead_with_fallback(rt, "sent")
    with Session(rt.engine) as s:
        assert decisions.retry_dead(s, [zalo]) == 0
        s.commit()
        assert s.get(Notification, zalo).status == "dead"


def test_dead_rows_of_one_message_go_back_as_one(rt: Runtime) -> None:
    zalo, sms, alone = _dead_with_fallback(rt, "dead")
    with Session(rt.engine) as s:  # the fallback died of retryable errors: it is the one worth trying
        s.execute(update(Notification).where(Notification.id == sms).values(error_class="retryable"))
        s.commit()
    done = officer_actions.retry_messages(rt, None)
    assert done.requeue == sorted([sms, alone])
    assert [(s.id, s.reason, s.channel) for s in done.skipped] == [(zalo, "same_message", "sms")]
    with Session(rt.engine) as s:
        assert [s.get(Notification, i).status for i in (zalo, sms, alone)] == ["dead", "pending", "pending"]


def test_plan_retry_rules() -> None:
    """Pure: the key without its channel names the message; a dead or unrelated row covers nothing."""
    key = "c7:before_3:so-tc:zalo"
    assert (
        message_key(key) == "c7:before_3:so-tc"
        and message_key("digest:2025-W25:so-nv:email") == "digest:2025-W25:so-nv"
    )
    dead = [DeadRow(1, key, "zalo", "permanent")]
    assert plan_retry(dead, [OtherRow("c7:before_3:so-tc:sms", "sms", "dead")]).requeue == [1]
    assert plan_retry(dead, [OtherRow("c7:before_3:so-tc#head:sms", "sms", "sent")]).requeue == [1]
    assert plan_retry(dead, [OtherRow("c7:due:so-tc:sms", "sms", "sent")]).requeue == [1]
    assert plan_retry(dead, [OtherRow("c7:before_3:so-tc:email", "email", "sent")]).requeue == []
    both = [DeadRow(1, key, "zalo", "permanent"), DeadRow(2, "c7:before_3:so-tc:sms", "sms", "permanent")]
    assert plan_retry(both, []).requeue == [2]  # all permanent: the last channel tried
