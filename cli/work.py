"""The daily work from the command line: ``daily``, ``dispatch``, ``digest``, ``simulate``, ``round open``,
``cycles``, ``outbox``. Flows run through Prefect (the same code the deployments run)."""

import json
from datetime import date
from typing import Any

import typer

from cli.common import (
    channel_name,
    choice_option,
    console,
    direct_note,
    dispatch_text,
    fail,
    prepare_database,
    run_flow,
)
from models.domain.clock import day_text

round_app = typer.Typer(no_args_is_help=True, help="Ad hoc reporting rounds.")


def _day(value: str | None) -> date | None:
    from models.domain.clock import parse_day

    if value is None:
        return None
    try:
        return parse_day(value)
    except ValueError as exc:
        raise fail(str(exc), 2) from None


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def daily_cmd(
    today: str | None = typer.Option(None, "--today", help="The day to evaluate (default: today, Asia/Ho_Chi_Minh)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Report what would happen; change nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    full: bool = typer.Option(
        False, "--full", help="Work out every task's cycles again, even if nothing they depend on changed."
    ),
) -> None:
    """Run the daily flow: open cycles, mark overdue, queue reminders, send."""
    day = _day(today)
    from flows.daily import daily

    result = run_flow(daily, today=day, dry_run=dry_run, **({"full": True} if full else {}))
    if as_json:
        _print_json(result)
        return
    dispatch = result.get("dispatch", {})
    console.print(
        f"Ngày {day_text(result['day'])}: {result.get('created', 0)} kỳ mới, {result.get('opened', 0)} mở, "
        f"{result.get('overdue', 0)} quá hạn, {result.get('queued', 0)} tin nhắn xếp hàng "
        f"cho {result.get('recipients', 0)} người nhận ({result.get('items', 0)} mục nhắc), "
        f"đã gửi {dispatch.get('sent', 0)}" + (" — chạy thử, không ghi gì (dry run)" if dry_run else "")
    )
    if note := direct_note(result):
        console.print(note)


def dispatch_cmd(as_json: bool = typer.Option(False, "--json")) -> None:
    """Send pending and retry-due messages now."""
    from flows.dispatch import dispatch

    result = run_flow(dispatch)
    if as_json:
        _print_json(result)
    else:
        console.print(f"Gửi tin / dispatch: {dispatch_text(result)}")


def digest_cmd(
    today: str | None = typer.Option(None, "--today"), as_json: bool = typer.Option(False, "--json")
) -> None:
    """Queue and send the weekly digest to the standing agency."""
    day = _day(today)
    from flows.digest import digest

    result = run_flow(digest, today=day)
    if as_json:
        _print_json(result)
        return
    if "reason" in result:  # nothing queued, and why (the standing agency is not in the database)
        console.print(f"Không gửi tổng hợp tuần: chưa có cơ quan thường trực trong cơ sở dữ liệu ({result['reason']})")
        return
    console.print(
        f"Tổng hợp tuần / digest: {result['queued']} tin nhắn xếp hàng — quá hạn {result.get('overdue', 0)}, "
        f"đến hạn trong tuần {result.get('due_this_week', 0)}, chờ xem xét {result.get('answered', 0)}, "
        f"tin không gửi được {result.get('dead', 0)}"
    )
    if "dispatch" in result:
        console.print(f"Gửi tin: {dispatch_text(result['dispatch'])}")


def simulate_cmd(
    start: str = typer.Option(..., "--from", help="First day (YYYY-MM-DD)."),
    end: str = typer.Option(..., "--to", help="Last day (YYYY-MM-DD)."),
    as_json: bool = typer.Option(False, "--json", help="Print per-day counts as JSON."),
) -> None:
    """Run the daily evaluation for each day in turn, in one flow run. It WRITES INTO THE CONFIGURED
    DATABASE (cycles, reminders, outbox) as if those days had been lived, with messages going to
    the file channel: run it on a copy (DONDOC_DATA_DIR / DONDOC_DATABASE_URL pointing elsewhere), not on
    the live database. / Ghi vào cơ sở dữ liệu đang cấu hình: chạy trên bản sao."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    import flows.simulate as sim
    from models.services.importer import has_plan

    d1, d2 = _day(start), _day(end)
    assert d1 and d2
    if d2 < d1:
        raise fail("--to is before --from (ngày kết thúc trước ngày bắt đầu)", 2)
    engine, _ = prepare_database()
    if not has_plan(engine):
        raise fail("no plan in the database: import one first (`dondoc plan import PATH`) (chưa có kế hoạch)", 2)
    total = (d2 - d1).days + 1
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console if not as_json else None,
        disable=as_json,
        transient=as_json,
    ) as bar:
        job = bar.add_task("mô phỏng", total=total)

        def tick(day: date, report: dict[str, Any]) -> None:
            bar.update(job, advance=1, description=f"{day:%d/%m/%Y}: {report['queued']} tin")

        sim.progress_hook = tick
        try:
            result = run_flow(sim.simulate, start=d1, end=d2)
        finally:
            sim.progress_hook = None
    if as_json:
        _print_json(result)
        return
    for row in result["days"]:
        if row["queued"] or row["opened"] or row["overdue"] or row["created"]:
            console.print(
                f"{day_text(row['day'])}: +{row['created']} kỳ, {row['opened']} mở, {row['overdue']} quá hạn, "
                f"{row['queued']} tin ({row['folded']} gộp), gửi {row['sent']}"
            )
    console.print(f"Tổng / total: {result['queued']} tin nhắn xếp hàng, {result['sent']} đã gửi (file channel)")
    totals = result.get("totals") or {}
    console.print(
        f"Hộp thư / outbox: {totals.get('messages', 0)} tin nhắn, {totals.get('items', 0)} mục nhắc, "
        f"tối đa {totals.get('max_per_contact_day', 0)} tin / người nhận / ngày "
        "(messages, items, max per contact per day)"
    )


@round_app.command("open")
def round_open_cmd(
    title: str = typer.Option(..., "--title", help="e.g. 'Báo cáo sơ kết 6 tháng'."),
    due: str = typer.Option(..., "--due", help="Due date (YYYY-MM-DD)."),
    task: list[str] = typer.Option([], "--task", help="Task number (repeatable)."),
    indicator: list[str] = typer.Option([], "--indicator", help="Indicator code (repeatable)."),
    agency: list[str] = typer.Option([], "--agency", help="Agency code or name (repeatable)."),
    message: str = typer.Option("", "--message"),
    plan: str | None = typer.Option(None, "--plan"),
    key: str | None = typer.Option(None, "--key", help="Idempotency key: the same key opens one round."),
    by: str = typer.Option("officer", "--by", help="Who opens it (kept in the history)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Open an ad hoc reporting round and notify every responsible agency at once."""
    due_day = _day(due)
    from flows.round import round_flow
    from models.services.rounds import RoundError

    try:
        result = run_flow(
            round_flow,
            title=title,
            due=due_day,
            tasks=task,
            indicators=indicator,
            agencies=agency,
            message=message,  # type: ignore[arg-type]
            plan=plan,
            created_by=by,
            idempotency_key=key,
        )
    except RoundError as exc:
        raise fail(str(exc), 2) from None
    if as_json:
        _print_json(result)
    else:
        state = "mới mở" if result["created"] else "đã mở trước đó (không gửi lại)"
        console.print(f"Đợt {result['round']} {state}: {result['cycles']} kỳ báo cáo, {result['queued']} tin nhắn")


