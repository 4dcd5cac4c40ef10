"""The officers' overview that fits a screen (issue 12 item 1) and an agency's page for the officers: the
counts say what they count and link to the list they count, the filters (section, agency, state, quá hạn
hơn N ngày) narrow the task list, values that name nothing are said so above the whole list, the list is
paged and sorted on the server; on the shipped plan after the daily run of 20/06/2025, SQLite and
PostgreSQL, through the real application."""

import html
import json
import re
from typing import Any

import pytest
from sqlalchemy import select
from support.web import Web

from models.domain.report_states import SHOWN, STATE_TEXT
from models.domain.states import CycleKind, Role
from models.store.cycle_tables import Cycle
from models.store.plan_tables import Agency

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TASK_LINK = re.compile(r'href="/officers/tasks/(\d+)"')
CARD = re.compile(r'<a class="stat s-(\w+)[^"]*" href="([^"]+)"><b>(\d+)</b><span class="unit">([^<]+)</span>')
AGENCY = "so-y-te"


def _report(web: Web) -> dict[str, Any]:
    return json.loads(web.client.get("/officers/report.json").content)


def _tasks_listed(text: str) -> list[int]:
    return [int(i) for i in TASK_LINK.findall(text)]


def _cards(text: str) -> dict[str, tuple[str, int, str]]:
    """state → (link, count, unit) of the count cards."""
    return {s: (html.unescape(href), int(n), unit) for s, href, n, unit in CARD.findall(text)}


def test_counts_say_what_they_count_and_link_to_their_list(officer: Web) -> None:
    report = _report(officer)
    page = officer.client.get("/officers")
    assert page.status_code == 200
    cards = _cards(page.text)
    assert list(cards) == [s.value for s in SHOWN]  # the four VPCP states, then chờ xem xét, đề nghị gia hạn
    for state, (href, count, unit) in cards.items():
        assert unit == "nhiệm vụ" and count == report["counts"][state], state
        listed = officer.client.get(href.replace("#nhiem-vu", "") + "&per=100")
        assert listed.status_code == 200 and len(_tasks_listed(listed.text)) == count, state
    assert "68 nhiệm vụ theo tình trạng" in page.text
    # Cycles are counted as cycles, never under a task's label.
    assert re.search(r"\d+ kỳ báo cáo chờ xem xét \(mọi kế hoạch\)|Không có kỳ báo cáo chờ xem xét", page.text)
    assert re.search(r"\d+ kỳ báo cáo đã mở", page.text)
    assert "nhiệm vụ chờ xem xét" not in page.text


def test_the_header_and_the_cards_agree_after_an_answer(officer: Web) -> None:
    cycle_id, path = officer.path_for(role=Role.lead, kind=CycleKind.periodic)
    officer.answer(path, {"status": "in_progress", "progress": "40", "done_text": "Đang làm."})
    text = officer.client.get("/officers").text
    assert "1 kỳ báo cáo chờ xem xét (mọi kế hoạch)" in text
    with officer.session() as s:
        task_id = s.get(Cycle, cycle_id).task_id
    waiting = officer.client.get("/officers?state=awaiting_review").text
    assert task_id in _tasks_listed(waiting)


