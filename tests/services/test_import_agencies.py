"""Agencies of other issuers at import (issue 10 point 6), on SQLite and PostgreSQL: a national
document routes "the provinces" to this province's focal agency (never its communes) and keeps national
bodies external; another province's plan leaves its provincial names for an officer, with suggestions."""

import json
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlmodel import Session
from typer.testing import CliRunner

from cli.main import app as cli
from config.files import SHIPPED_AGENCIES
from config.policy import PolicyConfig, load_policy
from models.domain.agencies import Directory
from models.services.importer import import_plan
from models.services.plan_view import plan_view
from models.store.plan_tables import Agency, Task, TaskAgency

DATA = Path(__file__).resolve().parents[1] / "data"
NATIONAL = DATA / "agencies" / "national-plan.txt"
OTHER_PROVINCE = DATA / "plans" / "other-province-lettered.txt"
ON = date(2025, 9, 1)  # after the ministries' merger and the end of the district level
runner = CliRunner()


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.load(SHIPPED_AGENCIES)


@pytest.fixture(scope="module")
def policy() -> PolicyConfig:
    return load_policy()


def _tasks(engine, directory: Directory) -> dict[str, dict]:
    view = plan_view(engine, directory, number=None, on=ON)
    assert view is not None
    return {t["number"]: t for t in view["tasks"]}


def test_national_document_routes_the_provinces_to_the_focal_agency(engine, directory, policy) -> None:
    report = import_plan(engine, NATIONAL, directory, policy)
    assert report.as_json()["issuer_scope"]["scope"] == "national"  # from the number's "QĐ-TTg": no UBND issuer line
    tasks = _tasks(engine, directory)
    focal = directory.agencies["so-khcn"].name
    communes = {a.name for a in directory.agencies.values() if a.kind == "ubnd_xa"}
    # "UBND các tỉnh, thành phố trực thuộc trung ương" and "Các bộ, ngành, địa phương": this province
    assert tasks["2"]["lead_today"] == [focal]
    assert tasks["3"]["lead_today"] == [focal]
    assert tasks["5"]["coordinating_today"] == [focal]  # "Các địa phương"
    for task in tasks.values():
        assert not communes & set(task["lead_today"] + task["coordinating_today"]), task["number"]
    # national bodies are external: the Supreme Court is not the provincial court, Bộ Tài chính not the Sở
    assert [e["code"] for e in tasks["4"]["lead"]] == ["tw-tand-toi-cao"]
    assert [e["code"] for e in tasks["4"]["coordinating"]] == ["tw-vksnd-toi-cao", "tw-bo-cong-an"]
    assert [e["code"] for e in tasks["1"]["coordinating"]] == ["tw-bo-tu-phap", "tw-bo-khcn", "tw-bo-nganh"]
    assert tasks["1"]["coordinating_today"] == ["Bộ Tư pháp", "Bộ Khoa học và Công nghệ"]  # the group: nobody
    # "Sở Tài chính các tỉnh, thành phố" is this province's Sở; the HCMC centre is left for an officer
    assert [e["code"] for e in tasks["6"]["lead"]] == ["so-tai-chinh"]
    assert report.unresolved_agencies == ["Trung tâm Chuyển đổi số Thành phố Hồ Chí Minh"]
    with Session(engine) as s:
        national = s.execute(select(Agency.code, Agency.kind, Agency.email).where(Agency.code.like("tw-%"))).all()
    assert national and all(kind in {"bo_nganh", "trung_uong"} and email is None for _, kind, email in national)


def test_a_national_document_with_an_unknown_number_is_known_by_its_cells(engine, directory, policy, tmp_path) -> None:
    path = tmp_path / "national-unknown-number.txt"
    path.write_text(NATIONAL.read_text(encoding="utf-8").replace("QĐ-TTg", "QĐ-XYZ"), encoding="utf-8")
    report = import_plan(engine, path, directory, policy)
    assert report.plan == "999/QĐ-XYZ" and report.as_json()["issuer_scope"]["scope"] == "national"
    assert _tasks(engine, directory)["3"]["lead_today"] == [directory.agencies["so-khcn"].name]


def test_other_province_plan_flags_its_provincial_names(engine, directory, policy) -> None:
    report = import_plan(engine, OTHER_PROVINCE, directory, policy)
    assert report.as_json()["issuer_scope"]["scope"] == "other_province"
    assert "Sở Tư pháp" in report.unresolved_agencies and "Sở Tài chính" in report.unresolved_agencies
    suggestion = {"name": "Sở Tư pháp", "code": "so-tu-phap", "why": "other-province"}
    assert suggestion in report.as_json()["agency_suggestions"]
    with Session(engine) as s:
        routed = s.execute(select(Agency.code).join(TaskAgency, TaskAgency.agency_id == Agency.id).join(Task)).scalars()
        assert not [code for code in routed if not code.startswith("tw-")]  # nothing routed to our Sở
        rows = s.execute(select(TaskAgency.raw_name).where(TaskAgency.agency_id.is_(None))).scalars().all()
    assert "Sở Tư pháp" in rows  # the name as written is kept, unrouted


def test_own_plan_is_unchanged(engine, directory, policy, plan_path) -> None:
    report = import_plan(engine, plan_path, directory, policy)
    assert report.as_json()["issuer_scope"]["scope"] == "own"
    assert report.unresolved_agencies == [] and report.as_json()["agency_suggestions"] == []


