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
    rows = getattr(report, "rows", None)
    if rows:
        console.print(
            f"Dòng nguồn / source rows: {rows['tasks']} nhiệm vụ, {rows['indicators']} chỉ tiêu, {rows['merged']} gộp"
            f" (merged), {rows['headings']} mục (headings), {rows['headers']} tiêu đề bảng (headers),"
            f" {len(rows['ignored'])} bỏ qua (ignored); chưa rõ / unaccounted: {report.unaccounted}"
        )
        if not brief:
            for row in rows["ignored"]:
                console.print(f"  ignored {row['line']}: {row['text'][:80]!r} — {row['why']}")
    if report.unresolved_agencies:
        console.print(f"Tên cơ quan chưa nhận diện (unresolved): {report.unresolved_agencies}")
    if brief and report.warnings:
        console.print(f"{len(report.warnings)} cảnh báo / warnings: dondoc plan import PATH lists them")
        return
    for warning in report.warnings:
        console.print(f"warning: {warning}")


def _columns(spec: str | None) -> dict[int, str] | None:
    """``--columns "3=lead,5=deadline"`` or the path of a small mapping file (one ``N=role`` a line)."""
    from models.domain.plan_reader import parse_columns

    if not spec:
        return None
    if Path(spec).is_file():
        spec = Path(spec).read_text(encoding="utf-8")
    return parse_columns(spec)


def _print_preview(preview: dict[str, Any]) -> None:
    if preview.get("error"):
        console.print(f"error: {preview['error']}")
    for table in preview["tables"]:
        console.print(f"\nBảng {table['kind']} tại / at {table['where']}:")
        for column in table["columns"]:
            console.print(f"  cột {column['column']}: {column['header']!r} → {column['role']}")
    if preview.get("error"):
        return
    console.print(
        f"\n{preview['format']}: {preview['number']} — {preview['task_count']} nhiệm vụ, "
        f"{preview['indicator_count']} chỉ tiêu; rows: {json.dumps(preview['rows'], ensure_ascii=False)}"
    )
    for task in preview["tasks"]:
        console.print(f"  {task['number']}. {task['title'][:80]} | {task['lead']} | {task['deadline']}")
    console.print("(xem trước, chưa ghi gì / preview only, nothing written)")


@app.command("import")
def import_cmd(
    path: Path = typer.Argument(..., help="Plan file: .docx, .xlsx, .pdf (text layer), .html, .md or .txt."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    preview: bool = typer.Option(False, "--preview", help="Show tables, column roles, first rows; write nothing."),
    columns: str | None = typer.Option(None, "--columns", help="Override column roles: '3=lead,5=deadline' or a file."),
    number: str | None = typer.Option(None, "--number", help="Plan number when the document lacks it."),
    issued: str | None = typer.Option(None, "--issued", help="Issue date (YYYY-MM-DD) when the document lacks it."),
    issuer: str | None = typer.Option(None, "--issuer", help="Issuer ('Tỉnh …') when the document lacks it."),
) -> None:
    """Import a plan in one transaction; importing the same file again changes nothing."""
    from models.domain.clock import parse_day
    from models.domain.plan_reader import PlanFormatError, preview_plan
    from models.services.importer import import_plan

    try:
        given = {"number": number, "issued": parse_day(issued) if issued else None, "issuer": issuer}
        mapping = _columns(columns)
        if preview:
            shown = preview_plan(path, columns=mapping, **given)
            print(json.dumps(shown, ensure_ascii=False, default=str)) if as_json else _print_preview(shown)
            return
        built = prepare_app()
        report = import_plan(
            built.engine, path, built.runtime.directory, built.runtime.config, columns=mapping, **given
        )
    except (PlanFormatError, ValueError) as exc:
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
        for name, value in (t.get("extra") or {}).items():
            if value:
                console.print(f"   {name}: {value}")


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
