"""``dondoc status load FILE``: the current status of a plan from a spreadsheet (issue 11 point 4)."""

import json
from pathlib import Path

import typer

from cli.common import console, fail, prepare_app

app = typer.Typer(no_args_is_help=True)


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
