"""``dondoc plan import|show|list|track-from|retire``: load a plan file into the database, show its
tasks, list the plans side by side, set the day a plan is tracked from, end a plan."""

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer
from sqlalchemy.engine import Engine

from cli.common import agency_marks, console, day_option, fail, prepare_app, prepare_database

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
    for s in report.as_json().get("agency_suggestions", ()):
        console.print(f"  gợi ý / suggestion: {s['name']!r} → {s['code']} ({s['why']}): cán bộ xác nhận / to confirm")
    if brief and report.warnings:
        console.print(f"{len(report.warnings)} cảnh báo / warnings: dondoc plan import PATH lists them")
        print_lifecycle(report)
        return
    for warning in report.warnings:
        console.print(f"warning: {warning}")
    print_lifecycle(report)


def print_lifecycle(report: Any) -> None:
    """What an import says of the plan's life: the revision's changes, the tracking day, a dry run."""
    if getattr(report, "revision", False):
        diff = report.diff
        console.print(
            f"Bản sửa đổi / revised version: {len(diff.added)} thêm (added), {len(diff.changed)} sửa (changed), "
            f"{len(diff.removed)} bỏ (removed); {report.cancelled_cycles} kỳ báo cáo hủy (cancelled), "
            f"{report.replanned_cycles} kỳ đặt lại thời hạn (re-planned)"
        )
        for line in diff.lines():
            console.print(line)
    if getattr(report, "track_from", None):
        note = f" — {report.track_note}" if report.track_note else ""
        console.print(f"Theo dõi từ ngày / tracked from {report.track_from:%d/%m/%Y}{note}")
    if getattr(report, "dry_run", False):
        console.print("Chạy thử, chưa ghi gì / dry run: nothing written (run again without --dry-run)")


def parse_day_or_exit(text: str, option: str) -> date:
    """A day as YYYY-MM-DD or DD/MM/YYYY, or exit 2 saying which option and what was expected."""
    from models.domain.clock import parse_day

    try:
        return parse_day(text)
    except ValueError:
        raise fail(
            f"{option}: {text!r} is not a date; write YYYY-MM-DD or DD/MM/YYYY / "
            f"ngày không hợp lệ, hãy viết YYYY-MM-DD hoặc DD/MM/YYYY",
            2,
        ) from None


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
    track_from: str | None = typer.Option(
        None,
        "--track-from",
        help="Send no reminder for moments before this day (YYYY-MM-DD or DD/MM/YYYY). Default for a new "
        "plan issued more than 30 days ago: the import day.",
    ),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="Show what the import would change (tasks added, changed, removed); write nothing.",
    ),
) -> None:
    """Import a plan in one transaction; importing the same file again changes nothing. A revised version of
    a plan (same number, other content) is applied and its changes listed: try it with --dry-run first."""
    from models.domain.clock import today_local
    from models.domain.plan_reader import PlanFormatError, preview_plan
    from models.services.importer import import_plan

    tracked = parse_day_or_exit(track_from, "--track-from") if track_from else None
    given = {"number": number, "issued": parse_day_or_exit(issued, "--issued") if issued else None, "issuer": issuer}
    try:
        mapping = _columns(columns)
        if preview:
            shown = preview_plan(path, columns=mapping, **given)
            print(json.dumps(shown, ensure_ascii=False, default=str)) if as_json else _print_preview(shown)
            return
    except PlanFormatError as exc:
        raise fail(f"{path}: {exc}", 2) from None
    except OSError as exc:
        raise fail(f"{path}: {exc.strerror or exc}", 2) from None
    built = prepare_app()
    try:
        report = import_plan(
            built.engine,
            path,
            built.runtime.directory,
            built.runtime.config,
            track_from=tracked,
            import_day=today_local(),
            runtime=built.runtime,
            dry_run=dry_run,
            columns=mapping,
            **given,
        )
    except PlanFormatError as exc:
        raise fail(f"{path}: {exc}", 2) from None
    except OSError as exc:
        raise fail(f"{path}: {exc.strerror or exc}", 2) from None
    if as_json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        print_import_report(report)


def _short(names: list[str], limit: int = 4, marked: dict[str, str] | None = None) -> str:
    """The first ``limit`` names, each with its mark ("[cần xác nhận]", "[mẫu]") from ``marked``; how many
    more (and how many of those are to confirm)."""
    marked = marked or {}
    shown = "; ".join(n + marked.get(n, "") for n in names[:limit]) or "—"
    if len(names) <= limit:
        return shown
    hidden = sum(1 for n in names[limit:] if "cần xác nhận" in marked.get(n, ""))
    return shown + f" … (+{len(names) - limit}" + (f", {hidden} cần xác nhận)" if hidden else ")")


