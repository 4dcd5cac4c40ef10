"""``dondoc agencies [--json]`` and ``dondoc agencies load FILE``: the directory and its contacts."""

import json
from pathlib import Path
from typing import Any

import typer
from sqlmodel import Session, select

from cli.common import console, fail, prepare_database

app = typer.Typer(invoke_without_command=True)


def _sync(engine: Any, directory: Any) -> None:
    from models.services.directory_sync import sync_directory
    from models.store.db import session_scope

    with session_scope(engine) as session:
        sync_directory(session, directory)


@app.callback()
def list_cmd(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    unmasked: bool = typer.Option(False, "--unmasked", help="Show contacts in clear (default: masked)."),
) -> None:
    """List the agencies of the directory with their contacts and succession."""
    if ctx.invoked_subcommand is not None:
        return
    from models.store.plan_tables import Agency
    from notifiers.masking import mask_address

    engine, directory = prepare_database()
    _sync(engine, directory)

    def show(value: str | None) -> str | None:
        return value if unmasked or value is None else mask_address(value)

    with Session(engine) as session:
        rows = [
            {
                "code": a.code,
                "name": a.name,
                "kind": a.kind,
                "email": show(a.email),
                "phone": show(a.phone),
                "zalo_user_id": show(a.zalo_user_id),
                "head_name": a.head_name,
                "head_email": show(a.head_email),
                "head_phone": show(a.head_phone),
                "valid_to": a.valid_to.isoformat() if a.valid_to else None,
                "successor": a.successor_code,
                "succeeded_on": a.succeeded_on.isoformat() if a.succeeded_on else None,
                "contacts_source": a.contacts_source,
            }
            for a in session.exec(select(Agency).order_by(Agency.code))
        ]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        succession = f" → {r['successor']} từ {r['succeeded_on']}" if r["successor"] else ""
        console.print(f"{r['code']:<24} {r['name']}{succession}  [{r['email'] or '—'} · {r['phone'] or '—'}]")
    console.print(f"{len(rows)} cơ quan / agencies")


@app.command("load")
def load_cmd(
    path: Path = typer.Argument(..., help="Contacts file (.xlsx or .csv)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Update contacts from a spreadsheet. Bad rows are reported with their row number; good rows are kept.
    Exit code 0 when every row was good, 1 when some were refused."""
    from models.domain.clock import utcnow
    from models.domain.contacts import ContactsFileError, MissingColumnError, UnsupportedFileError, read_contacts
    from models.store.db import session_scope
    from models.store.plan_tables import Agency

    engine, directory = prepare_database()
    try:
        loaded = read_contacts(path, directory)
    except (ContactsFileError, MissingColumnError, UnsupportedFileError) as exc:
        raise fail(f"{path}: {exc}", 2) from None
    _sync(engine, directory)
    updated = 0
    with session_scope(engine) as session:
        for update in loaded.updates:
            row = session.exec(select(Agency).where(Agency.code == update.code)).first()
            if row is None:  # cannot happen after a sync; kept as a guard
                continue
            for key, value in update.fields().items():
                setattr(row, key, value)
            row.contacts_source = "loaded"
            row.contacts_updated_at = utcnow()
            updated += 1
    errors = [{"row": e.row, "column": e.column, "message": e.message} for e in loaded.errors]
    if as_json:
        print(json.dumps({"updated": updated, "errors": errors, "warnings": loaded.warnings}, ensure_ascii=False))
    else:
        console.print(f"{updated} cơ quan cập nhật liên hệ / agencies updated")
        for e in errors:
            console.print(f"row {e['row']} {e['column'] or ''}: {e['message']}")
        for w in loaded.warnings:
            console.print(f"warning: {w}")
    if errors:
        raise typer.Exit(1)
