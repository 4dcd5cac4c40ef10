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


def test_the_communes_files_load_as_contacts(cli_env: str) -> None:
    """config/communes.csv and its documented template are contacts files too (``dondoc agencies load``)."""
    from config.files import SHIPPED_AGENCIES

    shipped = SHIPPED_AGENCIES.parent / "communes.csv"
    result = runner.invoke(cli, ["agencies", "load", str(shipped), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["updated"] == 92
    example = SHIPPED_AGENCIES.parent / "communes.example.csv"
    result = runner.invoke(cli, ["agencies", "load", str(example), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["updated"] == 2
    listed = json.loads(runner.invoke(cli, ["agencies", "--json", "--unmasked"]).stdout)
    tan_cuong = next(a for a in listed if a["code"] == "ubnd-x-tan-cuong")
    assert (tan_cuong["phone"], tan_cuong["contacts_source"]) == ("+84900009101", "loaded")


def test_the_listing_marks_the_agencies_to_confirm(cli_env: str) -> None:
    result = runner.invoke(cli, ["agencies"])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.stdout.splitlines() if x.startswith("cuc-thue "))
    assert "Cục Thuế tỉnh Thái Nguyên [cần xác nhận]" in line
    district = next(x for x in result.stdout.splitlines() if x.startswith("ubnd-huyen-dai-tu "))
    assert "→ xa-sau-ubnd-huyen-dai-tu từ 01/07/2025" in district
    assert "12 cơ quan cần xác nhận" in result.stdout
    listed = json.loads(runner.invoke(cli, ["agencies", "--json"]).stdout)
    assert next(a for a in listed if a["code"] == "cuc-thue")["review"]


def test_plan_show_marks_routed_agencies_to_confirm(imported_url: str, cli_env: str) -> None:
    result = runner.invoke(cli, ["plan", "show", "--task", "52", "--on", "2025-07-02"])
    assert result.exit_code == 0, result.output
    assert "Cục Thuế tỉnh Thái Nguyên [cần xác nhận]" in result.stdout
    assert "Sở Tài chính [" not in result.stdout  # an agency nobody needs to confirm has no mark