def show_plan(
    engine: Engine, directory: Any, *, number: str | None = None, on: date | None = None, task: str | None = None
) -> None:
    """Print the plan's tasks for people: agencies as written and as routed on ``on`` (default today)."""
    from models.domain.clock import today_local
    from models.domain.states import DEADLINE_KIND_TEXT, vi_text
    from models.services.plan_view import plan_view

    view = plan_view(engine, directory, number=number, on=on or today_local())
    if view is None:
        raise fail("no plan in the database yet: run `dondoc plan import PATH` (chưa có kế hoạch)")
    marked = {a.name: agency_marks(a.review, a.sample) for a in directory.agencies.values() if a.review or a.sample}
    routed_on = date.fromisoformat(view["routed_on"]).strftime("%d/%m/%Y")
    console.print(f"\nKế hoạch {view['plan']} — chủ trì theo ngày {routed_on}")
    section = None
    for t in view["tasks"]:
        if task and t["number"] != task:
            continue
        if t["section"] != section:
            section = t["section"]
            console.print(f"\n{section}. {t['section_title']}")
        title = t["title"] if len(t["title"]) <= 100 else t["title"][:99] + "…"
        console.print(f"{t['number']}. {title}")
        today = _short(t["lead_today"], marked=marked)
        console.print(f"   Chủ trì:  {t['lead_raw'] or '—'}  →  hôm nay / today: {today}")
        if t["coordinating_raw"]:
            console.print(f"   Phối hợp: {t['coordinating_raw']}  →  {_short(t['coordinating_today'], marked=marked)}")
        kind = vi_text(t["deadline_kind"], DEADLINE_KIND_TEXT)
        console.print(f"   Thời hạn: {t['deadline_raw'] or '—'}  [{kind}]")
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
    from models.domain.clock import today_local
    from models.services.plan_view import plan_view

    day = day_option(on, "--on") if on else today_local()
    engine, directory = prepare_database()
    view = plan_view(engine, directory, number=number, on=day)
    if view is None:
        if number:
            raise fail(f"--plan: no plan {number!r} in the database (see `dondoc plan list`) (không có kế hoạch)", 2)
        raise fail("no plan in the database yet: run `dondoc plan import PATH` (chưa có kế hoạch)")
    if task:
        view["tasks"] = [t for t in view["tasks"] if t["number"] == task.rstrip(".")]
        if not view["tasks"]:
            raise fail(f"--task: plan {view['plan']} has no task {task!r} (không có nhiệm vụ)", 2)
    if not as_json:
        show_plan(engine, directory, number=number, on=day, task=task.rstrip(".") if task else None)
        return
    print(json.dumps(view, ensure_ascii=False, indent=2))


@app.command("list")
def list_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """The plans in the database, the latest imported first: tasks, open cycles, tracking day, retired."""
    from models.services.plan_lifecycle import plan_rows

    engine, _directory = prepare_database()
    rows = plan_rows(engine)
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        console.print("Chưa có kế hoạch / no plan yet: dondoc plan import PATH")
        return
    for r in rows:
        issued = _vn_day(r["issued"]) or "—"
        tracked = f", theo dõi từ {_vn_day(r['track_from'])}" if r["track_from"] else ""
        retired = f", ĐÃ KẾT THÚC / retired {r['retired'][:10]}" if r["retired"] else ""
        console.print(
            f"{r['number']}  ({issued})  {r['tasks']} nhiệm vụ, {r['open_cycles']} kỳ đang mở{tracked}{retired}"
        )
        title = r["title"] if len(r["title"]) <= 110 else r["title"][:109] + "…"
        console.print(f"    {title}")


def _vn_day(iso: str | None) -> str:
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}" if iso else ""


@app.command("track-from")
def track_from_cmd(
    number: str = typer.Argument(..., help="Plan number, e.g. 25/KH-UBND."),
    day: str = typer.Argument(..., help="YYYY-MM-DD or DD/MM/YYYY; 'none' tracks from the start."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Set the day a plan is tracked from: reminder moments before it are never sent."""
    from models.services.plan_lifecycle import PlanNotFound, set_track_from

    tracked = None if day.strip().lower() in ("none", "-") else parse_day_or_exit(day, "D")
    engine, _directory = prepare_database()
    try:
        before = set_track_from(engine, number, tracked)
    except PlanNotFound as exc:
        raise fail(str(exc), 2) from None
    if as_json:
        out = {"plan": number, "track_from": tracked.isoformat() if tracked else None}
        out["before"] = before.isoformat() if before else None
        print(json.dumps(out, ensure_ascii=False))
    elif tracked:
        console.print(f"Kế hoạch {number}: theo dõi từ ngày {tracked:%d/%m/%Y} / tracked from {tracked.isoformat()}")
    else:
        console.print(f"Kế hoạch {number}: theo dõi từ đầu / tracked from the start")


@app.command("retire")
def retire_cmd(
    number: str = typer.Argument(..., help="Plan number, e.g. 25/KH-UBND."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """End a plan: its open cycles are cancelled, its history kept; the daily run ignores it from now on."""
    from models.services.plan_lifecycle import PlanNotFound, retire_plan

    engine, _directory = prepare_database()
    try:
        done = retire_plan(engine, number)
    except PlanNotFound as exc:
        raise fail(str(exc), 2) from None
    if as_json:
        print(json.dumps(done.as_json(), ensure_ascii=False))
    elif done.already:
        console.print(f"Kế hoạch {number} đã kết thúc từ trước / already retired ({done.retired_at:%d/%m/%Y})")
    else:
        console.print(f"Kế hoạch {number} đã kết thúc / retired: {done.cancelled} kỳ báo cáo đã hủy")
