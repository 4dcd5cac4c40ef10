"""The tracking day on the officers' plan page (issue 11 point 4), on SQLite and PostgreSQL: a POST with
the session's CSRF token sets it, a bad date or a bad token changes nothing. And many plans side by side
(issue 10 point 5): ``/officers?plan=all`` lists them, each plan's page links the others."""

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session
from support.web import Web, snapshot

from models.services.importer import import_plan
from models.services.plan_lifecycle import retire_plan
from models.store.plan_tables import Plan

DATA = Path(__file__).resolve().parents[1] / "data" / "plans"

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _track_from(web: Web):  # type: ignore[no-untyped-def]
    with Session(web.engine) as s:
        return s.execute(select(Plan.track_from).where(Plan.number == "25/KH-UBND")).scalar_one()


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


def test_all_plans_side_by_side(officer: Web, _cached_config) -> None:  # type: ignore[no-untyped-def]
    directory, policy = _cached_config
    other = import_plan(officer.engine, DATA / "other-province-lettered.txt", directory, policy)
    retire_plan(officer.engine, other.plan)
    page = officer.client.get("/officers?plan=all")
    assert page.status_code == 200
    assert "25/KH-UBND" in page.text and other.plan in page.text and "Đã kết thúc" in page.text
    one = officer.client.get("/officers?plan=25%2FKH-UBND")
    assert 'href="/officers?plan=all"' in one.text and other.plan in one.text
