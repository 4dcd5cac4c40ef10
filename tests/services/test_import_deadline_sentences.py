"""A plan whose deadline cells are sentences imports (SQLite and PostgreSQL) with each part kept: the kind in
``Task.deadline_kind``, and the report recipient, ongoing bounds and follow-up note in ``Task.deadline_note``;
nothing is warned about, and a phrase still not understood is warned about as before."""

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from config.files import SHIPPED_AGENCIES
from config.policy import PolicyConfig, load_policy
from models.domain.agencies import Directory
from models.services.importer import import_plan
from models.store.plan_tables import Task

# Task number → (the cell as written in the seed plan, the sentence put in its place).
CELLS = {
    "64": ("Tháng 10/2027", "Thường xuyên, định kỳ hằng quý báo cáo về Sở Tài chính"),
    "45": ("Tháng 01/2027", "Ban hành trong quý I năm 2026. Thực hiện rà soát, điều chỉnh (nếu có)"),
    "13": ("Năm 2030", "Liên tục đến năm 2030"),
    "50": ("Tháng 4/2025", "Năm 2026, ưu tiên hoàn thành sớm"),
}


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.load(SHIPPED_AGENCIES)


@pytest.fixture(scope="module")
def policy() -> PolicyConfig:
    return load_policy()


@pytest.fixture
def sentence_plan(plan_path: Path, tmp_path: Path) -> Path:
    text = plan_path.read_text(encoding="utf-8")
    for old, new in CELLS.values():
        assert text.count(f"\n{old} |\n") == 1, old
        text = text.replace(f"\n{old} |\n", f"\n{new} |\n")
    out = tmp_path / "plan-with-sentences.txt"
    out.write_text(text, encoding="utf-8")
    return out


def test_sentence_deadlines_are_stored_with_their_parts(engine, sentence_plan, directory, policy) -> None:
    report = import_plan(engine, sentence_plan, directory, policy)
    assert report.tasks == 68
    with Session(engine) as s:
        rows = {t.number: t for t in s.execute(select(Task).where(Task.number.in_(list(CELLS)))).scalars()}
    assert {n: rows[n].deadline_raw for n in CELLS} == {n: new for n, (_, new) in CELLS.items()}
    assert rows["64"].deadline_kind == "ongoing"
    assert rows["64"].deadline_note.startswith("báo cáo hằng quý về Sở Tài chính")
    assert rows["45"].deadline_kind == "one_off"
    assert "Thực hiện rà soát, điều chỉnh (nếu có)" in rows["45"].deadline_note
    assert rows["13"].deadline_kind == "ongoing" and rows["13"].deadline_note == "thực hiện đến 31/12/2030"
    # Not understood: flagged for an officer, with the words it could not read.
    assert rows["50"].deadline_kind == "unrecognized" and "uu tien hoan thanh som" in rows["50"].deadline_note
    flagged = [w for w in report.warnings if "không đọc được thời hạn" in w]
    assert len(flagged) == 1 and "task 50" in flagged[0]
    assert not [w for n in ("64", "45", "13") for w in report.warnings if f"task {n} " in w and "deadline" in w]