def test_filters_narrow_the_task_list(officer: Web) -> None:
    report = _report(officer)
    by_id = {t["id"]: t for t in report["tasks"]}
    section = officer.client.get("/officers?section=II&per=100")
    assert section.status_code == 200
    assert sorted(_tasks_listed(section.text)) == sorted(i for i, t in by_id.items() if t["section"] == "II")
    late = officer.client.get("/officers?overdue=0&per=100")
    listed = _tasks_listed(late.text)
    assert listed and all(by_id[i]["days_overdue"] > 0 for i in listed)
    assert sorted(listed) == sorted(i for i, t in by_id.items() if t["days_overdue"] > 0)
    with officer.session() as s:
        agency_id = s.execute(select(Agency.id).where(Agency.code == AGENCY)).scalar_one()
        its_tasks = set(s.execute(select(Cycle.task_id).where(Cycle.agency_id == agency_id)).scalars()) - {None}
    own = officer.client.get(f"/officers?agency={AGENCY}&per=100")
    assert own.status_code == 200 and set(_tasks_listed(own.text)) == its_tasks
    both = officer.client.get(f"/officers?agency={AGENCY}&state=in_time&per=100")
    assert set(_tasks_listed(both.text)) == {i for i in its_tasks if by_id[i]["state"] == "in_time"}
    assert "(đang lọc)" in both.text and "(xem tất cả)" in both.text


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("section=XX", "Kế hoạch không có mục «XX»"),
        ("agency=khong-co", "Không có cơ quan mã «khong-co» tham gia kế hoạch này"),
        ("state=bogus", "Không có tình trạng «bogus»"),
        ("overdue=abc", "Số ngày quá hạn «abc» không hợp lệ"),
        ("overdue=-3", "Số ngày quá hạn «-3» không hợp lệ"),
        ("per=7", "Số dòng mỗi trang 7 không có"),
        ("page=99", "Trang 99 không có: danh sách có 3 trang"),
        ("sort=nonsense", "Không sắp xếp được theo «nonsense»"),
    ],
)
def test_a_filter_that_names_nothing_is_said_not_an_empty_list(officer: Web, query: str, said: str) -> None:
    page = officer.client.get(f"/officers?{query}")
    assert page.status_code == 400
    shown = html.unescape(page.text)
    assert said in shown and shown.count("Hãy chọn trong bộ lọc.") + shown.count("hãy nhập") <= 1  # said once
    assert len(_tasks_listed(page.text)) == 25  # the whole list, first page


def test_an_unknown_plan_is_said(officer: Web) -> None:
    page = officer.client.get("/officers?plan=9/KH-XYZ")
    assert page.status_code == 404 and "Không có kế hoạch «9/KH-XYZ»" in page.text
    assert 'href="/officers?plan=25/KH-UBND"' in page.text


def test_the_task_list_is_paged(officer: Web) -> None:
    first = officer.client.get("/officers").text
    assert len(_tasks_listed(first)) == 25 and "Dòng 1–25 trong 68" in first
    second = officer.client.get("/officers?page=2").text
    third = officer.client.get("/officers?page=3").text
    assert len(_tasks_listed(second)) == 25 and len(_tasks_listed(third)) == 18 and "Dòng 51–68 trong 68" in third
    assert set(_tasks_listed(first)).isdisjoint(_tasks_listed(second))
    assert len(_tasks_listed(officer.client.get("/officers?per=50").text)) == 50
    assert 'href="/officers?page=2#nhiem-vu"' in first  # the pager keeps the other parameters
    filtered = officer.client.get("/officers?state=no_cycle&page=2").text
    assert 'href="/officers?state=no_cycle#nhiem-vu"' in filtered  # page 1 of the same filter


def test_lists_sort_on_the_server(officer: Web) -> None:
    by_id = {t["id"]: t for t in _report(officer)["tasks"]}
    most_late = _tasks_listed(officer.client.get("/officers?sort=-overdue").text)
    days = [by_id[i]["days_overdue"] for i in most_late]
    assert days == sorted(days, reverse=True) and days[0] == max(t["days_overdue"] for t in by_id.values())
    reverse = _tasks_listed(officer.client.get("/officers?sort=-tt&per=100").text)
    assert reverse == list(reversed(_tasks_listed(officer.client.get("/officers?per=100").text)))
    text = officer.client.get("/officers?asort=-total").text
    table = text[text.index('id="theo-co-quan"') : text.index('id="nhiem-vu"')]
    totals = [int(t) for t in re.findall(r'<td class="num">(\d+)</td></tr>', table)]
    assert totals and totals == sorted(totals, reverse=True)
    assert 'aria-sort="descending"' in table


