"""The officers' directory page (/officers/directory) and the "cần xác nhận" badge, on SQLite and
PostgreSQL: the agencies to confirm are marked wherever officers see them; an officer sets a successor and
date, the change is audited and in force."""

import pytest
from sqlalchemy import select
from support.web import Web

from models.store.cycle_tables import Cycle
from models.store.plan_tables import Agency, DirectoryChange

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_the_page_needs_a_login(web: Web) -> None:
    response = web.client.get("/officers/directory", follow_redirects=False)
    assert response.status_code in (302, 303) and "/officers/login" in response.headers["location"]


def test_the_page_lists_kinds_successors_and_marks(officer: Web) -> None:
    html = officer.client.get("/officers/directory").text
    assert "Danh bạ cơ quan" in html and "Cục Thuế tỉnh Thái Nguyên" in html
    assert html.count('class="badge review"') >= 13  # 12 agencies and the page's own legend
    assert "UBND xã Tân Cương" in html and "Huyện cũ: Thành phố Thái Nguyên; Thành phố Sông Công" in html
    assert "UBND huyện Đại Từ" in html and "Các xã, phường kế thừa UBND huyện Đại Từ" in html
    assert 'class="badge sample"' not in html  # the shipped list is sourced: no sample entries


def test_a_routed_agency_to_confirm_is_badged_on_its_cycle_page(officer: Web) -> None:
    with officer.session() as s:
        agency_id = s.execute(select(Agency.id).where(Agency.code == "cuc-thue")).scalar_one()
        cycle_id = s.execute(select(Cycle.id).where(Cycle.agency_id == agency_id)).scalars().first()
    assert cycle_id is not None
    html = officer.client.get(f"/officers/cycles/{cycle_id}").text
    assert "Cục Thuế tỉnh Thái Nguyên" in html and 'class="badge review"' in html


def test_an_officer_sets_a_successor_audited(officer: Web) -> None:
    csrf = officer.officer_csrf("/officers/directory")
    response = officer.client.post(
        "/officers/directory/cuc-thue",
        data={"csrf": csrf, "successor": "Sở Tài chính", "succeeded_on": "01/07/2025", "legal_basis": "QĐ thử"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:300]
    page = officer.client.get(response.headers["location"]).text
    assert "Đã ghi vào danh bạ cơ quan" in page
    assert "can.bo" in page and "— → Sở Tài chính từ 01/07/2025" in page
    with officer.session() as s:
        change = s.execute(select(DirectoryChange)).scalar_one()
        row = s.execute(select(Agency).where(Agency.code == "cuc-thue")).scalar_one()
    assert (change.officer, change.after["successor"], change.before["review"] is not None) == (
        "can.bo", "so-tai-chinh", True,
    )  # fmt: skip
    assert (row.successor_code, row.review) == ("so-tai-chinh", None)
    assert officer.ctx.core.runtime.directory.agencies["cuc-thue"].successor == "so-tai-chinh"


@pytest.mark.parametrize(
    ("data", "status", "text"),
    [
        ({"successor": "so-tai-chinh"}, 422, "cần ngày"),
        ({"successor": "Sở Không Có", "succeeded_on": "01/07/2025"}, 409, "Không có cơ quan hoặc nhóm «Sở Không Có»"),
    ],
)
def test_refused_changes_say_why(officer: Web, data: dict[str, str], status: int, text: str) -> None:
    csrf = officer.officer_csrf("/officers/directory")
    response = officer.client.post("/officers/directory/cuc-thue", data={"csrf": csrf, **data})
    assert response.status_code == status and text in response.text
    with officer.session() as s:
        assert s.execute(select(DirectoryChange)).first() is None


def test_a_post_without_csrf_is_refused(officer: Web) -> None:
    response = officer.client.post("/officers/directory/cuc-thue", data={"successor": "so-tai-chinh"})
    assert response.status_code == 403
