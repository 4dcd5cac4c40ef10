"""Entry point of the ``dondoc`` command: sub-command groups are mounted here.

Every command prints plain text for people, or JSON with ``--json`` for officers' scripts (field
names are a public interface: add to them, never rename).
"""

import json
import sys
from typing import Any

import typer

from cli import agencies as agencies_cli
from cli import backup as backup_cli
from cli import channels as channels_cli
from cli import db as db_cli
from cli import deadline as deadline_cli
from cli import plan as plan_cli
from cli import status as status_cli
from cli import up as up_cli
from cli import web as web_cli
from cli import work
from cli.common import console, direct_note, dispatch_text, fail, prepare_app, run_flow

app = typer.Typer(
    name="dondoc",
    help="dondoc — đôn đốc: urges a government plan along (tasks, deadlines, reminders).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _settings_first() -> None:
    """Every command reads the settings: a wrong one is a usage error naming the variable (exit 2), not a
    traceback in the middle of the work."""
    from pydantic import ValidationError

    from config.settings import get_settings

    try:
        get_settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"DONDOC_{'_'.join(str(p) for p in error['loc']).upper()} ({error['loc'][0]}): {error['msg']}"
            for error in exc.errors()
        )
        raise fail(f"bad setting / cấu hình sai: {problems}", 2) from None


app.add_typer(db_cli.app, name="db", help="Database schema.")
app.add_typer(plan_cli.app, name="plan", help="Import and show plans.")
app.add_typer(
    status_cli.app,
    name="status",
    help="The system's status and alerts; load the current status of a plan (status load).",
)
app.add_typer(agencies_cli.app, name="agencies", help="The agency directory and contacts.")
app.add_typer(deadline_cli.app, name="deadline", help="Read deadline phrases.")
app.add_typer(work.round_app, name="round")
app.add_typer(channels_cli.app, name="channels", help="Delivery channels: test sends, token and quota status.")
app.command("serve")(web_cli.serve_cmd)
app.command("up")(up_cli.up_cmd)
app.add_typer(web_cli.users_app, name="users", help="Officers' accounts for the web pages.")
app.command("report")(web_cli.report_cmd)
app.command("daily")(work.daily_cmd)
app.command("dispatch")(work.dispatch_cmd)
app.command("digest")(work.digest_cmd)
app.command("simulate")(work.simulate_cmd)
app.command("cycles")(work.cycles_cmd)
app.command("outbox")(work.outbox_cmd)
app.command("backup")(backup_cli.backup_cmd)
app.command("restore")(backup_cli.restore_cmd)


@app.command("run")
def run(
    today: str | None = typer.Option(None, "--today", help="Run the day as if it were this date."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """The main job: bring the database up, import the shipped plan if the database has none, run the
    daily flow for today, and show what was sent and where the files are."""
    from models.services.importer import import_if_empty

    built = prepare_app()
    settings = built.settings
    from models.domain.clock import day_text, today_local

    day = work._day(today)
    report = import_if_empty(
        built.engine,
        settings.plan_file,
        built.runtime.directory,
        built.runtime.config,
        import_day=day or today_local(),  # a plan issued long ago is tracked from this day (issue 11)
    )
    from flows.daily import daily

    result = run_flow(daily, today=day)
    summary: dict[str, Any] = {
        "import": report.as_json() if report else None,
        "daily": result,
        "data_dir": str(settings.data_dir),
        "database": _redact(settings.effective_database_url),
        "outbox_dir": str(settings.data_dir / "outbox"),
    }
    if as_json:
        print(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        return
    if report:
        plan_cli.print_import_report(report, brief=True)
    dispatch = result.get("dispatch", {})
    console.print(
        f"Ngày {day_text(result['day'])}: {result['created']} kỳ báo cáo mới, {result['opened']} mở, "
        f"{result['overdue']} quá hạn; {result['queued']} tin nhắn xếp hàng ({result['folded']} lần nhắc "
        f"gộp lại), {dispatch_text(dispatch)}"
    )
    console.print(f"Tin nhắn (kênh file, không gửi ra ngoài) / messages: {settings.data_dir / 'outbox'}")
    console.print(f"Cơ sở dữ liệu / database: {_redact(settings.effective_database_url)}")
    console.print("Xem thêm / more: dondoc plan show · dondoc cycles · dondoc outbox")
    if note := direct_note(result):
        console.print(note)


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
