"""The CLI's human output speaks Vietnamese (issue 12, point 3): no raw step, status, role or rule-kind code
and no ISO or UTC timestamp in `plan show`, `cycles`, `outbox` or `users list` for the shipped plan's
data; `--json` keeps the codes (officers' scripts read them). SQLite and PostgreSQL."""

import json
import re

import pytest
from typer.testing import CliRunner

from cli.main import app as cli
from models.domain.states import CycleStatus, NotificationStatus

runner = CliRunner()
RAW = re.compile(
    r"\[(one_off|recurring|range|ongoing|external|unrecognized)\]"
    r"|\b(lead|coordinating|monitoring)\b"
    r"|\d{4}-\d\d-\d\d"  # ISO dates / timestamps
    r"|\+00:00"
)


@pytest.fixture
def seeded_cli(seeded_url: str, cli_env: str) -> str:
    return seeded_url


@pytest.mark.parametrize("args", [["plan", "show"], ["cycles"], ["outbox"], ["users", "list"]])
def test_human_output_has_no_raw_codes(seeded_cli: str, args: list[str]) -> None:
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip()
    assert not (found := RAW.findall(result.stdout)), (args, found[:5])
    # The state machines' codes as words of their own ("overdue", "pending", "sent" …).
    codes = {s.value for s in CycleStatus} | {s.value for s in NotificationStatus}
    assert not (set(re.findall(r"[a-z_]+", result.stdout)) & codes), args


def test_json_keeps_the_codes(seeded_cli: str) -> None:
    rows = json.loads(runner.invoke(cli, ["cycles", "--json"]).stdout)
    assert rows and {r["status"] for r in rows} <= {s.value for s in CycleStatus}
    assert {r["role"] for r in rows} <= {"lead", "coordinating", "monitoring"}
