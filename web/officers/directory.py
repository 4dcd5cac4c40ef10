"""``GET /officers/directory``: the agencies of the directory (kind, successor, "cần xác nhận" and "mẫu"
marks, decisions taken); ``POST /officers/directory/{code}``: an officer sets an agency's successor and date
(or confirms it as it is) — one call to ``models.services.directory_changes.set_successor``, audited, in
force for this process at once and for the next daily run."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from models.domain.answer_form import parse_form_date
from models.services.directory_changes import ChangeRefused, directory_listing, set_successor, successor_code
from web.officers.common import OfficerDep, csrf_refused, log, officer_form, page
from web.pages import ctx_of

router = APIRouter(prefix="/officers")


def _show(request: Request, officer: OfficerDep, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    ctx = ctx_of(request)
    runtime = ctx.core.runtime
    listing = directory_listing(runtime.engine, runtime.directory, ctx.today())
    return page(request, officer, "officers/directory.html", {"d": listing, "error": error}, status_code)


@router.get("/directory", response_class=HTMLResponse)
def directory_page(request: Request, officer: OfficerDep) -> Response:
    return _show(request, officer)


@router.post("/directory/{code}")
async def directory_change(code: str, request: Request, officer: OfficerDep) -> Response:
    form = await officer_form(request, officer)
    if form is None:
        return csrf_refused(request)
    runtime = ctx_of(request).core.runtime
    successor = successor_code(runtime.directory, str(form.get("successor") or ""))
    raw_date = str(form.get("succeeded_on") or "").strip()
    on = parse_form_date(raw_date)
    if successor and on is None:
        error = "Chưa ghi: cần ngày cơ quan kế thừa bắt đầu nhận nhiệm vụ (dd/mm/yyyy)."
        return await run_in_threadpool(_show, request, officer, error, 422)
    basis = str(form.get("legal_basis") or "").strip()[:255] or None
    try:
        await run_in_threadpool(set_successor, runtime, officer.user.login, code, successor, on, basis)
    except ChangeRefused as exc:
        return await run_in_threadpool(_show, request, officer, str(exc), 409)
    log.info("officer %s: directory %s -> %s from %s", officer.user.login, code, successor, on)
    return RedirectResponse(f"/officers/directory?ok=directory#a-{code}", status_code=303)
