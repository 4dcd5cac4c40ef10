"""The officers' plan upload (SQLite and PostgreSQL): the preview shows the tables, each column's role and
the first rows and writes nothing; a role corrected from the list changes the preview and the import;
a file that cannot be read shows its error, the database untouched."""

import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from support.web import Web, snapshot

from models.store.plan_tables import Plan, Task

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from plan_docs import WRITERS, Spec, SpecTable, cells

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _plan(tmp_path: Path) -> bytes:
    rows = [
        cells("TT", "Nội dung nhiệm vụ", "Đơn vị", "Cơ quan phối hợp", "Thời hạn"),
        cells("1", "Xây dựng cổng dữ liệu mở", "Sở Khoa học và Công nghệ", "Sở Tài chính", "Quý IV/2025"),
    ]
    return WRITERS["docx"](Spec(["Số: 77/KH-UBND"], [SpecTable(rows)]), tmp_path / "p.docx").read_bytes()


def test_upload_preview_correct_a_role_and_import(officer: Web, tmp_path: Path) -> None:
    csrf = officer.csrf(officer.client.get("/officers/plans/import").text)
    before = snapshot(officer.engine)
    files = {"plan": ("ke-hoach.docx", _plan(tmp_path), "application/octet-stream")}
    shown = officer.client.post("/officers/plans/preview", data={"csrf": csrf}, files=files)
    assert shown.status_code == 200, shown.text
    assert "Xây dựng cổng dữ liệu mở" in shown.text and "lead agency" in shown.text
    assert snapshot(officer.engine) == before  # the preview writes nothing
    token = shown.text.split('name="token" value="')[1].split('"')[0]
    again = officer.client.post("/officers/plans/preview", data={"csrf": csrf, "token": token, "role_4": "extra"})
    assert again.status_code == 200 and "extra field" in again.text
    done = officer.client.post("/officers/plans/import", data={"csrf": csrf, "token": token, "role_4": "extra"})
    assert done.status_code == 200 and "Đã nhập kế hoạch 77/KH-UBND" in done.text
    with officer.session() as s:
        plan = s.execute(select(Plan).where(Plan.number == "77/KH-UBND")).scalar_one()
        task = s.execute(select(Task).where(Task.plan_id == plan.id)).scalar_one()
        assert task.coordinating_raw == "" and task.extra == {"Cột 4": "Sở Tài chính"}


def test_a_bad_upload_shows_its_error_and_writes_nothing(officer: Web) -> None:
    csrf = officer.csrf(officer.client.get("/officers/plans/import").text)
    before = snapshot(officer.engine)
    files = {"plan": ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "application/msword")}
    shown = officer.client.post("/officers/plans/preview", data={"csrf": csrf}, files=files)
    assert shown.status_code == 422 and "save it as .docx" in shown.text
    refused = officer.client.post("/officers/plans/preview", data={"csrf": "forged"}, files=files)
    assert refused.status_code == 403
    assert snapshot(officer.engine) == before
