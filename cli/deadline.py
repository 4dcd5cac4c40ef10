"""``dondoc deadline explain``: how dondoc reads deadline phrases — the rule in words, the next due dates
(nominal and effective) and the reminders of the first one.

``--json`` prints one object per phrase and line with the fields ``text``, ``kind``, ``due`` (``nominal``,
``effective``, ``label``, ``period_key``, ``is_final``), ``reminders`` (``date``, ``step``), ``reason`` (only
when unrecognized) and also ``reason_vi``, ``explain_vi``, ``explain_en``, ``needs_officer``,
``then_ongoing`` and ``reports`` (periodic progress reports of ongoing tasks); when the phrase has them,
``note``, ``report_kinds``, ``report_to``, ``ongoing_from``, ``ongoing_until``, and ``rolled_back`` on a due
item whose "trước …" limit fell on a day off. Field names are a public interface: add to them, never rename.
Exit code 0 when every phrase was understood, 2 otherwise.
"""

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import load_policy_config
from models.domain.clock import parse_day, today_local
from models.domain.states import DEADLINE_KIND_TEXT, step_text, vi_text
from models.services.deadline_view import explain_phrase

app = typer.Typer(no_args_is_help=True, help="Read deadline phrases (Thời gian hoàn thành).")

_WEEKDAYS_VI = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")


@app.callback()
def _group() -> None:
    """Read deadline phrases (Thời gian hoàn thành)."""


def _phrases(phrases: list[str] | None, file: Path | None) -> list[str]:
    out = list(phrases or [])
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except OSError as exc:
            typer.echo(f"error: {file}: {exc.strerror or exc}", err=True)
            raise typer.Exit(2) from None
        out += [line.strip() for line in text.splitlines() if line.strip()]
    return out


def _day(d: str) -> str:
    parsed = date.fromisoformat(d)
    return f"{parsed:%d/%m/%Y} ({_WEEKDAYS_VI[parsed.weekday()]})"


def _print_human(view: dict[str, Any]) -> None:
    """The rule for people: kinds and steps in Vietnamese, dates dd/mm/yyyy (the codes: ``--json``); the
    ``EN:`` line is the rule's English rendering, for the English-speaking reader the command also serves."""
    typer.echo(f"«{view['text']}» — {vi_text(view['kind'], DEADLINE_KIND_TEXT)}")
    typer.echo(f"  VI: {view['explain_vi']}")
    typer.echo(f"  EN: {view['explain_en']}")
    if view["due"]:
        typer.echo("  Hạn theo Kế hoạch → hạn thực tế (nominal → effective):")
        for d in view["due"]:
            final = "  [hạn cuối / final]" if d["is_final"] else ""
            if d.get("rolled_back"):
                final += "  [ngày nghỉ: lùi về ngày làm việc trước, không quá giới hạn / day off: rolled back]"
            typer.echo(f"    {d['label']:<24} {_day(d['nominal'])} → {_day(d['effective'])}{final}")
    if view["reminders"]:
        typer.echo(f"  Nhắc việc / reminders for «{view['due'][0]['label']}»:")
        for r in view["reminders"]:
            typer.echo(f"    {_day(r['date'])}  {step_text(r['step'])}")
    if view["reports"]:
        typer.echo("  Báo cáo định kỳ (progress reports):")
        for d in view["reports"]:
            typer.echo(f"    {d['label']:<32} {_day(d['effective'])}")
    typer.echo("")


@app.command("explain")
def explain_cmd(
    phrases: Annotated[list[str] | None, typer.Argument(help='Deadline phrases, e.g. "Tháng 8/2025".')] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Read phrases from a file, one per line.")] = None,
    start: Annotated[
        str | None,
        typer.Option("--from", help="The plan's issue date, YYYY-MM-DD (default: today in Asia/Ho_Chi_Minh)."),
    ] = None,
    count: Annotated[int, typer.Option("--count", "-n", min=1, help="How many due dates to show.")] = 5,
    role: Annotated[str, typer.Option("--role", help="Reminders for the 'lead' or a 'coordinating' agency.")] = "lead",
    policy_file: Annotated[
        Path | None, typer.Option("--policy", help="Policy YAML (default: the configured or shipped one).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per phrase and line.")] = False,
) -> None:
    """Explain deadline phrases: the rule in Vietnamese and English, the next due dates (nominal and
    effective) and the reminders of the first one. Exit code 2 when a phrase is not understood."""
    items = _phrases(phrases, file)
    if not items:
        typer.echo("error: give at least one phrase, or --file", err=True)
        raise typer.Exit(2)
    if role not in ("lead", "coordinating"):
        typer.echo("error: --role must be 'lead' or 'coordinating'", err=True)
        raise typer.Exit(2)
    try:
        issued = parse_day(start) if start else today_local()
    except ValueError as exc:
        typer.echo(f"error: --from: {exc}", err=True)
        raise typer.Exit(2) from None
    config = load_policy_config(policy_file)
    rules = {"policy": config.reporting_policy(), "calendar": config.calendar(), "horizon": config.horizon}
    all_understood = True
    for text in items:
        rule, view = explain_phrase(text, start=issued, count=count, role=role, **rules)
        all_understood = all_understood and rule.recognized
        if as_json:
            typer.echo(json.dumps(view, ensure_ascii=False))
        else:
            _print_human(view)
    if not all_understood:
        raise typer.Exit(2)
