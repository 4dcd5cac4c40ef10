"""Plan import into the database (SQLite and PostgreSQL): counts, quirks, idempotency, bad input,
and the CLI commands an officer uses (`plan import`, `plan show`, `agencies`, `agencies load`)."""

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session
from typer.testing import CliRunner

from cli.main import app as cli
from config.files import SHIPPED_AGENCIES
from config.policy import PolicyConfig, load_policy
from models.domain.agencies import Directory
from models.domain.indicators import parse_target
from models.domain.plan_reader import PlanFormatError
from models.services.importer import import_plan
from models.store.plan_tables import Agency, AgencyAlias, Indicator, IndicatorAgency, Plan, Task, TaskAgency

DATA = Path(__file__).resolve().parents[1] / "data" / "plans"
runner = CliRunner()


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.load(SHIPPED_AGENCIES)


@pytest.fixture(scope="module")
def policy() -> PolicyConfig:
    return load_policy()


def test_import_real_plan_counts_and_idempotency(engine, plan_path, directory, policy) -> None:
    first = import_plan(engine, plan_path, directory, policy)
    assert (first.plan, first.tasks, first.indicators) == ("25/KH-UBND", 68, 42)
    assert first.unresolved_agencies == []
    assert first.changed is True
    second = import_plan(engine, plan_path, directory, policy)
    assert second.changed is False
    assert second.as_json()["tasks"] == 68
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(Task)).scalar_one() == 68
        assert s.execute(select(func.count()).select_from(Plan)).scalar_one() == 1
        subs = s.execute(select(Indicator.code).where(Indicator.parent_code == "8")).scalars().all()
        assert sorted(subs, key=lambda c: int(c.split(".")[1])) == [f"8.{i}" for i in range(1, 13)]
        assert s.execute(select(Indicator.horizon).where(Indicator.code == "26")).scalar_one() == 2045
        assert s.execute(select(Indicator.horizon).where(Indicator.code == "18.2")).scalar_one() == 2030


def test_import_keeps_raw_cells_and_resolves_quirks(engine, plan_path, directory, policy) -> None:
    import_plan(engine, plan_path, directory, policy)
    with Session(engine) as s:
        codes = dict(s.execute(select(Agency.id, Agency.code)).all())
        t9 = s.execute(select(Task).where(Task.number == "9")).scalar_one()
        assert t9.lead_raw.startswith("Sỏ Khoa học và Công nghệ")  # the typo stays visible…
        leads = s.execute(select(TaskAgency).where(TaskAgency.task_id == t9.id, TaskAgency.role == "lead")).scalars()
        assert next(codes[r.agency_id] for r in leads) == "so-khcn"  # …and resolves
        t41 = s.execute(select(Task).where(Task.number == "41")).scalar_one()
        rows = s.execute(select(TaskAgency).where(TaskAgency.task_id == t41.id, TaskAgency.role == "lead")).scalars()
        names = [r.raw_name for r in rows]
        assert names[0] == "Sở Văn hóa, Thể thao và Du lịch"  # a comma inside a name is not a separator
        t1 = s.execute(select(Task).where(Task.number == "1")).scalar_one()
        coord = s.execute(
            select(TaskAgency).where(TaskAgency.task_id == t1.id, TaskAgency.role == "coordinating")
        ).scalars()
        coord_codes = [codes.get(r.agency_id) for r in coord if r.agency_id]
        assert "bao-thai-nguyen" in coord_codes and "tt-thong-tin-tinh" in coord_codes  # missing comma
        assert t1.deadline_raw == "Tháng 7/2025" and t1.deadline_kind == "one_off" and t1.section == "I"
        t33 = s.execute(select(Task).where(Task.number == "33")).scalar_one()
        assert t33.deadline_raw == "Tháng 11 của năm trước" and t33.deadline_kind == "recurring"
        # every role row resolved to an agency or a group
        unresolved = s.execute(
            select(func.count()).where(TaskAgency.agency_id.is_(None), TaskAgency.group_id.is_(None))
        ).scalar_one()
        assert unresolved == 0
        assert s.execute(select(func.count()).select_from(IndicatorAgency)).scalar_one() >= 42
        assert s.execute(select(func.count()).select_from(AgencyAlias)).scalar_one() > 56


def test_parse_target() -> None:
    assert parse_target("≥ 85") == (">=", 85.0, None)
    assert parse_target("> 0,75") == (">", 0.75, None)
    assert parse_target("16-18") == ("range", 16.0, 18.0)
    assert parse_target("100") == ("=", 100.0, None)
    assert parse_target("≤ n10")[0] == "text"
    assert parse_target("≤ 10 các tỉnh, thành trên cả nước") == ("<=", 10.0, None)  # a rank among provinces
    assert parse_target("Các giải pháp được áp dụng tại 03 thành phố")[0] == "text"
    assert parse_target("Đạt mức tiên tiến của Việt Nam")[0] == "text"


