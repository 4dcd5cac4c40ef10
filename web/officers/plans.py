"""``/officers/plans/import``: an officer uploads a plan (.docx, .xlsx, .pdf, .html, .md, .txt), sees the
preview — the tables found, the role given to each column, the first parsed rows and the row accounting —
corrects a column's role from a list when detection is unsure, and imports. The officer is the fallback
for an unknown layout, never a silent guess: nothing is written until "Nhập kế hoạch" is pressed, and the
import is the same one transaction as ``dondoc plan import`` (``models.services.importer``)."""

import re
import secrets
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from models.domain.plan_reader import ROLE_HEADERS, PlanFormatError, preview_plan
from models.services.importer import import_plan
from web.officers.common import CSRF_MAX_AGE, CSRF_PURPOSE, OfficerDep, csrf_refused, log, page
from web.pages import ctx_of

router = APIRouter(prefix="/officers")

MAX_PLAN = 20 * 2**20  # a plan file, even a long PDF, is well under this
ROLES = [
    ("", "(như hệ thống nhận diện)"),
    *((role, role) for role in ROLE_HEADERS),
    ("extra", "extra"),
    ("ignore", "ignore"),
]
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}\.(docx|xlsx|pdf|html|htm|md|txt)$")


def _folder(request: Request) -> Path:
    folder = Path(ctx_of(request).data_dir) / "plan-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _columns(form: Any) -> dict[int, str]:
    out = {}
    for key in form:
        match = re.fullmatch(r"role_(\d{1,2})", key)
        value = str(form.get(key) or "")
        if match and value in {r for r, _ in ROLES if r}:
            out[int(match.group(1))] = value
    return out


def _preview(request: Request, officer: Any, token: str, columns: dict[int, str], status: int = 200) -> Response:
    path = _folder(request) / token
    shown = preview_plan(path, columns=columns or None)
    data = {"preview": shown, "token": token, "roles": ROLES, "chosen": columns}
    return page(request, officer, "officers/plan_import.html", data, status if not shown["error"] else 422)


@router.get("/plans/import", response_class=HTMLResponse)
def import_form(request: Request, officer: OfficerDep) -> Response:
    return page(request, officer, "officers/plan_import.html", {"preview": None})


async def _form(request: Request, officer: Any) -> Any | None:
    form = await request.form(max_files=1, max_fields=100, max_part_size=MAX_PLAN)
    ctx = ctx_of(request)
    if not ctx.csrf.check(str(form.get("csrf") or ""), CSRF_PURPOSE, officer.session_hash, CSRF_MAX_AGE):
        return None
    return form


@router.post("/plans/preview", response_class=HTMLResponse)
async def preview(request: Request, officer: OfficerDep) -> Response:
    form = await _form(request, officer)
    if form is None:
        return csrf_refused(request)
    upload = form.get("plan")
    token = str(form.get("token") or "")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read()
        suffix = Path(upload.filename).suffix.lower().lstrip(".")
        suffix = suffix if suffix in {"docx", "xlsx", "pdf", "html", "htm", "md", "txt"} else "txt"
        if not data or len(data) > MAX_PLAN:
            data_ = {"preview": None, "error": "Tệp rỗng hoặc quá lớn (tối đa 20 MB)."}
            return page(request, officer, "officers/plan_import.html", data_, 422)
        token = f"{secrets.token_urlsafe(18)}.{suffix}"
        (_folder(request) / token).write_bytes(data)
    if not _TOKEN.match(token) or not (_folder(request) / token).exists():
        data_ = {"preview": None, "error": "Chưa chọn tệp kế hoạch."}
        return page(request, officer, "officers/plan_import.html", data_, 422)
    return await run_in_threadpool(_preview, request, officer, token, _columns(form))


@router.post("/plans/import", response_class=HTMLResponse)
async def do_import(request: Request, officer: OfficerDep) -> Response:
    form = await _form(request, officer)
    if form is None:
        return csrf_refused(request)
    token = str(form.get("token") or "")
    path = _folder(request) / token
    if not _TOKEN.match(token) or not path.exists():
        data_ = {"preview": None, "error": "Tệp đã tải lên không còn; vui lòng tải lại."}
        return page(request, officer, "officers/plan_import.html", data_, 422)
    columns = _columns(form)
    runtime = ctx_of(request).core.runtime
    try:
        report = await run_in_threadpool(
            import_plan, runtime.engine, path, runtime.directory, runtime.config, columns=columns or None
        )
    except PlanFormatError:
        return await run_in_threadpool(_preview, request, officer, token, columns, 422)
    path.unlink(missing_ok=True)
    log.info("officer %s imported plan %s (%s tasks)", officer.user.login, report.plan, report.tasks)
    return page(request, officer, "officers/plan_import.html", {"preview": None, "report": report.as_json()})
