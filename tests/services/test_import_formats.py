"""Importing plans of every format into the database (SQLite and PostgreSQL): the seed plan as a Word
file imports like its text copy (same tasks, agencies and deadline rules), extra columns are stored per
task and shown by ``plan show``, ``--json`` accounts for every source row, ``--preview`` writes nothing,
and a bad file leaves the database untouched."""

import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session
from typer.testing import CliRunner

from cli.main import app as cli
from config.files import SHIPPED_AGENCIES
from config.policy import PolicyConfig, load_policy
from models.domain.agencies import Directory
from models.domain.plan_reader import PlanFormatError, read_plan_file
from models.services.importer import import_plan
from models.store.plan_tables import Plan, Task, TaskAgency

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from plan_docs import WRITERS, Spec, SpecTable, cells, seed_spec

CORPUS = Path(__file__).resolve().parents[1] / "data" / "plans" / "corpus"
runner = CliRunner()


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.load(SHIPPED_AGENCIES)


@pytest.fixture(scope="module")
def policy() -> PolicyConfig:
    return load_policy()


def _routing(engine) -> list[tuple[str, str, str, str | None]]:
    with Session(engine) as s:
        rows = s.execute(
            select(Task.number, Task.deadline_kind, TaskAgency.role, TaskAgency.agency_id)
            .join(TaskAgency, TaskAgency.task_id == Task.id)
            .order_by(Task.position, TaskAgency.role, TaskAgency.position)
        ).all()
    return [tuple(row) for row in rows]


def test_the_seed_as_word_imports_like_the_text_copy(engine, plan_path, directory, policy, tmp_path) -> None:
    docx = WRITERS["docx"](seed_spec(read_plan_file(plan_path)), tmp_path / "25-KH-UBND.docx")
    first = import_plan(engine, plan_path, directory, policy)
    text_routing = _routing(engine)
    again = import_plan(engine, docx, directory, policy)  # the same plan, now from Word
    assert (again.tasks, again.indicators, again.unresolved_agencies) == (68, 42, first.unresolved_agencies)
    assert again.as_json()["unaccounted"] == 0 and again.as_json()["rows"]["tasks"] == 68
    assert _routing(engine) == text_routing  # same agencies and deadline rules, task by task
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(Task)).scalar_one() == 68


def test_extra_columns_are_stored_and_shown(cli_env, tmp_path) -> None:
    result = runner.invoke(cli, ["plan", "import", str(CORPUS / "03-two-row-header.docx"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"tasks", "indicators", "rows", "unaccounted", "unresolved_agencies", "warnings", "changed"}
    assert data["rows"]["tasks"] == 2 and data["unaccounted"] == 0 and data["format"] == "docx"
    shown = json.loads(runner.invoke(cli, ["plan", "show", "--json", "--task", "1"]).stdout)
    assert shown["tasks"][0]["extra"]["Nguồn kinh phí"] == "Ngân sách tỉnh"
    text = runner.invoke(cli, ["plan", "show", "--task", "2"]).stdout
    assert "Người đứng đầu chịu trách nhiệm: Trưởng Thuế tỉnh" in text


def test_ignored_rows_are_listed_in_the_json(cli_env) -> None:
    result = runner.invoke(cli, ["plan", "import", str(CORPUS / "11-pipes.md"), "--json"])
    data = json.loads(result.stdout)
    assert data["rows"]["ignored"] == [
        {"line": 17, "text": "Ghi chú: kinh phí theo dự toán được giao hằng năm", "why": "a note under the table"}
    ]
    assert data["rows"]["merged"] == 3 and data["unaccounted"] == 0


def test_preview_writes_nothing_and_excerpt_options_are_used(cli_env, engine, tmp_path) -> None:
    spec = Spec(
        ["PHỤ LỤC"],
        [
            SpecTable(
                [
                    cells("TT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"),
                    cells("1", "Rà soát", "Sở Y tế", "2025"),
                ]
            )
        ],
    )
    path = WRITERS["xlsx"](spec, tmp_path / "excerpt.xlsx")
    shown = runner.invoke(cli, ["plan", "import", str(path), "--preview", "--json", "--number", "3/KH-UBND"])
    assert shown.exit_code == 0, shown.output
    preview = json.loads(shown.stdout)
    assert preview["number"] == "3/KH-UBND" and preview["tasks"][0]["lead"] == "Sở Y tế"
    assert [c["role"] for c in preview["tables"][0]["columns"]] == ["number", "title", "lead agency", "deadline"]
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(Plan)).scalar_one() == 0
    done = runner.invoke(
        cli, ["plan", "import", str(path), "--number", "3/KH-UBND", "--issued", "2025-02-01", "--issuer", "Tỉnh Hà Nam"]
    )
    assert done.exit_code == 0, done.output
    with Session(engine) as s:
        plan = s.execute(select(Plan)).scalar_one()
        assert (plan.number, plan.issued_on.isoformat(), plan.issuer) == ("3/KH-UBND", "2025-02-01", "Tỉnh Hà Nam")


def test_a_bad_word_file_leaves_the_database_untouched(engine, directory, policy, tmp_path, cli_env) -> None:
    rows = [
        cells("TT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"),
        cells("1", "A", "Sở Y tế", "2025"),
        cells("1", "B", "Sở Y tế", "2025"),
    ]
    path = WRITERS["docx"](Spec(["Số: 4/KH-UBND"], [SpecTable(rows)]), tmp_path / "bad.docx")
    with pytest.raises(PlanFormatError, match=r"table 1 row 2 and table 1 row 3"):
        import_plan(engine, path, directory, policy)
    result = runner.invoke(cli, ["plan", "import", str(path)])
    assert result.exit_code == 2 and "table 1 row 3" in result.output
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(Plan)).scalar_one() == 0


def test_columns_from_a_mapping_file_and_an_upper_case_header(cli_env, engine, tmp_path) -> None:
    header = cells("STT", "NỘI DUNG CÔNG VIỆC", "ĐƠN VỊ", "ĐƠN VỊ PHỐI HỢP", "THỜI HẠN")
    rows = [header, cells("1", "Rà soát thủ tục", "Sở Nội vụ", "Sở Tư pháp", "Năm 2025")]
    path = WRITERS["docx"](Spec(["Số: 9/KH-UBND"], [SpecTable(rows)]), tmp_path / "upper.docx")
    mapping = tmp_path / "columns.txt"
    mapping.write_text("3=coordinating\n4=lead\n", encoding="utf-8")
    result = runner.invoke(cli, ["plan", "import", str(path), "--columns", str(mapping), "--json"])
    assert result.exit_code == 0, result.output
    with Session(engine) as s:
        task = s.execute(select(Task)).scalar_one()
        assert (task.lead_raw, task.coordinating_raw) == ("Sở Tư pháp", "Sở Nội vụ")
    bad = runner.invoke(cli, ["plan", "import", str(path), "--columns", "3=chief"])
    assert bad.exit_code == 2 and "N=role" in bad.output
