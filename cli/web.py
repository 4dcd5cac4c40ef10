"""``dondoc serve``, ``dondoc users add|list`` and ``dondoc report``: the web application's commands.

Mounted by ``cli.main``::

    app.command("serve")(web_cli.serve_cmd)
    app.add_typer(web_cli.users_app, name="users", help="Officers' accounts for the web pages.")
    app.command("report")(web_cli.report_cmd)

(``web_cli.app`` holds the same three, for running this module alone.)
"""

import sys
from pathlib import Path

import typer

from cli.common import console, day_option, fail

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
users_app = typer.Typer(no_args_is_help=True, add_completion=False, help="Officers' accounts for the web pages.")


def serve_cmd(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0: every interface)."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    forwarded_allow_ips: str | None = typer.Option(
        None,
        "--forwarded-allow-ips",
        help="Reverse proxies whose X-Forwarded-For is trusted (e.g. 127.0.0.1): rate limits then see the "
        "real client address.",
    ),
    workers: int = typer.Option(
        1, "--workers", min=1, help="Web processes on this port (above 1: DONDOC_SECRET_KEY must be set)."
    ),
) -> None:
    """Serve the answer pages and the officers' pages (uvicorn); the schema is brought up to date first."""
    import uvicorn

    settings, application = web_app(workers)
    console.print(
        f"dondoc web: http://{host}:{port}/officers — answer links: {settings.public_base_url.rstrip('/')}/r/…"
    )
    uvicorn.run(
        application if application is not None else "web.app:create_app",
        factory=application is None,
        workers=workers if application is None else None,
        host=host,
        port=port,
        proxy_headers=forwarded_allow_ips is not None,
        forwarded_allow_ips=forwarded_allow_ips,
        server_header=False,
        log_level="info",
    )


def web_app(workers: int):  # type: ignore[no-untyped-def]
    """The settings and, for one process, the application; for several (uvicorn's workers build their own
    from ``web.app:create_app``), None — after the checks every process makes, made here once with a
    usage error instead of a traceback per worker."""
    import os

    from config.settings import get_settings
    from web.app import StartupError, check_shared_setup, create_app

    settings = get_settings()
    try:
        check_shared_setup(settings, workers)
        if workers == 1:
            return settings, create_app(settings)
    except StartupError as exc:
        raise fail(str(exc), 2) from None
    from models.store.db import upgrade

    upgrade(settings.effective_database_url)  # once, before the workers start
    # the workers' own check then counts them too
    os.environ["DONDOC_WEB_PROCESSES"] = str(max(workers, settings.web_processes))
    return settings, None


@users_app.command("add")
def users_add(
    login: str = typer.Argument(..., help="Login name (lower case letters, digits, . _ -)."),
    name: str = typer.Option(..., "--name", help="The officer's full name, e.g. 'Nguyễn Văn An'."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (first line) instead of a prompt."
    ),
) -> None:
    """Create an officer's account, or set a new password for an existing login."""
    from cli.common import prepare_database
    from models.services.officer_accounts import AccountError, clean_login, password_problem, save_user

    try:
        login = clean_login(login)
    except AccountError as exc:
        raise fail(str(exc)) from exc
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Mật khẩu / password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password)  # before the database is touched
    if problem:
        raise fail(problem)
    engine, _ = prepare_database()
    saved = save_user(engine, login, name, password)
    verb = "created" if saved.created else "updated"
    console.print(f"Officer {login} {verb} (tài khoản đã {'tạo' if saved.created else 'cập nhật'}).")


def _local(stamp: str | None) -> str:
    """A stored time of a listing (ISO, UTC) as people read it: dd/mm/yyyy HH:MM in Asia/Ho_Chi_Minh."""
    from datetime import datetime

    from models.domain.clock import local_text

    return local_text(datetime.fromisoformat(stamp)) if stamp else "—"


@users_app.command("list")
def users_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List officers' accounts (never their password hashes)."""
    import json

    from cli.common import prepare_database
    from models.services.officer_accounts import list_users

    engine, _ = prepare_database()
    rows = list_users(engine)
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        state = "" if r["active"] else " (đã khóa / inactive)"
        console.print(
            f"{r['login']}\t{r['name']}{state}\tđăng nhập lần cuối / last login: {_local(r['last_login_at'])}"
        )


@users_app.command("disable")
def users_disable(login: str = typer.Argument(..., help="Login to disable.")) -> None:
    """Disable an account (its sessions stop working at once)."""
    from cli.common import prepare_database
    from models.services.officer_accounts import disable_user

    engine, _ = prepare_database()
    if not disable_user(engine, login):
        raise fail(f"no officer {login!r}")
    console.print(f"Officer {login} disabled.")


def report_cmd(
    fmt: str = typer.Option("xlsx", "--format", help="xlsx | json | csv"),
    out: Path = typer.Option(..., "--out", help="File to write."),
    plan: str | None = typer.Option(None, "--plan", help="Plan number (default: the latest imported)."),
    today: str | None = typer.Option(None, "--today", help="Report as of this date (default: today)."),
) -> None:
    """Export the plan's status: Phụ lục II with status columns and a sheet per agency (xlsx), or the
    same rows as JSON or CSV."""
    from cli.common import prepare_database
    from models.domain.clock import today_local
    from models.services.report_files import FORMATS, write_csv, write_json, write_xlsx
    from models.services.reports import plan_report

    if fmt not in FORMATS:
        raise fail(f"--format: unknown value {fmt!r}; expected one of: xlsx, json, csv (định dạng không hợp lệ)", 2)
    day = day_option(today, "--today") if today else today_local()
    if not out.parent.is_dir():  # a typo in the folder must not silently create a new tree
        raise fail(f"--out: the folder {out.parent} does not exist (thư mục không tồn tại)", 2)
    if out.is_dir():
        raise fail(f"--out: {out} is a folder; give a file name, e.g. {out / 'bao-cao.xlsx'}", 2)
    engine, directory = prepare_database()
    report = plan_report(engine, plan, day, directory)
    if report is None:
        if plan:
            raise fail(f"--plan: no plan {plan!r} in the database (see `dondoc plan list`) (không có kế hoạch)", 2)
        raise fail("no plan in the database yet: run `dondoc plan import PATH` (chưa có kế hoạch)")
    if fmt == "xlsx":
        write_xlsx(report, out)
    else:
        with out.open("w", encoding="utf-8", newline="") as stream:
            (write_json if fmt == "json" else write_csv)(report, stream)
    counts = report.counts()
    console.print(
        f"{out}: {len(report.tasks)} tasks, {len(report.indicators)} indicators, {len(report.agencies)} agencies; "
        f"quá hạn {counts['overdue']}, chờ xem xét {counts['awaiting_review']}"
    )


app.command("serve")(serve_cmd)
app.add_typer(users_app, name="users")
app.command("report")(report_cmd)
