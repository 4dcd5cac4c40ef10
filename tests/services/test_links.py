"""Answer links (issue 15, item 11), on SQLite and PostgreSQL: no stored copy of a message — its ``link``,
bodies, parameters, context, ``dondoc outbox --json`` — can be used to answer; the message sent (the file
channel's file) carries a working link, the same one when it is sent again; a link lives as long as its
cycle (due date + grace, moved by an extension), not 400 days from queueing."""

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlmodel import Session
from typer.testing import CliRunner

from config.app import build_app
from models.domain.clock import TZ, utcnow
from models.domain.states import CycleStatus
from models.domain.tokens import GRACE, reveal, token_expiry
from models.services.daily import evaluate_day
from models.services.decisions import grant_extension
from models.services.importer import import_plan
from models.store.cycle_tables import Cycle, Notification, ResponseToken
from models.store.tokens import check_token, new_link
from notifiers.base import ChannelError, OutgoingMessage
from notifiers.links import link_preparer
from notifiers.outbox import message_of

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
PATH = re.compile(r"/r/([^\s\"'<>&]+)")
DAY = date(2025, 7, 1)


@pytest.fixture
def app(cli_env, plan_path):
    application = build_app()
    import_plan(application.engine, plan_path, application.runtime.directory, application.runtime.config)
    return application


def _stored_paths(row: Notification) -> list[str]:
    """Every answer path a stored row holds, wherever it was rendered."""
    texts = [row.link or "", row.body_text, row.body_html or "", json.dumps(row.params), json.dumps(row.context)]
    return [m for text in texts for m in PATH.findall(text)]