def test_cli_json_reports_scope_and_suggestions(cli_env) -> None:
    result = runner.invoke(cli, ["plan", "import", str(OTHER_PROVINCE), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["issuer_scope"]["scope"] == "other_province"
    assert {"name": "Sở Tư pháp", "code": "so-tu-phap", "why": "other-province"} in data["agency_suggestions"]
    human = runner.invoke(cli, ["plan", "import", str(OTHER_PROVINCE)])
    assert "gợi ý / suggestion: 'Sở Tư pháp' → so-tu-phap (other-province)" in human.output


def test_unresolved_names_list_suggestions_and_a_confirmation_settles_one(engine, directory, policy) -> None:
    from models.services.unresolved import unresolved_names

    import_plan(engine, OTHER_PROVINCE, directory, policy)
    rows = {r["name"]: r for r in unresolved_names(engine, directory)}
    tu_phap = rows["Sở Tư pháp"]
    assert tu_phap["plan"] == "118/KH-UBND" and tu_phap["scope"] == "other_province"
    assert tu_phap["suggestion"] == {"code": "so-tu-phap", "agency": "Sở Tư pháp", "why": "other-province"}
    assert "task 1 (lead)" in tu_phap["where"]
    assert tu_phap["confirm"] == '- {plan: "118/KH-UBND", name: "Sở Tư pháp", code: so-tu-phap}'
    # the officer adds the printed line to confirmed_names and imports again: routed for this plan only
    data = yaml.safe_load(SHIPPED_AGENCIES.read_text(encoding="utf-8"))
    data["confirmed_names"] = yaml.safe_load(tu_phap["confirm"])
    confirmed = Directory.from_dict(data, base=SHIPPED_AGENCIES.parent)
    report = import_plan(engine, OTHER_PROVINCE, confirmed, policy)
    assert report.changed and "Sở Tư pháp" not in report.unresolved_agencies
    tasks = _tasks(engine, confirmed)
    assert tasks["1"]["lead_today"] == ["Sở Tư pháp"]
    assert "Sở Tư pháp" not in {r["name"] for r in unresolved_names(engine, confirmed)}
    assert confirmed.resolve_cell("Sở Tư pháp", scope="other_province", plan="9/KH-UBND").codes == []


def test_cli_agencies_unresolved(cli_env) -> None:
    assert runner.invoke(cli, ["plan", "import", str(OTHER_PROVINCE)]).exit_code == 0
    result = runner.invoke(cli, ["agencies", "unresolved", "--json"])
    assert result.exit_code == 0, result.output
    names = {r["name"] for r in json.loads(result.stdout)}
    assert {"Sở Tư pháp", "Sở Tài chính"} <= names
    human = runner.invoke(cli, ["agencies", "unresolved"])
    assert "gợi ý / suggestion: Sở Tư pháp (so-tu-phap, other-province)" in human.output


def test_daily_run_of_a_national_plan_opens_cycles_for_the_focal_agency_and_messages_no_national_body(
    cli_env, directory, policy
) -> None:
    from config.app import build_app
    from models.services.daily import evaluate_day
    from models.store.cycle_tables import Cycle, Notification

    app = build_app(directory=directory, policy=policy, migrate=False)
    import_plan(app.engine, NATIONAL, directory, policy)
    evaluate_day(app.runtime, date(2025, 12, 20))
    with Session(app.engine) as s:
        kinds = dict(s.execute(select(Agency.id, Agency.kind)).all())
        codes = dict(s.execute(select(Agency.id, Agency.code)).all())
        by_task = {number: {codes[a] for a in ids} for number, ids in _cycle_agencies(s, Task, Cycle).items()}
        notified = set(s.execute(select(Notification.agency_id)).scalars())  # who messages go to
    assert by_task["2"] == {"so-khcn"} and by_task["3"] == {"so-khcn"}  # the provinces: this one's focal agency
    assert "tw-bo-cong-an" in by_task["1"]  # a national body is tracked …
    assert not {code for ids in by_task.values() for code in ids if code.startswith("ubnd-")}  # no commune
    assert notified and not [a for a in notified if kinds[a] in {"bo_nganh", "trung_uong"}]  # … not messaged


def _cycle_agencies(session: Session, task_table, cycle_table) -> dict[str, set[int]]:  # type: ignore[no-untyped-def]
    rows = session.execute(
        select(task_table.number, cycle_table.agency_id)
        .join(cycle_table, cycle_table.task_id == task_table.id)
        .where(cycle_table.role == "lead")
    ).all()
    out: dict[str, set[int]] = {}
    for number, agency_id in rows:
        out.setdefault(number, set()).add(agency_id)
    return out


def test_a_round_never_takes_an_agency_typed_without_diacritics(cli_env, directory, policy) -> None:
    from config.app import build_app
    from models.services.rounds import RoundError, RoundRequest, open_round

    app = build_app(directory=directory, policy=policy, migrate=False)
    import_plan(app.engine, NATIONAL, directory, policy)
    request = RoundRequest(title="Báo cáo nhanh", due_on=date(2026, 1, 30), agencies=["So Tai chinh"])
    with Session(app.engine) as s, pytest.raises(RoundError) as info:
        open_round(app.runtime, s, request, date(2026, 1, 5))
    assert "'So Tai chinh'" in str(info.value) and "did you mean 'so-tai-chinh'" in str(info.value)
