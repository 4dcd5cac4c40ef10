"""``dondoc plan import|show``: load a plan file into the database and show its tasks."""

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer
from sqlalchemy.engine import Engine

from cli.common import console, fail, prepare_app, prepare_database

app = typer.Typer(no_args_is_help=True)


def print_import_report(report: Any, brief: bool = False) -> None:
    """Human summary of an ``ImportReport`` (``brief``: warnings counted, not listed)."""
    state = "đã cập nhật / updated" if report.changed else "không thay đổi / no change"
    console.print(
        f"Kế hoạch {report.plan}: {report.tasks} nhiệm vụ (tasks), {report.indicators} chỉ tiêu (indicators), "
        f"{report.agencies} cơ quan (agencies) — {state}"
    )
    if report.unresolved_agencies:
        console.print(f"Tên cơ quan chưa nhận diện (unresolved): {report.unresolved_agencies}")
    for s in report.as_json().get("agency_suggestions", ()):
        console.print(f"  gợi ý / suggestion: {s['name']!r} → {s['code']} ({s['why']}): cán bộ xác nhận / to confirm")
    if brief and report.warnings:
        console.print(f"{len(report.warnings)} cảnh báo / warnings: dondoc plan import PATH lists them")
        return
    for warning in report.warnings:
        console.print(f"warning: {warning}")


@app.command("import")
def import_cmd(
    path: Path = typer.Argument(..., help="Plan text file (one table cell a line ending in ' |')."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Import a plan in one transaction; importing the same file again changes nothing."""
    from models.domain.plan_reader import PlanFormatError
    from models.services.importer import import_plan

    built = prepare_app()
    try:
        report = import_plan(built.engine, path, built.runtime.directory, built.runtime.config)
    except PlanFormatError as exc:
        raise fail(f"{path}: {exc}", 2) from None
    except OSError as exc:
        raise fail(f"{path}: {exc.strerror or exc}", 2) from None
    if as_json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        print_import_report(report)


def _short(names: list[str], limit: int = 4) -> str:
    if len(names) <= limit:
        return "; ".join(names) or "—"
    return "; ".join(names[:limit]) + f" … (+{len(names) - limit})"


def show_plan(
    engine: Engine, directory: Any, *, number: str | None = None, on: date | None = None, task: str | None = None
) -> None:
    """Print the plan's tasks for people: agencies as written and as routed on ``on`` (default today)."""
    from models.domain.clock import today_local
    from models.services.plan_view import plan_view

    view = plan_view(engine, directory, number=number, on=on or today_local())
    if view is None:
        raise fail("no plan in the database yet: run `dondoc plan import PATH` (chưa có kế hoạch)")
    console.print(f"\nKế hoạch {view['plan']} — chủ trì theo ngày {view['routed_on']}")
    section = None
    for t in view["tasks"]:
        if task and t["number"] != task:
            continue
        if t["section"] != section:
            section = t["section"]
            console.print(f"\n{section}. {t['section_title']}")
        title = t["title"] if len(t["title"]) <= 100 else t["title"][:99] + "…"
        console.print(f"{t['number']}. {title}")
        today = _short(t["lead_today"])
        console.print(f"   Chủ trì:  {t['lead_raw'] or '—'}  →  hôm nay / today: {today}")
        if t["coordinating_raw"]:
            console.print(f"   Phối hợp: {t['coordinating_raw']}  →  {_short(t['coordinating_today'])}")
        console.print(f"   Thời hạn: {t['deadline_raw'] or '—'}  [{t['deadline_kind']}]")


@app.command("show")
def show_cmd(
    number: str | None = typer.Option(None, "--plan", help="Plan number (default: the latest imported)."),
    on: str | None = typer.Option(None, "--on", help="Route agencies as on this date (YYYY-MM-DD)."),
    task: str | None = typer.Option(None, "--task", help="Only this task number."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List tasks with section, agencies as written and as routed today, and the deadline phrase."""
    from models.domain.clock import parse_day, today_local
    from models.services.plan_view import plan_view

    day = parse_day(on) if on else today_local()
    engine, directory = prepare_database()
    if not as_json:
        show_plan(engine, directory, number=number, on=day, task=task)
        return
    view = plan_view(engine, directory, number=number, on=day)
    if view is None:
        raise fail("no plan in the database yet: run `dondoc plan import PATH`")
    if task:
        view["tasks"] = [t for t in view["tasks"] if t["number"] == task]
    print(json.dumps(view, ensure_ascii=False, indent=2))
