"""The agency page (issue 11 point 2): an agency link (a token with no cycle) opens the list of the agency's
open cycles, each answered there with the per-cycle form; GET changes nothing; a link of agency A never
reads or answers a cycle of agency B; revoked and expired links get the plain page; the submit limit
counts per link and cycle. On SQLite and PostgreSQL (the seeded database of 20/06/2025)."""

import re
import unicodedata
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from support.web import Web, make_web, snapshot

from models.domain.clock import utcnow
from models.domain.states import CycleStatus
from models.domain.tokens import hash_token
from models.services.agency_page import agency_page_link, revoke_agency_links
from models.store.answer_tables import Answer
from models.store.cycle_tables import Cycle, ResponseToken
from models.store.plan_tables import Agency, Task
from web.security import Limit, Limits

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

A = "so-y-te"  # one overdue task (led) and indicator cycles open on 20/06/2025
B = "so-tai-chinh"
ITEM = re.compile(r'<li class="item[^"]*" id="c(\d+)">')


def _agency_id(web: Web, code: str) -> int:
    with web.session() as s:
        return s.execute(select(Agency.id).where(Agency.code == code)).scalar_one()


def _link(web: Web, code: str) -> str:
    """A new agency link's path (``/r/<token>``)."""
    return agency_page_link(web.ctx.core.runtime, _agency_id(web, code)).removeprefix("http://testserver")


def _live_agency_links(web: Web, code: str) -> int:
    with web.session() as s:
        return s.execute(
            select(func.count()).where(
                ResponseToken.cycle_id.is_(None),  # type: ignore[union-attr]
                ResponseToken.agency_id == _agency_id(web, code),
                ResponseToken.revoked_at.is_(None),  # type: ignore[union-attr]
            )
        ).scalar_one()


def _cycles(web: Web, code: str, *statuses: str) -> list[Cycle]:
    with web.session() as s:
        return list(
            s.execute(
                select(Cycle)
                .where(Cycle.agency_id == _agency_id(web, code), Cycle.status.in_(statuses))  # type: ignore[attr-defined]
                .order_by(Cycle.id)
            ).scalars()
        )


def _task_cycles(web: Web, code: str) -> list[Cycle]:
    return [c for c in _cycles(web, code, "open", "overdue") if c.task_id is not None]


def _answer_data(web: Web, cycle: Cycle) -> dict[str, str]:
    """A valid answer for the cycle (an indicator's needs its value and source)."""
    data = {"status": "in_progress", "progress": "40", "done_text": "Đang triển khai theo kế hoạch."}
    if cycle.indicator_id is not None:
        data.update(indicator_value="12", indicator_source="Cục Thống kê tỉnh")
    return data


def test_page_lists_the_agency_open_cycles_overdue_first(web: Web) -> None:
    path = _link(web, A)
    response = web.client.get(path)
    assert response.status_code == 200
    html = response.text
    with web.session() as s:
        agency = s.get(Agency, _agency_id(web, A))
    listed = [int(i) for i in ITEM.findall(html)]
    expected = _cycles(web, A, *CycleStatus.__members__)
    open_ids = {c.id for c in expected if c.status in ("open", "overdue")}
    assert set(listed) == open_ids and len(listed) == len(open_ids) >= 3
    overdue = next(c for c in expected if c.status == "overdue")
    assert listed[0] == overdue.id  # overdue first
    days = (web.today - overdue.due).days
    assert f"Quá hạn {days} ngày" in html and f"Hạn {overdue.due:%d/%m/%Y}" in html
    with web.session() as s:
        task = s.get(Task, overdue.task_id)
    assert f"Nhiệm vụ {task.number}" in html and "Vai trò: chủ trì" in html
    assert f"Nhiệm vụ cần báo cáo của {agency.name}" in html and "Kế hoạch 25/KH-UBND" in html
    assert "Chỉ tiêu " in html and "Vai trò: theo dõi, đánh giá" in html
    assert unicodedata.is_normalized("NFC", html) and "<script" not in html
    assert response.headers["cache-control"] == "no-store"
    # Nothing of another agency.
    b_ids = {c.id for c in _cycles(web, B, "open", "overdue")}
    assert not b_ids & set(listed)


def test_get_changes_nothing(web: Web) -> None:
    path = _link(web, A)
    cycle = _task_cycles(web, A)[0]
    before = snapshot(web.engine)
    for url in (path, f"{path}/c/{cycle.id}", f"{path}/c/999999", f"{path}/c/{_task_cycles(web, B)[0].id}"):
        web.client.get(url)
        web.client.head(url)
    assert snapshot(web.engine) == before


