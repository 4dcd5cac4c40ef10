"""The charts' routes and the overview's charts (``web.officers.charts``, ``_charts.html``) over the seeded
database, on SQLite and PostgreSQL: login required, SVG that parses with the right bars, PNG that decodes."""

import io
import xml.etree.ElementTree as ET

from openpyxl import load_workbook
from PIL import Image
from support.web import Web

from models.domain.charts import NAMES
from web.chart_files import SCALE

SVG = "{http://www.w3.org/2000/svg}"


def test_charts_need_an_officer(web: Web) -> None:
    for fmt in ("svg", "png"):
        response = web.client.get(f"/officers/charts/by-agency.{fmt}", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/officers/login")


def test_every_chart_as_svg_and_png(officer: Web) -> None:
    for name in NAMES:
        svg = officer.client.get(f"/officers/charts/{name}.svg")
        assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
        root = ET.fromstring(svg.content)
        assert root.tag == f"{SVG}svg" and root.get("width") == "100%"
        assert root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text
        png = officer.client.get(f"/officers/charts/{name}.png?plan=all")
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        image = Image.open(io.BytesIO(png.content))
        image.load()
        view = ET.fromstring(officer.client.get(f"/officers/charts/{name}.svg?plan=all").content).get("viewBox")
        width, height = (float(v) for v in view.split()[2:])
        assert image.size == (round(width * SCALE), round(height * SCALE))


def test_unknown_chart_plan_or_agency(officer: Web) -> None:
    assert officer.client.get("/officers/charts/pie.svg").status_code == 404
    assert officer.client.get("/officers/charts/ageing.gif").status_code == 404
    assert officer.client.get("/officers/charts/ageing.svg?plan=99/KH-X").status_code == 404
    assert officer.client.get("/officers/charts/ageing.svg?agency=no-such").status_code == 404


def test_overview_shows_the_charts_inline(officer: Web) -> None:
    html = officer.client.get("/officers").text
    assert html.count("<svg ") == len(NAMES)
    assert 'href="/officers/charts/by-section.png?plan=25/KH-UBND"' in html
    # The overall bar under the counts; the other charts one click away, so that the page stays short.
    assert html.index('id="bieu-do-overall"') < html.index('<details class="charts-more">')
    every = officer.client.get("/officers?plan=all").text  # every plan side by side, and their charts
    assert every.count("<svg ") == len(NAMES) and "Biểu đồ: Tất cả kế hoạch" in every
    assert 'href="/officers/charts/ageing.svg?plan=all"' in every and '<details class="charts-more" open>' in every


DONE = {
    "status": "done",
    "progress": "100",
    "done_text": "Đã ban hành kế hoạch.",
    "document_number": "12/KH-SX",
    "document_date": "2025-06-18",
}


def test_charts_follow_an_answer_and_an_agency(officer: Web) -> None:
    from datetime import datetime, time, timedelta

    from sqlalchemy import select, update

    from models.domain.clock import TZ
    from models.domain.states import CycleKind, Role
    from models.services.chart_data import charts_for
    from models.store.answer_tables import Answer
    from models.store.cycle_tables import Cycle
    from models.store.plan_tables import Agency

    rt = officer.ctx.core.runtime
    before = charts_for(rt, None, officer.today)
    cycle_id, path = officer.path_for(role=Role.lead, kind=CycleKind.periodic)
    assert officer.answer(path, DONE).status_code == 303
    assert officer.act(cycle_id, "accept").status_code == 303
    # The application's clock is pinned at 20/06/2025, answers are stamped with the real time: date the
    # answer on the Monday of the application's week.
    monday = officer.today - timedelta(days=officer.today.weekday())
    with officer.session() as s:
        s.execute(
            update(Answer).where(Answer.cycle_id == cycle_id).values(created_at=datetime.combine(monday, time(9), TZ))
        )
        s.commit()
        agency = s.execute(
            select(Agency).join(Cycle, Cycle.agency_id == Agency.id).where(Cycle.id == cycle_id)
        ).scalar_one()
    after = charts_for(rt, None, officer.today)
    assert before["answers-weekly"].totals()[-1] == 0 and after["answers-weekly"].totals()[-1] == 1
    # June's periodic reports were due on 20/06: the accepted one is the month's first on time.
    assert before["on-time-monthly"].series[0].values[-1] == 0.0 < after["on-time-monthly"].series[0].values[-1]
    assert after["ageing"].totals() == before["ageing"].totals() == [0, 1, 0]  # the seed's overdue task
    mine = charts_for(rt, None, officer.today, agency.code)
    assert mine.agency == agency.code and mine.scope.endswith(agency.name)
    assert mine["by-agency"].categories == (agency.name,)
    assert [s.values for s in mine["by-agency"].series] == [(1.0,), (0.0,), (0.0,), (0.0,)]  # done on time
    assert mine["by-section"].unit == "kỳ báo cáo" and mine["answers-weekly"].totals()[-1] == 1
    svg = officer.client.get(f"/officers/charts/by-agency.svg?agency={agency.code}")
    texts = [t.text for t in ET.fromstring(svg.content).iter(f"{SVG}text")]
    assert agency.name in " ".join(texts)
    book = load_workbook(io.BytesIO(officer.client.get("/officers/report.xlsx").content))
    assert len(book["Tổng hợp"]._charts) == 4


def test_agency_page_shows_the_agency_charts(officer: Web) -> None:
    from sqlalchemy import select

    from models.store.cycle_tables import Cycle
    from models.store.plan_tables import Agency

    with officer.session() as s:
        code, name = s.execute(select(Agency.code, Agency.name).join(Cycle, Cycle.agency_id == Agency.id)).first()
    html = officer.client.get(f"/officers/agencies/{code}").text
    assert html.count("<svg ") == len(NAMES) and f"Biểu đồ: Kế hoạch 25/KH-UBND — {name}" in html
    assert f'href="/officers/charts/ageing.png?plan=25/KH-UBND&amp;agency={code}"' in html
    assert "<svg " not in officer.client.get("/officers/cycles").text  # every agency: the overview has them
