"""``dondoc status load`` (issue 11 point 4) on SQLite and PostgreSQL: a sheet of 10 rows with 2 bad ones
loads 8, reports the 2 by row number, and the next daily run does not chase those 8; "in progress" keeps
the cycle followed; loading again records nothing new; the CLI on a CSV with English headers."""

import json
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlmodel import Session
from typer.testing import CliRunner

from cli.main import app as cli
from config.app import build_app
from models.domain.states import CycleStatus
from models.services.daily import evaluate_day
from models.services.status_load import load_status
from models.store.answer_tables import Answer, AnswerReview
from models.store.cycle_tables import Cycle, Notification, ReminderLedger
from models.store.plan_tables import Task

DAY = date(2025, 7, 5)
HEADER = ["STT nhiệm vụ", "Cơ quan", "Tình trạng", "Số văn bản", "Ngày", "Ghi chú"]
runner = CliRunner()


@pytest.fixture
def app(imported_url, cli_env, _cached_config):  # type: ignore[no-untyped-def]
    directory, policy = _cached_config
    return build_app(directory=directory, policy=policy, migrate=False)


def _done_tasks(engine, directory) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Eight (task number, lead agency as written) of tasks led by one agency, with a dated deadline or
    ongoing (periodic reports): some have cycles open on DAY, some due later than the look-ahead."""
    with Session(engine) as s:
        tasks = s.execute(
            select(Task.number, Task.lead_raw)
            .where(Task.deadline_kind.in_(["one_off", "recurring", "range", "ongoing"]))  # type: ignore[attr-defined]
            .order_by(Task.position)
        ).all()
    picked = [(n, lead) for n, lead in tasks if directory.match(lead) is not None and "," not in lead]
    assert len(picked) >= 8, picked
    return picked[:8]


def _sheet(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _messages_for(engine, numbers: list[str]) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        # A day's message lists many cycles: the ledger says which message carried each cycle's steps.
        return s.execute(
            select(func.count(func.distinct(Notification.id)))
            .select_from(ReminderLedger)
            .join(Notification, Notification.key == ReminderLedger.notification_key)
            .join(Cycle, Cycle.id == ReminderLedger.cycle_id)
            .join(Task, Task.id == Cycle.task_id)
            .where(Task.number.in_(numbers))  # type: ignore[attr-defined]
        ).scalar_one()


def test_ten_rows_two_bad_eight_loaded_and_not_chased(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rt = app.runtime
    done = _done_tasks(app.engine, rt.directory)
    rows: list[list[object]] = [
        [n, lead, "Đã hoàn thành", f"{i}/QĐ-UBND", "30/06/2025", "xong"] for i, (n, lead) in enumerate(done, 1)
    ]
    rows.insert(2, ["999", "Sở Nội vụ", "Đã hoàn thành", "", "", ""])  # row 4: no such task
    rows.insert(7, [done[0][0], "Sở Nội vụ", "Sắp xong", "", "", ""])  # row 9: status not understood
    path = _sheet(tmp_path / "tinh-hinh.xlsx", rows)

    result = load_status(rt, path, DAY)
    assert result.loaded == 8 and result.closed >= 8
    assert [e["row"] for e in result.errors] == [4, 9]
    assert "999" in result.errors[0]["message"] and "Sắp xong" in result.errors[1]["message"]

    numbers = [n for n, _ in done]
    with Session(app.engine) as s:
        ids = list(
            s.execute(select(Cycle.id).join(Task, Task.id == Cycle.task_id).where(Task.number.in_(numbers))).scalars()  # type: ignore[attr-defined]
        )
        assert ids
        statuses = set(s.execute(select(Cycle.status).where(Cycle.id.in_(ids))).scalars())  # type: ignore[union-attr]
        assert CycleStatus.accepted in statuses
        assert s.execute(select(func.count()).select_from(Answer).where(Answer.cycle_id.in_(ids))).scalar_one() >= 8  # type: ignore[attr-defined]
        assert s.execute(select(func.count()).select_from(AnswerReview)).scalar_one() == result.closed

    day = evaluate_day(rt, DAY)
    assert day.queued > 0  # the rest of the plan is chased…
    lead_messages = 0
    with Session(app.engine) as s:
        for number, lead in done:
            agency = rt.directory.route(rt.directory.match(lead).code, DAY)[0]
            lead_messages += s.execute(
                select(func.count())
                .select_from(Notification)
                .join(Cycle, Cycle.id == Notification.cycle_id)
                .join(Task, Task.id == Cycle.task_id)
                .where(Task.number == number, Cycle.role == "lead", Notification.recipient.like(f"{agency.code}%"))  # type: ignore[attr-defined]
            ).scalar_one()
    assert lead_messages == 0  # …but not the work already done

    again = load_status(rt, path, DAY)  # the same sheet again: nothing new
    assert (again.closed, again.already_closed >= 8, [e["row"] for e in again.errors]) == (0, True, [4, 9])


def test_in_progress_records_progress_and_stays_followed(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rt = app.runtime
    number, lead = _done_tasks(app.engine, rt.directory)[0]
    path = _sheet(tmp_path / "s.xlsx", [[number, lead, "Đang thực hiện", "", "", "đã có dự thảo"]])
    result = load_status(rt, path, DAY)
    assert (result.loaded, result.closed, result.errors) == (1, 0, [])
    assert result.progress >= 1
    with Session(app.engine) as s:
        answer = s.execute(select(Answer)).scalars().first()
        assert answer is not None and answer.status == "in_progress" and answer.done_text == "đã có dự thảo"
        cycle = s.get(Cycle, answer.cycle_id)
        assert cycle is not None and cycle.status not in (CycleStatus.answered, CycleStatus.accepted)
    evaluate_day(rt, DAY)
    assert _messages_for(app.engine, [number]) > 0  # in progress: still reminded


def test_cli_status_load_csv(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    number, lead = _done_tasks(app.engine, app.runtime.directory)[0]
    path = tmp_path / "status.csv"
    path.write_text(
        f"task,agency,status,document number,date,note\n{number},{lead},done,12/BC-SNV,2025-06-30,\n"
        "7,Sở Không Có,done,,,\n4,Sở Nội vụ,done,,31/02/2025,\n",
        encoding="utf-8",
    )
    out = runner.invoke(cli, ["status", "load", str(path), "--today", "2025-07-05", "--json"])
    assert out.exit_code == 1, out.output
    data = json.loads(out.stdout)
    assert data["loaded"] == 1 and [e["row"] for e in data["errors"]] == [3, 4]
    assert "Sở Không Có" in data["errors"][0]["message"] and "31/02/2025" in data["errors"][1]["message"]
    bad = runner.invoke(cli, ["status", "load", str(tmp_path / "x.pdf")])
    assert bad.exit_code == 2
