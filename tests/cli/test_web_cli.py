"""The web commands: ``dondoc users add|list|disable``, ``dondoc report``, ``dondoc serve`` (its wiring;
the server itself runs in the end-to-end tests and the benchmark)."""

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select
from support.web import DAY
from typer.testing import CliRunner

from cli import web as web_cli
from config.settings import get_settings
from models.services.officer_accounts import verify_password
from models.store.answer_tables import OfficerUser
from models.store.db import make_engine

runner = CliRunner()


@pytest.fixture
def env(seeded_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DONDOC_DATABASE_URL", seeded_url)
    monkeypatch.setenv("DONDOC_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    from cli import common

    common._engine.cache_clear()
    return seeded_url


def _users(url: str) -> list[OfficerUser]:
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            return list(s.exec(select(OfficerUser).order_by(OfficerUser.login)))
    finally:
        engine.dispose()


def test_users_add_reads_the_password_from_stdin(env: str) -> None:
    result = runner.invoke(
        web_cli.app,
        ["users", "add", "Thu.Ky", "--name", "Trần Văn Thư Ký", "--password-stdin"],
        input="mot-mat-khau-dai\n",
    )
    assert result.exit_code == 0, result.output
    user = next(u for u in _users(env) if u.login == "thu.ky")
    assert user.name == "Trần Văn Thư Ký" and user.active
    assert user.password_hash.startswith("$argon2id$") and "mot-mat-khau-dai" not in user.password_hash
    assert verify_password(user.password_hash, "mot-mat-khau-dai")[0]
    # Again: a new password for the same login.
    result = runner.invoke(
        web_cli.app,
        ["users", "add", "thu.ky", "--name", "Trần Văn Thư Ký", "--password-stdin"],
        input="mat-khau-moi-2025\n",
    )
    assert result.exit_code == 0 and "updated" in result.output
    user = next(u for u in _users(env) if u.login == "thu.ky")
    assert verify_password(user.password_hash, "mat-khau-moi-2025")[0]


def test_users_add_prompts_twice(env: str) -> None:
    result = runner.invoke(
        web_cli.app, ["users", "add", "nhap.tay", "--name", "A"], input="mat-khau-dai-1\nmat-khau-dai-1\n"
    )
    assert result.exit_code == 0, result.output
    assert "mat-khau-dai-1" not in result.output
    assert any(u.login == "nhap.tay" for u in _users(env))


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["users", "add", "x", "--name", "A", "--password-stdin"], "mot-mat-khau-dai\n", "login"),
        (["users", "add", "ngan", "--name", "A", "--password-stdin"], "ngan\n", "ít nhất 10 ký tự"),
        (["users", "add", "lap", "--name", "A", "--password-stdin"], "aaaaaaaaaaaa\n", "quá đơn giản"),
    ],
)
def test_users_add_refuses_bad_input(env: str, args: list[str], stdin: str, message: str) -> None:
    result = runner.invoke(web_cli.app, args, input=stdin)
    assert result.exit_code != 0 and message in result.output
    assert [u.login for u in _users(env)] == ["can.bo"]


def test_no_password_option_on_the_command_line(env: str) -> None:
    result = runner.invoke(web_cli.app, ["users", "add", "abc", "--name", "A", "--password", "secret-secret"])
    assert result.exit_code == 2  # usage error: passwords never go on the command line (shell history, ps)


def test_users_list_and_disable(env: str) -> None:
    result = runner.invoke(web_cli.app, ["users", "list", "--json"])
    rows = json.loads(result.output)
    assert rows[0]["login"] == "can.bo" and "password_hash" not in rows[0]
    assert runner.invoke(web_cli.app, ["users", "disable", "can.bo"]).exit_code == 0
    assert not _users(env)[0].active
    assert runner.invoke(web_cli.app, ["users", "disable", "nobody"]).exit_code == 1


def test_report_command_writes_the_three_formats(env: str, tmp_path: Path) -> None:
    out = tmp_path / "bc.xlsx"
    result = runner.invoke(web_cli.app, ["report", "--format", "xlsx", "--out", str(out), "--today", DAY.isoformat()])
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert "Phụ lục II" in book.sheetnames
    tasks = [r for r in book["Phụ lục II"].iter_rows(min_row=4, values_only=True) if r[1] and r[2]]
    assert len(tasks) == 68
    for fmt in ("json", "csv"):
        path = tmp_path / f"bc.{fmt}"
        result = runner.invoke(
            web_cli.app,
            ["report", "--format", fmt, "--out", str(path), "--plan", "25/KH-UBND", "--today", "20/06/2025"],
        )
        assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "bc.json").read_text(encoding="utf-8"))
    assert len(data["tasks"]) == 68 and data["today"] == DAY.isoformat()
    with (tmp_path / "bc.csv").open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["loại", "TT", "Nhiệm vụ"] and len(rows) == 1 + 68 + len(data["indicators"])
    assert runner.invoke(web_cli.app, ["report", "--format", "pdf", "--out", str(tmp_path / "x")]).exit_code == 2
    assert runner.invoke(web_cli.app, ["report", "--out", str(tmp_path / "x"), "--plan", "1/KH"]).exit_code == 2


def test_serve_starts_uvicorn_with_the_app(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    seen: dict[str, object] = {}

    def fake_run(app: object, **kwargs: object) -> None:
        seen["app"], seen["kwargs"] = app, kwargs

    monkeypatch.setattr(uvicorn, "run", fake_run)
    result = runner.invoke(web_cli.app, ["serve", "--host", "127.0.0.1", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert seen["kwargs"]["host"] == "127.0.0.1" and seen["kwargs"]["port"] == 8123  # type: ignore[index]
    assert seen["kwargs"]["proxy_headers"] is False  # type: ignore[index]
    app = seen["app"]
    assert app.url_path_for("answer_page", token="abc") == "/r/abc"  # type: ignore[attr-defined]
    assert app.url_path_for("overview") == "/officers"  # type: ignore[attr-defined]
    assert app.url_path_for("zalo_hook") == "/hooks/zalo"  # type: ignore[attr-defined]  # the webhooks are mounted
