"""``dondoc status``: how the system is doing (issue 14 item 2) — the last daily run and its result, the
outbox (queued, sending, dead, unconfirmed, the oldest unsent), provider errors of the last 24 h, the Zalo
token, the disk free under the data folder; ``--alert`` queues and sends the officers' alerts (the
``watch`` flow). ``dondoc status load FILE``: the current status of a plan from a spreadsheet (issue 11
point 4)."""

import json
from pathlib import Path

import typer

from cli.common import console, direct_note, fail, prepare_app, run_flow

app = typer.Typer(invoke_without_command=True)


@app.callback()
def status_cmd(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    alert: bool = typer.Option(
        False, "--alert", help="Also alert the officers (late daily run, dead messages; once a day per kind) and send."
    ),
) -> None:
    """The system's status (the officers' page "Tình trạng hệ thống" shows the same). Exit code 0 when all
    is well, 1 when something needs attention (today's run late, dead messages)."""
    if ctx.invoked_subcommand is not None:
        return
    from config.app import zalo_configured
    from models.services.system_status import status_lines, system_status

    built = prepare_app()
    settings = built.settings
    alerts = None
    if alert:
        from flows.watch import watch

        alerts = run_flow(watch)
    st = system_status(built.engine, settings.data_dir, settings.daily_deadline_time)
    attention = st.daily_late or st.totals["dead"] > 0
    if as_json:
        out = st.as_json()
        if alerts is not None:
            out["alerts"] = alerts
        print(json.dumps(out, ensure_ascii=False, default=str))
    else:
        console.print("Tình trạng hệ thống dondoc")
        for line in status_lines(st, zalo_configured(settings)):
            console.print(f"{'!' if line.warn else ' '} {line.label}: {line.value}")
        if alerts is not None:
            from models.services.alerts import ALERT_TITLES

            raised = ", ".join(ALERT_TITLES.get(k, k) for k in alerts["raised"]) or "không có"
            console.print(f"Cảnh báo: {raised}; {alerts['queued']} tin mới xếp hàng (mỗi loại một lần mỗi ngày)")
            if note := direct_note(alerts):
                console.print(note)
    if attention:
        raise typer.Exit(1)


@app.command("load")
def load_cmd(
    path: Path = typer.Argument(
        ..., help="Status sheet (.xlsx or .csv): task, agency, status, document number, date, note."
    ),
    plan: str | None = typer.Option(None, "--plan", help="Plan number (default: the latest imported, not retired)."),
    today: str | None = typer.Option(None, "--today", help="Load as on this day (YYYY-MM-DD or DD/MM/YYYY)."),
    officer: str = typer.Option("status-load", "--officer", help="Whose decision the closed cycles record."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Record what is already done (and how far the rest is), so that it is not chased. A "done" row
    closes the task's cycles of that agency; "in progress" records progress. Bad rows are reported with
    their row number; good rows are kept. Exit code 0 when every row was good, 1 when some were refused."""
    from cli.plan import parse_day_or_exit
    from models.domain.clock import today_local
    from models.domain.contacts import ContactsFileError
    from models.services.status_load import load_status

    day = parse_day_or_exit(today, "--today") if today else today_local()
    built = prepare_app()
    try:
        result = load_status(built.runtime, path, day, plan=plan, officer=officer)
    except ContactsFileError as exc:
        raise fail(f"{path}: {exc}", 2) from None
    except LookupError as exc:
        raise fail(str(exc), 2) from None
    if as_json:
        print(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        console.print(
            f"Kế hoạch {result.plan}: {result.loaded} dòng đã nạp (rows loaded), {result.closed} kỳ báo cáo đã đóng "
            f"(closed), {result.progress} kỳ ghi nhận tiến độ (progress), {result.already_closed} đã đóng từ trước"
        )
        for e in result.errors:
            column = f" {e['column']!r}" if e["column"] else ""
            console.print(f"row {e['row']}{column}: {e['message']}")
        for w in result.warnings:
            console.print(f"warning: {w}")
    if result.errors:
        raise typer.Exit(1)
