"""The agency directory as officers see and keep it: the listing with contacts and succession
(``dondoc agencies``) and the loading of contacts from a spreadsheet (``dondoc agencies load``).

Each use case first brings the database's copy of the directory up to date (``directory_sync``) in the
same transaction, so the listing shows what the configured directory says and loaded contacts land on
the agencies it names. Contacts are personal data: the listing shows them only through the ``mask`` its
caller passes (None: in clear; the edges pass ``models.domain.masking.mask_address``).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.domain.agencies import Directory
from models.domain.clock import utcnow
from models.domain.contacts import read_contacts
from models.services.directory_sync import sync_directory
from models.store.db import session_scope
from models.store.plan_tables import Agency


def agency_rows(
    engine: Engine, directory: Directory, *, mask: Callable[[str], str] | None = None
) -> list[dict[str, Any]]:
    """Every agency of the (synced) directory by code, with its contacts (through ``mask``) and successor."""

    def show(value: str | None) -> str | None:
        return value if mask is None or value is None else mask(value)

    with session_scope(engine) as session:
        sync_directory(session, directory)
        return [
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
                "review": a.review,  # what is to be confirmed ("cần xác nhận"); None: nothing
                "sample": a.sample,
            }
            for a in session.exec(select(Agency).order_by(Agency.code))
        ]


@dataclass
class ContactsResult:
    """What ``dondoc agencies load`` did; ``as_json`` is the public shape of its ``--json``."""

    updated: int
    errors: list[dict[str, Any]] = field(default_factory=list)  # row, column, message of each refused row
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"updated": self.updated, "errors": self.errors, "warnings": self.warnings}


def load_contacts(engine: Engine, directory: Directory, path: str | Path) -> ContactsResult:
    """Set the contacts of the agencies a spreadsheet (.xlsx or .csv) names; its bad rows are refused and
    reported, its good rows kept. A loaded agency's contacts are its own from then on: a later directory
    sync leaves them alone (``contacts_source = "loaded"``).

    Raises ``models.domain.contacts.ContactsFileError`` (database untouched) when the file cannot be read.
    """
    loaded = read_contacts(path, directory)
    updated = 0
    with session_scope(engine) as session:
        sync_directory(session, directory)
        rows = {a.code: a for a in session.exec(select(Agency))}
        for update in loaded.updates:
            row = rows.get(update.code)
            if row is None:  # cannot happen after a sync; kept as a guard
                continue
            for key, value in update.fields().items():
                setattr(row, key, value)
            row.contacts_source = "loaded"
            row.contacts_updated_at = utcnow()
            updated += 1
    errors = [{"row": e.row, "column": e.column, "message": e.message} for e in loaded.errors]
    return ContactsResult(updated=updated, errors=errors, warnings=list(loaded.warnings))


def standing_contact(engine: Engine, directory: Directory) -> dict[str, str | None]:
    """The standing agency's name and office contacts (the database's copy, which ``dondoc agencies load``
    keeps current; the directory's entry until the database has one): what a page tells a person whose
    link no longer works."""
    entry = directory.standing
    with Session(engine) as session:
        row = session.exec(select(Agency).where(Agency.code == entry.code)).first()
    if row is None:
        return {"name": entry.name, "phone": entry.phone, "email": entry.email}
    return {"name": row.name, "phone": row.phone, "email": row.email}