def cycles_cmd(
    status: str | None = typer.Option(
        None, "--status", help="scheduled | open | answered | accepted | overdue | extended | returned | cancelled."
    ),
    agency: str | None = typer.Option(None, "--agency", help="Agency code."),
    task: str | None = typer.Option(None, "--task", help="Task number."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List reporting cycles."""
    from models.domain.states import STATUS_TEXT, CycleStatus, role_label, vi_text
    from models.services.listings import cycle_rows, unknown_filter

    choice_option(status, "--status", (s.value for s in CycleStatus))
    engine, _ = prepare_database()
    if problem := unknown_filter(engine, agency=agency, task=task):
        raise fail(problem, 2)
    rows = cycle_rows(engine, status=status, agency=agency, task=task)
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        what = f"NV {r['task']}" if r["task"] else f"CT {r['indicator']}"
        console.print(
            f"{r['id']:>6} {what:<8} {r['agency']:<22} {role_label(r['role']):<18} {r['label']:<28} "
            f"hạn {day_text(r['due_effective'])} {vi_text(r['status'], STATUS_TEXT)}"
        )
    console.print(f"{len(rows)} kỳ báo cáo")


def outbox_cmd(
    status: str | None = typer.Option(
        None,
        "--status",
        help="pending | sending | sent | delivered | failed | dead | unknown | unconfirmed "
        "(unknown / unconfirmed: sent, outcome not confirmed — 'đã gửi, chưa rõ kết quả').",
    ),
    limit: int = typer.Option(0, "--limit", help="At most N rows (0: all)."),
    summary: bool = typer.Option(
        False,
        "--summary",
        help="Messages per channel per day and month, with the estimated cost (config/channels.yaml prices).",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List outbox messages (recipients masked)."""
    from models.domain.masking import mask_address
    from models.domain.states import NOTIFICATION_TEXT, NotificationStatus, vi_text
    from models.services.listings import outbox_rows

    choice_option(status, "--status", (s.value for s in NotificationStatus))
    if limit < 0:
        raise fail("--limit: expected 0 (all) or a positive number (số không hợp lệ)", 2)
    engine, _ = prepare_database()
    if summary:
        _outbox_summary(engine, as_json)
        return
    rows = outbox_rows(engine, mask=mask_address, status=status, limit=limit)
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        console.print(
            f"{vi_text(r['status'], NOTIFICATION_TEXT):<16} {channel_name(r['channel']):<6} {r['recipient']:<24} "
            f"{r['key']}"
        )
    console.print(f"{len(rows)} tin nhắn")


def _outbox_summary(engine: Any, as_json: bool) -> None:
    """``dondoc outbox --summary``: messages per channel per day and month, estimated cost."""
    from config.channels import load_channels_config
    from config.settings import get_settings
    from models.domain.costs import Prices, summarise
    from models.services.listings import outbox_texts

    p = load_channels_config(get_settings().channels_file).prices
    prices = Prices(p.currency, p.zalo_message, p.sms_segment, p.email_message)
    result = summarise(outbox_texts(engine), prices).as_json()
    if as_json:
        _print_json(result)
        return
    cur = result["currency"]
    for title, table in (("Theo tháng / per month", result["months"]), ("Theo ngày / per day", result["days"])):
        console.print(title)
        for key, channels in table.items():  # type: ignore[attr-defined]
            parts = [
                f"{channel_name(ch)} {t['messages']} tin ({t['units']} đv) ≈ {t['cost']:,.0f} {cur}"
                for ch, t in channels.items()
            ]
            total = sum(t["cost"] for t in channels.values())
            console.print(f"  {key}: " + "; ".join(parts) + f" — tổng ≈ {total:,.0f} {cur}")