def test_three_cycles_answered_from_one_link(web: Web) -> None:
    path = _link(web, A)
    with web.session() as s:
        # the link made here (the daily run's consolidated messages carry agency links too)
        token_id = s.execute(
            select(ResponseToken.id).where(ResponseToken.token_hash == hash_token(path.rsplit("/", 1)[1]))
        ).scalar_one()
    chosen = [int(i) for i in ITEM.findall(web.client.get(path).text)][:3]
    by_id = {c.id: c for c in _cycles(web, A, "open", "overdue")}
    references = []
    for cycle_id in chosen:
        page = web.client.get(f"{path}/c/{cycle_id}")
        assert page.status_code == 200 and f'action="{path}/c/{cycle_id}"' in page.text
        assert f'href="{path}"' in page.text  # back to the list
        posted = web.client.post(
            f"{path}/c/{cycle_id}",
            data={"csrf": web.csrf(page.text), **_answer_data(web, by_id[cycle_id])},
            follow_redirects=False,
        )
        assert posted.status_code == 303, posted.text[:500]
        location = posted.headers["location"]
        assert location.startswith(f"{path}/c/{cycle_id}/bien-nhan/BC-")
        receipt = web.client.get(location)
        assert receipt.status_code == 200 and "Biên nhận báo cáo" in receipt.text
        assert f'href="{path}"' in receipt.text and "Quay lại danh sách nhiệm vụ" in receipt.text
        references.append(location.rsplit("/", 1)[1])
    with web.session() as s:
        answers = list(s.execute(select(Answer).order_by(Answer.id)).scalars())
        statuses = {c.id: c.status for c in s.execute(select(Cycle).where(Cycle.id.in_(chosen))).scalars()}  # type: ignore[union-attr]
    assert [a.cycle_id for a in answers] == chosen and [a.reference for a in answers] == references
    assert {a.token_id for a in answers} == {token_id} and {a.agency_id for a in answers} == {_agency_id(web, A)}
    assert set(statuses.values()) == {"answered"}
    listing = web.client.get(path).text
    assert listing.count("Đã báo cáo</span>") == 3
    for reference in references:
        assert f"Số biên nhận {reference}" in listing
    remaining = [int(i) for i in ITEM.findall(listing)]
    assert set(remaining[-3:]) == set(chosen)  # answered ones go last, still listed


def test_a_link_of_agency_a_never_reads_or_answers_agency_b(web: Web) -> None:
    path_a = _link(web, A)
    own = _task_cycles(web, A)[0]
    other = _task_cycles(web, B)[0]
    # A receipt of B's (answered through B's own link) is not readable through A's link either.
    path_b = _link(web, B)
    page_b = web.client.get(f"{path_b}/c/{other.id}")
    done = web.client.post(
        f"{path_b}/c/{other.id}",
        data={"csrf": web.csrf(page_b.text), **_answer_data(web, other)},
        follow_redirects=False,
    )
    reference_b = done.headers["location"].rsplit("/", 1)[1]
    before = snapshot(web.engine)
    csrf_a = web.form(f"{path_a}/c/{own.id}")
    refused = [
        web.client.get(f"{path_a}/c/{other.id}"),
        web.client.post(f"{path_a}/c/{other.id}", data={"csrf": csrf_a, **_answer_data(web, other)}),
        web.client.get(f"{path_a}/c/{other.id}/bien-nhan/{reference_b}"),
        web.client.get(f"{path_a}/c/{own.id}/bien-nhan/{reference_b}"),  # own cycle, B's receipt number
        web.client.get(f"{path_a}/c/999999"),
        web.client.get(f"{path_a}/c/abc"),
        web.client.post(path_a, data={"csrf": csrf_a, **_answer_data(web, own)}),  # no cycle named
    ]
    for response in refused:
        assert response.status_code in (404,), response.text[:300]
        assert "csrf" not in response.text and reference_b not in response.text
        assert "Số biên nhận" not in response.text
    assert "Không tìm thấy kỳ báo cáo" in refused[0].text
    assert refused[0].text == refused[4].text == refused[5].text  # another agency's cycle = no cycle
    assert snapshot(web.engine) == before


def test_a_cycle_link_does_not_open_the_agency_routes(web: Web) -> None:
    cycle_id, path = next(iter(web.links.items()))
    other = next(c for c in web.links if c != cycle_id)
    for url in (f"{path}/c/{cycle_id}", f"{path}/c/{other}"):
        assert web.client.get(url).status_code == 404


