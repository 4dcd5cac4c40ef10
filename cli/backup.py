"""``dondoc backup --out DIR`` and ``dondoc restore DIR``: the database and the answers' attachments, with
a manifest (``models.store.backup``). SQLite is copied with its online backup API, PostgreSQL with
``pg_dump`` (``pg_restore`` to restore): both while the web app and the flows keep running."""

import json
from pathlib import Path

import typer

from cli.common import console, fail


def backup_cmd(
    out: Path = typer.Option(..., "--out", help="A new (or empty) folder for this backup."),
    as_json: bool = typer.Option(False, "--json", help="Print the manifest as JSON."),
) -> None:
    """Back up the database and the attachments into OUT, with manifest.json (rows per table)."""
    from config.settings import get_settings
    from models.store.backup import BackupError, backup

    if not out.parent.is_dir():  # as `report --out`: a mistyped path is an error, not a new folder tree
        raise fail(f"--out: no folder {out.parent} (thư mục không tồn tại)", 2)
    settings = get_settings()
    try:
        manifest = backup(settings.effective_database_url, settings.effective_attachments_dir, out)
    except BackupError as exc:
        raise fail(str(exc), 1) from None
    if as_json:
        print(json.dumps(manifest.data, ensure_ascii=False))
        return
    m = manifest.data
    console.print(
        f"Đã sao lưu vào {out}: cơ sở dữ liệu {m['backend']} (phiên bản lược đồ {m['revision']}, "
        f"{sum(m['tables'].values())} dòng trong {len(m['tables'])} bảng), {m['attachments']['files']} tệp đính kèm"
    )
    console.print(f"Khôi phục / restore: dondoc restore {out} (vào một cơ sở dữ liệu trống)")


def restore_cmd(
    folder: Path = typer.Argument(..., help="A folder written by `dondoc backup`."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Restore a backup into the configured database — which must be empty (a new SQLite file, a new
    PostgreSQL database) — and its attachments into the data folder; then compare every table's rows
    with the manifest. Exit code 1 when a table differs."""
    from config.settings import get_settings
    from models.store.backup import BackupError, restore

    if not folder.is_dir():
        raise fail(f"{folder}: no such folder (không có thư mục này)", 2)
    settings = get_settings()
    try:
        result = restore(folder, settings.effective_database_url, settings.effective_attachments_dir)
    except BackupError as exc:
        raise fail(str(exc), 1) from None
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        console.print(
            f"Đã khôi phục {sum(result['tables'].values())} dòng trong {len(result['tables'])} bảng "
            f"(phiên bản lược đồ {result['revision']}); tiếp theo: dondoc db upgrade"
        )
        for name, diff in result["mismatched"].items():
            console.print(f"! bảng {name}: sao lưu {diff['expected']} dòng, khôi phục {diff['restored']}")
    if result["mismatched"]:
        raise typer.Exit(1)
