"""The listings behind ``dondoc cycles``, ``dondoc outbox`` and ``dondoc agencies`` (models/services/listings.py,
models/services/agencies.py) on the seeded database, SQLite and PostgreSQL; and the import of ``dondoc run``."""

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from config.policy import load_policy
from models.domain.agencies import Directory
from models.domain.contacts import UnsupportedFileError
from models.services.agencies import agency_rows, load_contacts
from models.services.importer import has_plan, import_if_empty
from models.services.listings import cycle_rows, outbox_rows

CYCLE_FIELDS = {"id", "task", "indicator", "agency", "agency_name", "role", "kind", "label", "period_key"}
CYCLE_FIELDS |= {"opens_on", "due_nominal", "due_effective", "due_extended", "status"}
OUTBOX_FIELDS = {"key", "cycle", "task", "agency", "channel", "recipient", "step", "folded_steps", "status"}
OUTBOX_FIELDS |= {"attempts", "link", "transport", "created_at", "sent_at", "last_error"}
OUTBOX_FIELDS |= {"unknown_sends", "provider_message_id", "provider_ref"}  # issue 15: unknown outcomes
OUTBOX_FIELDS |= {"cycles"}  # issue 11: the cycles a consolidated message lists ("cycle" stays for one-cycle messages)


def test_cycle_rows_filter_by_status_agency_and_task(seeded_engine: Engine) -> None:
    rows = cycle_rows(seeded_engine)
    assert rows and set(rows[0]) == CYCLE_FIELDS
    assert [(r["due_effective"], r["id"]) for r in rows] == sorted((r["due_effective"], r["id"]) for r in rows)
    task1 = cycle_rows(seeded_engine, task="1.")
    assert task1 and {r["task"] for r in task1} == {"1"} and task1 == cycle_rows(seeded_engine, task="1")
    khcn = [r for r in rows if r["agency"] == "so-khcn"]
    status = khcn[0]["status"]
    both = cycle_rows(seeded_engine, agency="so-khcn", status=status)
    assert both == [r for r in khcn if r["status"] == status]
    assert cycle_rows(seeded_engine, status="no-such-status") == []


def test_outbox_rows_mask_recipients_and_limit(seeded_engine: Engine) -> None:
    clear = outbox_rows(seeded_engine, mask=lambda address: address or "")
    masked = outbox_rows(seeded_engine, mask=lambda address: "hidden")
    assert clear and set(clear[0]) == OUTBOX_FIELDS
    assert {r["recipient"] for r in masked} == {"hidden"} and any(r["recipient"] != "hidden" for r in clear)
    assert outbox_rows(seeded_engine, mask=str, limit=3) == outbox_rows(seeded_engine, mask=str)[:3]
    status = clear[0]["status"]
    assert {r["status"] for r in outbox_rows(seeded_engine, mask=str, status=status)} == {status}


def test_agency_rows_masked_or_in_clear(seeded_engine: Engine, shipped_directory: Directory) -> None:
    clear = agency_rows(seeded_engine, shipped_directory)
    masked = agency_rows(seeded_engine, shipped_directory, mask=lambda value: "*")
    assert [r["code"] for r in clear] == sorted(r["code"] for r in clear)
    khcn_clear = next(r for r in clear if r["code"] == "so-khcn")
    khcn_masked = next(r for r in masked if r["code"] == "so-khcn")
    assert khcn_clear["email"] and "@" in khcn_clear["email"] and khcn_masked["email"] == "*"
    assert khcn_masked["name"] == khcn_clear["name"]  # only contacts are masked


def test_load_contacts_keeps_good_rows(seeded_engine: Engine, shipped_directory: Directory, tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("code,email\nso-khcn,van.thu@khcn.example\nso-y-te,not-an-email\n", encoding="utf-8")
    result = load_contacts(seeded_engine, shipped_directory, path)
    assert result.updated == 1 and [e["row"] for e in result.errors] == [3]
    assert set(result.as_json()) == {"updated", "errors", "warnings"}
    khcn = next(r for r in agency_rows(seeded_engine, shipped_directory) if r["code"] == "so-khcn")
    assert (khcn["email"], khcn["contacts_source"]) == ("van.thu@khcn.example", "loaded")
    with pytest.raises(UnsupportedFileError):
        load_contacts(seeded_engine, shipped_directory, tmp_path / "contacts.txt")


def test_import_if_empty_imports_once(engine: Engine, plan_path: Path, shipped_directory: Directory) -> None:
    policy = load_policy()
    assert has_plan(engine) is False
    report = import_if_empty(engine, plan_path, shipped_directory, policy)
    assert report is not None and report.tasks == 68 and has_plan(engine)
    assert import_if_empty(engine, plan_path, shipped_directory, policy) is None
