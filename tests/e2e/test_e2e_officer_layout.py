"""End to end, the officers' pages fit a screen (issue 12 item 1): the shipped plan imported, the daily run
of 20/06/2025 done and two cycles answered (one asking for more time); an officer opens the overview (of
the plan and of every plan), an agency's page, every agency's cycles, a task's page and the review page in
Chromium at 360 px (a phone) and 1366 × 768 (a desktop). Screenshots go outside the repository
(``$DONDOC_SCREENSHOTS``, the path is printed); in the browser, every table cell is at least as wide as its
longest word and shows all it holds, every table is inside the viewport or a frame that scrolls sideways,
the page never scrolls sideways, the overview's first screen shows the four state counts, and the
overview is at most four desktop screens tall.

Real uvicorn in its own process on 127.0.0.1, Debian's Chromium through Playwright, both database backends.
"""

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e_support import PHONE, app_env, free_port, start_server
from sqlalchemy import select
from sqlmodel import Session
from typer.testing import CliRunner

from config.app import build_app
from config.settings import Settings, get_settings
from models.domain.answer_form import CleanAnswer
from models.services.answers import record_answer
from models.services.daily import evaluate_day
from models.services.importer import import_plan
from models.store.cycle_tables import Cycle
from models.store.plan_tables import Agency

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DAY = date(2025, 6, 20)
PASSWORD = "mat-khau-can-bo-2025"
DESKTOP = {"width": 1366, "height": 768}
AGENCY = "so-y-te"
STATES = ("Hoàn thành đúng hạn", "Hoàn thành quá hạn", "Chưa hoàn thành – trong hạn", "Chưa hoàn thành – quá hạn")

# Run in the page: every problem with the tables, as text (an empty list when there is none).
LAYOUT_PROBLEMS = """() => {
  const out = [];
  const vw = document.documentElement.clientWidth;
  const pageWidth = document.documentElement.scrollWidth;
  if (pageWidth > vw + 1) out.push(`the page scrolls sideways: ${pageWidth} > ${vw}`);
  const canvas = document.createElement('canvas').getContext('2d');
  const width = (word, style) => {
    canvas.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    return canvas.measureText(word).width;
  };
  for (const table of document.querySelectorAll('table')) {
    let frame = table.parentElement;
    while (frame && !['auto', 'scroll'].includes(getComputedStyle(frame).overflowX)) frame = frame.parentElement;
    const box = (frame || table).getBoundingClientRect();
    if (box.left < -1 || box.right > vw + 1) out.push(`a table (or its frame) past the viewport: ${box.right} > ${vw}`);
    if (!frame && table.scrollWidth > vw + 1) out.push(`a table wider than the viewport without a frame that scrolls`);
    for (const cell of table.querySelectorAll('th, td')) {
      if (!cell.offsetParent) continue;  // hidden (a collapsed row)
      const style = getComputedStyle(cell);
      if (cell.scrollWidth > cell.clientWidth + 1) out.push(`cell cut off: ${cell.innerText.slice(0, 60)}`);
      const inner = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      for (const el of [cell, ...cell.querySelectorAll('*')]) {
        const own = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join(' ');
        // A line may break at a space or after a hyphen, as the browser does; never inside a word.
        for (const word of own.split(/\\s+|(?<=-)/)) {
          if (word && width(word, getComputedStyle(el)) > inner + 1) out.push(`cell narrower than «${word}»`);
        }
      }
    }
  }
  return out;
}"""
# The first column of each table of counts: wide enough that a name is never one word per line.
NAME_COLUMN = """() => [...document.querySelectorAll('table.tally td.name')]
  .filter(c => c.offsetParent).map(c => c.clientWidth)"""
FIRST_SCREEN = """(states) => states.filter(s => ![...document.querySelectorAll('.stat')].some(
  el => el.innerText.includes(s) && el.getBoundingClientRect().bottom <= window.innerHeight))"""
# On a desktop the overall chart (web/templates/officers/_charts.html) is whole on the first screen too (on a
# phone the six counts fill it; the chart comes right after them).
FIRST_CHART = """() => { const box = document.querySelector('#bieu-do-overall svg')?.getBoundingClientRect();
  return !!box && box.bottom <= window.innerHeight && box.width > 200 }"""


