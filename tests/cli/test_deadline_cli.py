"""``dondoc deadline explain`` through typer's CliRunner."""

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.deadline import app

runner = CliRunner()
FIELDS = {"text", "kind", "due", "reminders"}


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["explain", *args])
    return result.exit_code, result.output


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_json_one_object_per_phrase() -> None:
    code, out = run("Tháng 8/2025", "Thường xuyên", "--from", "2025-01-24", "--json")
    assert code == 0
    month, ongoing = lines(out)
    assert set(month) >= FIELDS and "reason" not in month
    assert month["kind"] == "one_off"
    assert month["due"] == [
        {
            "nominal": "2025-08-31",
            "effective": "2025-09-03",
            "label": "Tháng 8/2025",
            "period_key": "2025-08",
            "is_final": False,
        }
    ]
    assert month["reminders"][0] == {"date": "2025-08-04", "step": "open"}
    assert {"date": "2025-09-03", "step": "due"} in month["reminders"]
    assert month["explain_vi"] and month["explain_en"]
    assert ongoing["kind"] == "ongoing" and ongoing["due"] == [] and ongoing["reminders"] == []
    assert ongoing["reports"][0]["label"] == "Báo cáo 6 tháng đầu năm 2025"
    assert "Tháng 8/2025" in out  # ensure_ascii=False: Vietnamese stays readable


def test_count_and_range_due() -> None:
    code, out = run("Hằng năm", "Năm 2025 và giai đoạn 2026 - 2030", "--from", "2025-01-24", "--json", "-n", "2")
    assert code == 0
    yearly, window = lines(out)
    assert [d["nominal"] for d in yearly["due"]] == ["2025-12-31", "2026-12-31"]
    # A window always lists all its milestones and ends with the final due date.
    assert len(window["due"]) == 6
    assert window["due"][-1]["label"] == "Hạn cuối 2030" and window["due"][-1]["is_final"]


def test_previous_year_rule() -> None:
    code, out = run("Tháng 11 của năm trước", "--from", "2025-01-24", "--json")
    assert code == 0
    (view,) = lines(out)
    assert view["kind"] == "recurring"
    first = view["due"][0]
    assert (first["nominal"], first["effective"], first["label"]) == (
        "2025-11-30",
        "2025-12-01",
        "Kế hoạch năm 2026",
    )


def test_unrecognized_exit_code_and_reason() -> None:
    code, out = run("Tháng 7/2025", "Tháng 13/2025", "--from", "2025-01-24", "--json")
    assert code == 2
    ok, bad = lines(out)
    assert ok["kind"] == "one_off"
    assert bad["kind"] == "unrecognized" and "month 13" in bad["reason"] and bad["needs_officer"]
    assert bad["due"] == [] and bad["reminders"] == []


def test_external_is_recognized() -> None:
    code, out = run("Khi có yêu cầu", "--json")
    assert code == 0
    (view,) = lines(out)
    assert view["kind"] == "external" and view["needs_officer"] and "reason" not in view


def test_file_input(tmp_path: Path) -> None:
    path = tmp_path / "phrases.txt"
    path.write_text("\ufeffTháng 7/2025\n\n2025 - 2026\nQuý I/2026\n", encoding="utf-8")
    code, out = run("--file", str(path), "--from", "2025-01-24", "--json")
    assert code == 0
    assert [v["text"] for v in lines(out)] == ["Tháng 7/2025", "2025 - 2026", "Quý I/2026"]


def test_human_output() -> None:
    code, out = run("Tháng 8/2025", "--from", "2025-01-24")
    assert code == 0
    assert "31/08/2025 (CN) → 03/09/2025 (T4)" in out
    assert (
        "VI:" in out and "EN:" in out and "Nhắc trước hạn 14 ngày làm việc" in out and "before_14" not in out
    )  # codes: --json


def test_coordinating_role() -> None:
    code, out = run("Tháng 8/2025", "--from", "2025-01-24", "--json", "--role", "coordinating")
    assert code == 0
    assert {"date": "2025-08-25", "step": "due"} in lines(out)[0]["reminders"]


def test_errors() -> None:
    assert run()[0] == 2
    assert run("Năm 2025", "--from", "someday")[0] == 2
    assert run("Năm 2025", "--role", "boss")[0] == 2
    assert run("--file", "/nonexistent/phrases.txt")[0] == 2


def test_policy_option(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("horizon: 2026-12-31\n", encoding="utf-8")
    code, out = run("Hằng năm", "--from", "2025-01-24", "--json", "--policy", str(policy))
    assert code == 0
    assert [d["nominal"] for d in lines(out)[0]["due"]] == ["2025-12-31", "2026-12-31"]
    policy.write_text("horizon: soon\n", encoding="utf-8")
    code, out = run("Hằng năm", "--policy", str(policy))
    assert code == 2


def test_default_from_is_today() -> None:
    from models.domain.clock import today_local

    code, out = run("Hằng tháng", "--json", "-n", "1")
    assert code == 0
    due = lines(out)[0]["due"]
    assert len(due) <= 1
    assert all(d["nominal"] >= today_local().isoformat() for d in due)


def test_before_a_date_on_a_day_off_rolls_back_and_says_so() -> None:
    code, out = run("Trước ngày 30/11/2025", "--from", "2025-01-24", "--json")
    assert code == 0
    (view,) = lines(out)
    assert view["due"][0]["nominal"] == "2025-11-29" and view["due"][0]["effective"] == "2025-11-28"
    assert view["due"][0]["rolled_back"] is True
    assert "ngày làm việc liền trước" in view["explain_vi"]
    code, out = run("Trước ngày 30/11/2025", "--from", "2025-01-24")
    assert code == 0
    assert "29/11/2025 (T7) → 28/11/2025 (T6)" in out and "rolled back" in out


def test_sentence_parts_in_json() -> None:
    code, out = run("Thường xuyên, định kỳ hằng quý báo cáo về Sở Tài chính", "--from", "2025-01-24", "--json")
    assert code == 0
    (view,) = lines(out)
    assert view["kind"] == "ongoing" and view["report_to"] == "Sở Tài chính"
    assert view["report_kinds"] == ["quarterly"] and view["reports"][0]["period_key"] == "report-2025-Q1"
    code, out = run("Năm 2026, ưu tiên hoàn thành sớm", "--json")
    assert code == 2 and lines(out)[0]["kind"] == "unrecognized"
