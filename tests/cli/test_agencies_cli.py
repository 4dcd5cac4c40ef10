"""``dondoc agencies load``: a file Python's csv module cannot read is refused with a message, not a
traceback (issue 15, item 13)."""

import json
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app as cli

runner = CliRunner()


def test_agencies_load_with_an_oversized_csv_cell_is_refused_cleanly(cli_env: str, tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    huge = "x" * 131_073  # one more than csv.field_size_limit()'s default
    path.write_text(f"code,email,head_name\nso-khcn,van.thu@khcn.example,Ok\nso-y-te,a@b.example,{huge}\n")
    result = runner.invoke(cli, ["agencies", "load", str(path), "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2, result.output
    assert "contacts.csv: line 3" in result.stderr and "CSV" in result.stderr
    assert "Traceback" not in result.output and huge not in result.output
    # nothing was loaded: the file is refused as a whole
    listed = json.loads(runner.invoke(cli, ["agencies", "--json", "--unmasked"]).stdout)
    assert next(a for a in listed if a["code"] == "so-khcn")["contacts_source"] != "loaded"
