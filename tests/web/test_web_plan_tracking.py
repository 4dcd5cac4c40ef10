"""The tracking day on the officers' plan page (issue 11 point 4), on SQLite and PostgreSQL: a POST with
the session's CSRF token sets it, a bad date or a bad token changes nothing."""

import pytest
from sqlalchemy import select
from sqlmodel import Session
from support.web import Web, snapshot

from models.store.plan_tables import Plan

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _track_from(web: Web):  # type: ignore[no-untyped-def]
    with Session(web.engine) as s:
        return s.execute(select(Plan.track_from)).scalar_one()


def test_plan_page_sets_the_tracking_day(officer: Web) -> None:
    page = officer.client.get("/officers")
    assert 'action="/officers/plans/track-from"' in page.text
    csrf = officer.csrf(page.text)
    done = officer.client.post(
        "/officers/plans/track-from",
        data={"csrf": csrf, "plan": "25/KH-UBND", "track_from": "2026-12-02"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and "ok=tracked" in done.headers["location"]
    assert str(_track_from(officer)) == "2026-12-02"
    shown = officer.client.get(done.headers["location"])
    assert 'value="2026-12-02"' in shown.text and "Đã đặt ngày bắt đầu theo dõi" in shown.text

    before = snapshot(officer.engine)
    bad = officer.client.post(
        "/officers/plans/track-from",
        data={"csrf": csrf, "plan": "25/KH-UBND", "track_from": "31/02/2026"},
        follow_redirects=False,
    )
    assert bad.status_code == 303 and "track_error=1" in bad.headers["location"]
    assert "Ngày không hợp lệ" in officer.client.get(bad.headers["location"]).text
    refused = officer.client.post(
        "/officers/plans/track-from", data={"csrf": "x", "plan": "25/KH-UBND", "track_from": ""}
    )
    assert refused.status_code == 403
    assert snapshot(officer.engine) == before and str(_track_from(officer)) == "2026-12-02"
