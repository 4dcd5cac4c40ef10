"""``dondoc plan import|show``: load a plan file into the database and show its tasks."""

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from cli.common import console, fail, prepare_database

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

    engine, directory = prepare_database()
    try:
        report = import_plan(engine, path, directory)
    except PlanFormatError as exc:
        raise fail(f"{path}: {exc}", 2) from None
    except OSError as exc:
        raise fail(f"{path}: {exc.strerror or exc}", 2) from None
    if as_json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        print_import_report(report)


def plan_view(engine: Engine, directory: Any, *, number: str | None, on: date) -> dict[str, Any] | None:
    """The plan as data: tasks and indicators with agencies as written and as routed on ``on``."""
    from models.store.plan_tables import Agency, AgencyGroup, Indicator, IndicatorAgency, Plan, Task, TaskAgency

    with Session(engine) as session:
        query = select(Plan).order_by(Plan.imported_at.desc())  # type: ignore[union-attr]
        if number:
            query = select(Plan).where(Plan.number == number)
        plan = session.exec(query).first()
        if plan is None:
            return None
        agency_code = {a.id: a.code for a in session.exec(select(Agency))}
        group_code = {g.id: g.code for g in session.exec(select(AgencyGroup))}

        def entries(rows: list[Any], role: str) -> list[dict[str, Any]]:
            out = []
            for r in rows:
                if r.role != role:
                    continue
                code = agency_code.get(r.agency_id) or group_code.get(r.group_id)
                routed = directory.route(code, on) if code else []
                out.append(
                    {
                        "as_written": r.raw_name,
                        "code": code,
                        "is_group": r.group_id is not None,
                        "routed": [{"code": a.code, "name": a.name} for a in routed],
                    }
                )
            return out

        def today_names(items: list[dict[str, Any]]) -> list[str]:
            names: list[str] = []
            for item in items:
                for routed in item["routed"]:
                    if routed["name"] not in names:
                        names.append(routed["name"])
            return names

        task_rows = session.exec(select(TaskAgency).order_by(TaskAgency.position)).all()
        by_task: dict[int, list[Any]] = {}
        for r in task_rows:
            by_task.setdefault(r.task_id, []).append(r)
        tasks = []
        for t in session.exec(
            select(Task).where(Task.plan_id == plan.id, Task.withdrawn.is_(False)).order_by(Task.position)
        ):
            lead = entries(by_task.get(t.id or 0, []), "lead")
            coord = entries(by_task.get(t.id or 0, []), "coordinating")
            tasks.append(
                {
                    "number": t.number,
                    "section": t.section,
                    "section_title": t.section_title,
                    "title": t.title,
                    "lead_raw": t.lead_raw,
                    "coordinating_raw": t.coordinating_raw,
                    "output_raw": t.output_raw,
                    "deadline_raw": t.deadline_raw,
                    "deadline_kind": t.deadline_kind,
                    "lead": lead,
                    "coordinating": coord,
                    "lead_today": today_names(lead),
                    "coordinating_today": today_names(coord),
                }
            )
        ind_rows = session.exec(select(IndicatorAgency).order_by(IndicatorAgency.position)).all()
        by_ind: dict[int, list[Any]] = {}
        for r in ind_rows:
            by_ind.setdefault(r.indicator_id, []).append(r)
        indicators = []
        for i in session.exec(
            select(Indicator)
            .where(Indicator.plan_id == plan.id, Indicator.withdrawn.is_(False))
            .order_by(Indicator.position)
        ):
            monitoring = entries(by_ind.get(i.id or 0, []), "monitoring")
            indicators.append(
                {
                    "code": i.code,
                    "parent_code": i.parent_code,
                    "horizon": i.horizon,
                    "title": i.title,
                    "unit_raw": i.unit_raw,
                    "target_raw": i.target_raw,
                    "target_op": i.target_op,
                    "target_value": i.target_value,
                    "target_value_max": i.target_value_max,
                    "monitor_raw": i.monitor_raw,
                    "monitoring": monitoring,
                    "monitoring_today": today_names(monitoring),
                }
            )
        return {
            "plan": plan.number,
            "title": plan.title,
            "issued_on": plan.issued_on.isoformat() if plan.issued_on else None,
            "routed_on": on.isoformat(),
            "tasks": tasks,
            "indicators": indicators,
        }


def _short(names: list[str], limit: int = 4) -> str:
    if len(names) <= limit:
        return "; ".join(names) or "—"
    return "; ".join(names[:limit]) + f" … (+{len(names) - limit})"


def show_plan(
    engine: Engine, directory: Any, *, number: str | None = None, on: date | None = None, task: str | None = None
) -> None:
    """Print the plan's tasks for people: agencies as written and as routed on ``on`` (default today)."""
    from models.domain.clock import today_local

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