def test_a_form_of_one_cycle_does_not_answer_another(web: Web) -> None:
    path = _link(web, A)
    first, second = _task_cycles(web, A)[:2]
    csrf = web.form(f"{path}/c/{first.id}")
    before = snapshot(web.engine)
    response = web.client.post(
        f"{path}/c/{second.id}", data={"csrf": csrf, **_answer_data(web, second)}, follow_redirects=False
    )
    assert response.status_code == 403 and "Biểu mẫu đã hết hạn hoặc không hợp lệ" in response.text
    assert snapshot(web.engine) == before


def test_validation_error_stays_on_the_cycle_form(web: Web) -> None:
    path = _link(web, A)
    cycle = _task_cycles(web, A)[0]
    csrf = web.form(f"{path}/c/{cycle.id}")
    response = web.client.post(f"{path}/c/{cycle.id}", data={"csrf": csrf, "status": "done", "done_text": "x"})
    assert response.status_code == 422 and 'id="err-document_number"' in response.text
    assert f'action="{path}/c/{cycle.id}"' in response.text


def test_closed_cycle_of_the_agency_takes_no_answer(web: Web) -> None:
    path = _link(web, A)
    cycle = _task_cycles(web, A)[0]
    csrf = web.form(f"{path}/c/{cycle.id}")
    with web.session() as s:
        s.execute(update(Cycle).where(Cycle.id == cycle.id).values(status="accepted"))
        s.commit()
    assert f'id="c{cycle.id}"' not in web.client.get(path).text  # closed: not listed
    page = web.client.get(f"{path}/c/{cycle.id}")
    assert page.status_code == 200 and 'name="status"' not in page.text
    response = web.client.post(f"{path}/c/{cycle.id}", data={"csrf": csrf, **_answer_data(web, cycle)})
    assert response.status_code == 409 and "không nhận thêm báo cáo" in response.text
    with web.session() as s:
        assert s.execute(select(Answer)).first() is None


@pytest.mark.parametrize("case", ["revoked", "expired"])
def test_revoked_or_expired_agency_link_gets_the_plain_page(web: Web, case: str) -> None:
    path = _link(web, A)
    cycle = _task_cycles(web, A)[0]
    csrf = web.form(f"{path}/c/{cycle.id}")
    unknown = web.client.get("/r/" + "Z" * 22).text
    if case == "revoked":
        # this link and those of the daily run's consolidated messages to the agency
        live = _live_agency_links(web, A)
        assert live >= 1 and revoke_agency_links(web.ctx.core.runtime, A) == live
        assert revoke_agency_links(web.ctx.core.runtime, A) == 0
        assert revoke_agency_links(web.ctx.core.runtime, "khong-co") is None
    else:
        with web.session() as s:
            s.execute(
                update(ResponseToken)
                .where(ResponseToken.cycle_id.is_(None))  # type: ignore[union-attr]
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
            s.commit()
    for response in (
        web.client.get(path),
        web.client.get(f"{path}/c/{cycle.id}"),
        web.client.post(f"{path}/c/{cycle.id}", data={"csrf": csrf, **_answer_data(web, cycle)}),
    ):
        assert response.status_code == 410 and response.text == unknown
    with web.session() as s:
        assert s.execute(select(Answer)).first() is None
    # The per-cycle links of the agency are untouched.
    cycle_links = [p for c, p in web.links.items() if c == cycle.id]
    if cycle_links:
        assert web.client.get(cycle_links[0]).status_code == 200


def test_submit_limit_counts_per_cycle_on_an_agency_link(seeded_url: str, tmp_path: Path) -> None:
    """Answering many cycles in a row through one agency link is not throttled; one cycle's form is."""
    web = make_web(seeded_url, tmp_path, limits=Limits(submit_per_token=Limit(1, 600)))
    path = _link(web, A)
    cycles = _cycles(web, A, "open", "overdue")[:3]
    for cycle in cycles:
        csrf = web.form(f"{path}/c/{cycle.id}")
        response = web.client.post(
            f"{path}/c/{cycle.id}", data={"csrf": csrf, **_answer_data(web, cycle)}, follow_redirects=False
        )
        assert response.status_code == 303
    csrf = web.form(f"{path}/c/{cycles[0].id}")
    again = web.client.post(f"{path}/c/{cycles[0].id}", data={"csrf": csrf, **_answer_data(web, cycles[0])})
    assert again.status_code == 429