@pytest.mark.parametrize(
    "name",
    [
        "bad-truncated.txt",
        "bad-shuffled-header.txt",
        "bad-misaligned.txt",
        "bad-binary.png",
        "bad-empty.txt",
        "bad-not-a-plan.txt",
    ],
)
def test_bad_input_fails_and_leaves_database_untouched(engine, directory, policy, name) -> None:
    path = DATA / name
    assert path.exists(), path
    with pytest.raises(PlanFormatError) as info:
        import_plan(engine, path, directory, policy)
    assert str(info.value)
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(Plan)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(Agency)).scalar_one() == 0


def test_shuffled_table_is_refused(engine, directory, policy, plan_path, tmp_path) -> None:
    """Rows of the real task table moved out of line: the reader names a line instead of guessing."""
    lines = plan_path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Tên nhiệm vụ"))
    body = lines[start + 5 : start + 60]
    shuffled = lines[: start + 5] + body[1:] + body[:1] + lines[start + 60 :]
    path = tmp_path / "shuffled.txt"
    path.write_text("\n".join(shuffled), encoding="utf-8")
    with pytest.raises(PlanFormatError) as info:
        import_plan(engine, path, directory, policy)
    assert info.value.line is not None


def test_other_province_layout_imports(engine, directory, policy) -> None:
    report = import_plan(engine, DATA / "other-province-lettered.txt", directory, policy)
    assert report.tasks > 0
    with Session(engine) as s:
        sections = set(s.execute(select(Task.section)).scalars())
    assert sections <= {"A", "B", "C", "D", "E"} and sections


def test_cli_plan_import_show_and_agencies(cli_env, plan_path, tmp_path) -> None:
    result = runner.invoke(cli, ["plan", "import", str(plan_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["tasks"] == 68 and data["unresolved_agencies"] == [] and data["updated"] is True
    assert len(data["changed"]["added"]) == 68 and data["changed"]["removed"] == []  # issue 10: the diff
    assert set(data) >= {"plan", "tasks", "indicators", "agencies", "unresolved_agencies", "warnings", "changed"}
    again = json.loads(runner.invoke(cli, ["plan", "import", str(plan_path), "--json"]).stdout)
    assert again["updated"] is False and not any(again["changed"][k] for k in ("added", "changed", "removed"))

    shown = runner.invoke(cli, ["plan", "show", "--task", "1", "--json", "--on", date.today().isoformat()])
    assert shown.exit_code == 0, shown.output
    task1 = json.loads(shown.stdout)["tasks"][0]
    assert task1["lead"][0]["as_written"] == "Sở Thông tin và Truyền thông"
    assert task1["lead_today"] == ["Sở Khoa học và Công nghệ"]
    before = json.loads(runner.invoke(cli, ["plan", "show", "--task", "1", "--json", "--on", "2025-02-01"]).stdout)
    assert before["tasks"][0]["lead_today"] == ["Sở Thông tin và Truyền thông"]
    text = runner.invoke(cli, ["plan", "show", "--task", "1"]).stdout
    assert "Sở Thông tin và Truyền thông" in text and "Sở Khoa học và Công nghệ" in text

    listed = json.loads(runner.invoke(cli, ["agencies", "--json"]).stdout)
    khcn = next(a for a in listed if a["code"] == "so-khcn")
    assert khcn["email"] and "*" in khcn["email"]  # masked by default
    tttt = next(a for a in listed if a["code"] == "so-tttt")
    assert tttt["successor"] == "so-khcn" and tttt["succeeded_on"] == "2025-03-01"


def test_cli_bad_plan_exits_with_line(cli_env) -> None:
    result = runner.invoke(cli, ["plan", "import", str(DATA / "bad-truncated.txt")])
    assert result.exit_code == 2
    assert "line" in result.output


def test_cli_agencies_load_keeps_good_rows(cli_env, tmp_path) -> None:
    csv = tmp_path / "contacts.csv"
    csv.write_text(
        "code,email,phone\n"
        "so-khcn,van.thu@khcn.example,0912 345 678\n"
        "so-tai-chinh,not-an-email,0912345679\n"
        "khong-ton-tai,a@b.example,0912345670\n"
        "so-y-te,yte@syt.example,12345\n"
        "so-xay-dung,xd@sxd.example,+84 913 000 111\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["agencies", "load", str(csv), "--json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["updated"] == 2
    assert sorted(e["row"] for e in data["errors"]) == [3, 4, 5]
    listed = json.loads(runner.invoke(cli, ["agencies", "--json", "--unmasked"]).stdout)
    khcn = next(a for a in listed if a["code"] == "so-khcn")
    assert khcn["email"] == "van.thu@khcn.example" and khcn["phone"] == "+84912345678"
    assert khcn["contacts_source"] == "loaded"
    # a later directory sync (plan import) keeps the loaded contacts
    from config.settings import SHIPPED_PLAN

    runner.invoke(cli, ["plan", "import", str(SHIPPED_PLAN)])
    listed = json.loads(runner.invoke(cli, ["agencies", "--json", "--unmasked"]).stdout)
    assert next(a for a in listed if a["code"] == "so-khcn")["email"] == "van.thu@khcn.example"