def test_the_old_addresses_keep_working(officer: Web) -> None:
    assert officer.client.get("/officers?state=overdue").status_code == 200
    every = officer.client.get("/officers?plan=all")
    assert every.status_code == 200 and "25/KH-UBND" in every.text and "Tất cả kế hoạch" in every.text
    cards = _cards(every.text)
    assert [c[2] for c in cards.values()] == ["nhiệm vụ"] * len(SHOWN)
    href, count, _ = cards["in_time"]
    assert href.startswith("/officers?plan=all&state=in_time")
    assert len(_tasks_listed(officer.client.get(href.replace("#nhiem-vu", "") + "&per=100").text)) == count


def test_the_agency_page_counts_its_opened_cycles(officer: Web) -> None:
    overview = officer.client.get("/officers").text
    assert f'href="/officers/agencies/{AGENCY}?plan=25/KH-UBND"' in overview
    page = officer.client.get(f"/officers/agencies/{AGENCY}")
    assert page.status_code == 200 and "Sở Y tế" in page.text
    with officer.session() as s:
        agency_id = s.execute(select(Agency.id).where(Agency.code == AGENCY)).scalar_one()
        opened = list(
            s.execute(select(Cycle).where(Cycle.agency_id == agency_id, Cycle.opens_on <= officer.today)).scalars()
        )
    cards = _cards(page.text)
    assert all(unit == "kỳ báo cáo" for _, _, unit in cards.values())
    assert sum(n for _, n, _ in cards.values()) == len(opened)
    assert f"{len(opened)} kỳ báo cáo đã mở theo tình trạng" in page.text
    links = {int(i) for i in re.findall(r'href="/officers/cycles/(\d+)"', page.text)}
    assert links == {c.id for c in opened}
    for state, (href, count, _) in cards.items():
        listed = officer.client.get(href.replace("#ky-bao-cao", ""))
        assert len(re.findall(r'href="/officers/cycles/\d+"', listed.text)) == count, state
        assert count == 0 or STATE_TEXT[state] in listed.text  # type: ignore[index]


def test_the_agency_page_refuses_what_names_nothing(officer: Web) -> None:
    missing = officer.client.get("/officers/agencies/khong-co")
    assert missing.status_code == 404 and "Không có cơ quan có mã «khong-co»" in html.unescape(missing.text)
    bad = officer.client.get(f"/officers/agencies/{AGENCY}?state=bogus")
    assert bad.status_code == 400 and "Không có tình trạng «bogus»" in html.unescape(bad.text)
    assert re.search(r'href="/officers/cycles/\d+"', bad.text)  # the whole list under the message
    assert officer.client.get(f"/officers/agencies/{AGENCY}?plan=1/KH").status_code == 404


def test_the_agency_page_needs_a_login(web: Web) -> None:
    response = web.client.get(f"/officers/agencies/{AGENCY}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/officers/login?next=")


def test_the_cycle_counts_link_to_every_agencys_opened_cycles(officer: Web) -> None:
    overview = html.unescape(officer.client.get("/officers").text)
    count_link = r'<a href="(/officers/cycles\?plan=25/KH-UBND&state=(\w+))#ky-bao-cao">(\d+) kỳ báo cáo '
    links = re.findall(count_link, overview)
    assert links
    with officer.session() as s:
        opened = s.execute(select(Cycle.id).where(Cycle.opens_on <= officer.today)).scalars().all()
    every = officer.client.get("/officers/cycles")
    assert every.status_code == 200 and f"{len(opened)} kỳ báo cáo đã mở theo tình trạng" in every.text
    assert sum(n for _, n, _ in _cards(every.text).values()) == len(opened)
    for href, state, count in links:
        listed = officer.client.get(href + "&per=100")
        cards = _cards(listed.text)
        assert cards[state][1] == int(count), state  # the same count on the page it links to
        shown = min(int(count), 100)
        assert len(re.findall(r'href="/officers/cycles/\d+"', listed.text)) == shown, state
    assert re.search(r'<td data-label="Cơ quan"><a href="/officers/agencies/[\w-]+\?plan=25/KH-UBND">', every.text)
    bad = officer.client.get("/officers/cycles?overdue=x")
    assert bad.status_code == 400 and "Số ngày quá hạn «x» không hợp lệ" in html.unescape(bad.text)
