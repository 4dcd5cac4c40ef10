"""``dondoc agencies link CODE`` prints a new agency link (the agency page) and ``dondoc agencies
revoke-links CODE`` ends every live one of that agency; an unknown code exits 2 with a message."""

from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from cli.main import app as cli
from config.app import build_app
from models.services.importer import import_plan
from models.store.tokens import check_token

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
runner = CliRunner()


def test_link_then_revoke(cli_env: str, plan_path: Path) -> None:
    app = build_app()
    import_plan(app.engine, plan_path, app.runtime.directory, app.runtime.config)
    printed = [runner.invoke(cli, ["agencies", "link", "so-y-te"]) for _ in range(2)]
    assert all(r.exit_code == 0 for r in printed), printed[0].output
    tokens = [r.stdout.strip().rsplit("/r/", 1)[1] for r in printed]
    assert all(len(t) == 22 for t in tokens) and tokens[0] != tokens[1]
    with Session(app.engine) as s:
        assert all(check_token(s, t).ok and check_token(s, t).token.cycle_id is None for t in tokens)
    revoked = runner.invoke(cli, ["agencies", "revoke-links", "so-y-te"])
    assert revoked.exit_code == 0 and revoked.stdout.startswith("2 "), revoked.output
    with Session(app.engine) as s:
        assert [check_token(s, t).reason for t in tokens] == ["revoked", "revoked"]
    for command in (["agencies", "link", "khong-co"], ["agencies", "revoke-links", "khong-co"]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 2 and "no agency with code 'khong-co'" in result.stderr
