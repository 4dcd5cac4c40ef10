"""``dondoc agencies [--json]``, ``dondoc agencies load FILE`` and ``dondoc agencies unresolved``: the
directory, its contacts, and the names the plans left unresolved (with suggestions)."""

import json
from pathlib import Path

import typer

from cli.common import agency_marks, console, fail, prepare_database

app = typer.Typer(invoke_without_command=True)


@app.callback()
def list_cmd(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    unmasked: bool = typer.Option(False, "--unmasked", help="Show contacts in clear (default: masked)."),
) -> None:
    """List the agencies of the directory with their contacts and succession."""
    if ctx.invoked_subcommand is not None:
        return
    from models.domain.masking import mask_address
    from models.services.agencies import agency_rows

    engine, directory = prepare_database()
    rows = agency_rows(engine, directory, mask=None if unmasked else mask_address)
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        succession = f" → {r['successor']} từ {_vi_date(r['succeeded_on'])}" if r["successor"] else ""
        mark = agency_marks(r["review"], r["sample"])
        contacts = f"[{r['email'] or '—'} · {r['phone'] or '—'}]"
        console.print(f"{r['code']:<24} {r['name']}{mark}{succession}  {contacts}")
    console.print(f"{len(rows)} cơ quan / agencies")
    to_confirm = sum(1 for r in rows if r["review"])
    if to_confirm:
        console.print(
            f"{to_confirm} cơ quan cần xác nhận (có thể đã sắp xếp lại năm 2025, chưa có nguồn): chọn cơ quan kế "
            "thừa trên trang /officers/directory"
        )


def _vi_date(iso: str | None) -> str:
    from datetime import date

    return date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else "—"


@app.command("load")
def load_cmd(
    path: Path = typer.Argument(..., help="Contacts file (.xlsx or .csv)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Update contacts from a spreadsheet. Bad rows are reported with their row number; good rows are kept.
    Exit code 0 when every row was good, 1 when some were refused."""
    from models.domain.contacts import ContactsFileError
    from models.services.agencies import load_contacts

    engine, directory = prepare_database()
    try:
        result = load_contacts(engine, directory, path)
    except ContactsFileError as exc:  # also MissingColumnError, UnsupportedFileError
        raise fail(f"{path}: {exc}", 2) from None
    if as_json:
        print(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        console.print(f"{result.updated} cơ quan cập nhật liên hệ / agencies updated")
        for e in result.errors:
            console.print(f"row {e['row']} {e['column'] or ''}: {e['message']}")
        for w in result.warnings:
            console.print(f"warning: {w}")
    if result.errors:
        raise typer.Exit(1)


@app.command("link")
def link_cmd(code: str = typer.Argument(..., help="Agency code (as `dondoc agencies` lists it).")) -> None:
    """Make a new agency link (the agency's page: all its open cycles, each answerable there) and print
    it. It works for 30 days after today; `dondoc agencies revoke-links CODE` ends it sooner."""
    from cli.common import prepare_app
    from models.services.agency_page import agency_link_for_code

    link = agency_link_for_code(prepare_app().runtime, code)
    if link is None:
        raise fail(f"no agency with code {code!r} (see `dondoc agencies`)", 2)
    print(link)


@app.command("revoke-links")
def revoke_links_cmd(code: str = typer.Argument(..., help="Agency code (as `dondoc agencies` lists it).")) -> None:
    """Revoke every live agency link of an agency (a lost phone, a link forwarded too widely). The links of
    single cycles are revoked per cycle on the officers' cycle page."""
    from cli.common import prepare_app
    from models.services.agency_page import revoke_agency_links

    count = revoke_agency_links(prepare_app().runtime, code)
    if count is None:
        raise fail(f"no agency with code {code!r} (see `dondoc agencies`)", 2)
    console.print(f"{count} đường dẫn của cơ quan đã thu hồi / links revoked")


@app.command("unresolved")
def unresolved_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the agency names the plans left unresolved, with the directory's suggestion for each. Settle a
    name under `confirmed_names` in the directory file (the line is printed), then import the plan again."""
    from models.services.unresolved import unresolved_names

    engine, directory = prepare_database()
    rows = unresolved_names(engine, directory)
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        s = r["suggestion"]
        hint = f" → gợi ý / suggestion: {s['agency']} ({s['code']}, {s['why']})" if s else ""
        console.print(f"{r['plan']}: {r['name']!r} [{', '.join(r['where'])}]{hint}")
        console.print(f"    confirmed_names: {r['confirm']}")
    console.print(f"{len(rows)} tên chưa nhận diện / unresolved names")