def _setup(plan_path: Path) -> int:
    """The shipped plan, the daily run of DAY, two answered cycles, an officer; the task an officer looks at."""
    core = build_app(Settings(), migrate=False)
    import_plan(core.engine, plan_path, core.runtime.directory, core.runtime.config)
    core.runtime.forget()
    evaluate_day(core.runtime, DAY)
    with Session(core.engine) as s:
        agency = s.execute(select(Agency).where(Agency.code == AGENCY)).scalar_one()
        cycles = list(
            s.execute(
                select(Cycle)
                .where(Cycle.agency_id == agency.id, Cycle.status.in_(["open", "overdue"]), Cycle.task_id.is_not(None))  # type: ignore[attr-defined,union-attr]
                .order_by(Cycle.id)
                .limit(2)
            ).scalars()
        )
        assert len(cycles) == 2
        done = CleanAnswer(status="done", progress=100, done_text="Đã ban hành kế hoạch.", document_number="45/KH-SYT")
        more_time = CleanAnswer(extension_to=cycles[1].due + timedelta(days=30), extension_reason="Chờ thẩm định.")
        for cycle, answer in zip(cycles, (done, more_time), strict=True):
            key = f"e2e-{cycle.id}"
            record_answer(s, cycle_id=cycle.id or 0, agency_id=agency.id or 0, answer=answer, submission_key=key)
        s.commit()
        task_id = cycles[0].task_id or 0
    core.engine.dispose()
    from cli import common
    from cli import web as web_cli

    common._engine.cache_clear()
    added = CliRunner().invoke(
        web_cli.app, ["users", "add", "can.bo", "--name", "Lê Thị Cán Bộ", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert added.exit_code == 0, added.output
    return task_id


def test_officer_pages_fit_a_phone_and_a_desktop(
    browser: Any, db_url: str, plan_path: Path, tmp_path: Path, screenshots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    env = app_env(db_url, tmp_path / "data", port)
    for key, value in env.items():  # the CLI that adds the officer reads the same settings
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    task_id = _setup(plan_path)
    backend = "pg" if db_url.startswith("postgresql") else "sqlite"
    pages = {
        "overview": "/officers",
        "plans": "/officers?plan=all",
        "agency": f"/officers/agencies/{AGENCY}",
        "cycles": "/officers/cycles",
        "task": f"/officers/tasks/{task_id}",
        "review": "/officers/review",
    }
    server = start_server({**env, "DONDOC_E2E_TODAY": DAY.isoformat()}, port, tmp_path / "server.log")
    heights: dict[str, int] = {}
    try:
        for label, viewport in (("360", PHONE), ("1366", DESKTOP)):
            context = browser.new_context(viewport=viewport, locale="vi-VN")
            page = context.new_page()
            page.goto(f"{server.base_url}/officers/login")
            page.get_by_label("Tên đăng nhập").fill("can.bo")
            page.get_by_label("Mật khẩu").fill(PASSWORD)
            page.get_by_role("button", name="Đăng nhập").click()
            page.wait_for_url(f"{server.base_url}/officers")
            for name, path in pages.items():
                page.goto(server.base_url + path)
                shot = screenshots / f"{backend}-officers-{name}-{label}.png"
                page.screenshot(path=str(shot), full_page=True)
                print(f"screenshot: {shot}")
                assert page.evaluate(LAYOUT_PROBLEMS) == [], f"{name} at {label} px"
                squeezed = [w for w in page.evaluate(NAME_COLUMN) if w < 150]
                assert not squeezed, f"{name} at {label} px: a name column {squeezed} px wide"
                heights[f"{name}-{label}"] = page.evaluate("document.documentElement.scrollHeight")
                if name == "overview":
                    assert page.evaluate(FIRST_SCREEN, list(STATES)) == [], f"the first screen at {label} px"
                    assert label == "360" or page.evaluate(FIRST_CHART), "the overall chart on the first screen"
            # The by-agency table opens to every agency without JavaScript, and still fits.
            page.goto(server.base_url + "/officers")
            page.locator("label[for=all-agencies]").click()
            assert page.locator("#theo-co-quan ~ .table-wrap tr.more").first.is_visible()
            assert page.evaluate(LAYOUT_PROBLEMS) == [], f"every agency at {label} px"
            context.close()
    finally:
        server.stop()
    print("page heights (px):", heights)
    assert heights["overview-1366"] <= 4 * DESKTOP["height"], heights