def test_no_stored_copy_answers_and_the_sent_message_does(app) -> None:
    evaluate_day(app.runtime, DAY)
    with Session(app.engine) as s:
        rows = list(s.execute(select(Notification).where(Notification.link.is_not(None))).scalars())
        assert rows
        for row in rows:
            stored = _stored_paths(row)
            assert stored and all(not check_token(s, t).ok for t in stored), row.key
            token = reveal(row.link or "", app.runtime.link_key).rsplit("/", 1)[1]
            check = check_token(s, token)
            assert len(token) == 22 and check.ok
            # The day's consolidated message carries ONE link to the agency's page (a token of no cycle).
            assert check.token.cycle_id is None and check.token.agency_id == row.agency_id
    result = CliRunner().invoke(_cli(), ["outbox", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    with Session(app.engine) as s:
        assert all(not check_token(s, p).ok for r in printed if r["link"] for p in PATH.findall(r["link"]))

    stats = app.dispatch()
    assert stats.sent == len(list(_all(app)))
    files = sorted((app.settings.data_dir / "outbox").rglob("*.*"))
    assert files
    sent_tokens = {t for f in files for t in PATH.findall(f.read_text(errors="replace"))}
    with Session(app.engine) as s:
        assert sent_tokens and all(check_token(s, t).ok for t in sent_tokens)
        # The same row sent again carries the same link (a provider's duplicate must not hold a dead one).
        row = s.execute(select(Notification).where(Notification.link.is_not(None))).scalars().first()
        assert row is not None
    prepare = link_preparer(app.runtime.link_key, app.engine)
    first, again = (prepare(message_of(row)) for _ in range(2))
    assert first.link == again.link and first.text == again.text and first.link in first.text
    assert first.link.rsplit("/", 1)[1] in sent_tokens


def test_a_process_with_another_key_refuses_to_send_dead_links(app) -> None:
    evaluate_day(app.runtime, DAY)
    with Session(app.engine) as s:
        row = s.execute(select(Notification).where(Notification.link.is_not(None))).scalars().first()
    with pytest.raises(ChannelError, match="secret key differs"):
        link_preparer(b"another key", app.engine)(message_of(row))
    plain = OutgoingMessage(key="k", channel="email", to="a@b.vn", text="no link here")
    assert link_preparer(b"another key", app.engine)(plain) is plain


def test_expiry_follows_the_due_date_not_the_queueing() -> None:
    """Pure: the end of the due date (local) + grace; an overdue cycle's link works for the grace from now."""
    now = datetime(2025, 6, 1, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội
    assert token_expiry(date(2025, 6, 20), now) == datetime(2025, 7, 21, 0, 0, tzinfo=TZ)
    assert token_expiry(date(2025, 5, 1), now) == datetime(2025, 7, 2, 0, 0, tzinfo=TZ)  # overdue: from today
    late = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # the drill: due 20/06/2025, queued 01/12/2026
    assert token_expiry(date(2025, 6, 20), late) == datetime(2027, 1, 1, 0, 0, tzinfo=TZ)  # not 05/01/2028


def _agency_links(s: Session, key: bytes) -> list[tuple[ResponseToken, date]]:
    """(token, latest due date of the cycles it lists) of each consolidated message's agency link."""
    out = []
    for row in s.execute(select(Notification).where(Notification.link.contains("/r/"))).scalars():
        token = check_token(s, reveal(row.link or "", key).rsplit("/", 1)[1]).token
        dues = [c.due for c in s.execute(select(Cycle).where(Cycle.id.in_(row.context["cycles"]))).scalars()]
        out.append((token, max(dues)))
    return out


def test_a_link_lives_as_long_as_its_cycle(app) -> None:
    evaluate_day(app.runtime, DAY)
    with Session(app.engine) as s:
        links = _agency_links(s, app.runtime.link_key)
        assert links
        for token, due in links:
            # Until the end of the latest due date it lists (of the day it was made, when all are overdue)
            # plus the grace.
            assert token.cycle_id is None and token.expires_at == token_expiry(due, token.created_at)
            assert token.expires_at - token.created_at <= GRACE + timedelta(days=max(0, (due - DAY).days) + 1)

        # An extension moves the cycle's live links to the new date + grace (a revoked one stays revoked).
        cycle = s.execute(select(Cycle).where(Cycle.status == CycleStatus.open).order_by(Cycle.id)).scalars().first()
        for _ in range(2):  # two per-cycle links, as an officer's earlier messages left them
            new_link(s, app.runtime.link_key, cycle_id=cycle.id, agency_id=cycle.agency_id, expires_at=utcnow())
        s.flush()
        ids = list(s.execute(select(ResponseToken.id).where(ResponseToken.cycle_id == cycle.id)).scalars())
        token = s.get(ResponseToken, ids[0])
        new_due = utcnow().astimezone(TZ).date() + timedelta(days=90)
        s.execute(update(ResponseToken).where(ResponseToken.id == ids[0]).values(revoked_at=token.created_at))
        grant_extension(s, app.runtime, cycle.id, "can.bo", new_due, "thêm thời gian", today=DAY)
        s.commit()
        assert s.get(Cycle, cycle.id).status == CycleStatus.extended
        after = list(s.execute(select(ResponseToken).where(ResponseToken.cycle_id == cycle.id)).scalars())
    extended = token_expiry(new_due, utcnow())
    assert extended == datetime.combine(new_due + timedelta(days=1), datetime.min.time(), TZ) + GRACE
    live = [t for t in after if t.revoked_at is None]
    assert live and all(t.expires_at == extended for t in live)  # the extension's own message's link too
    assert next(t for t in after if t.id == ids[0]).expires_at == token.expires_at  # the revoked one untouched


def test_late_queueing_does_not_give_a_400_day_link(app) -> None:
    """The drill's case: a cycle due 20/06/2025 queued on 01/12/2026 got a link until 05/01/2028."""
    evaluate_day(app.runtime, date(2026, 12, 1))
    with Session(app.engine) as s:
        links = _agency_links(s, app.runtime.link_key)
    # An agency link lists cycles overdue since 2025 and some opening now: it lives until the latest due
    # date it lists (at most the 30-day look-ahead away) + grace, never 400 days.
    assert links and all(t.expires_at == token_expiry(due, t.created_at) for t, due in links)
    assert all(t.expires_at <= t.created_at + GRACE + timedelta(days=32) for t, _ in links)


def _cli():
    from cli.main import app as cli_app

    return cli_app


def _all(app):
    with Session(app.engine) as s:
        return list(s.execute(select(Notification.id)).scalars())
