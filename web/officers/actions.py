"""``POST /officers/cycles/{id}/{action}``: an officer's decision on a cycle (accept, return, extend,
refuse, reassign, resend, revoke) — one call to ``models.services.officer_actions``. Done: a redirect to the
cycle's page with its flash message; refused: the cycle's page with the reason (409)."""

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from models.domain.answer_form import DecisionError, parse_form_date
from models.services.officer_actions import ACTIONS, CycleAction, act_on_cycle
from web.officers.common import OfficerDep, csrf_refused, dispatch_after, log, officer_form
from web.officers.subjects import show_cycle
from web.pages import ctx_of, not_found

router = APIRouter(prefix="/officers")


@router.post("/cycles/{cycle_id}/{action}")
async def cycle_action(
    cycle_id: int, action: str, request: Request, officer: OfficerDep, background: BackgroundTasks
) -> Response:
    ctx = ctx_of(request)
    if action not in ACTIONS:
        return not_found(request, "Thao tác không có.")
    form = await officer_form(request, officer)
    if form is None:
        return csrf_refused(request)
    asked = CycleAction(
        name=action,
        cycle_id=cycle_id,
        officer=officer.user.login,
        comment=str(form.get("comment") or ""),
        new_due=parse_form_date(str(form.get("new_due") or "")),
        agency=str(form.get("agency") or ""),
    )
    try:
        code = await run_in_threadpool(act_on_cycle, ctx.core.runtime, asked, ctx.today())
    except DecisionError as exc:
        error = f"Chưa thực hiện được: {exc}."
        return await run_in_threadpool(show_cycle, request, officer, cycle_id, error, 409)
    log.info("officer %s: %s on cycle %s", officer.user.login, action, cycle_id)
    dispatch_after(ctx, background)
    return RedirectResponse(f"/officers/cycles/{cycle_id}?ok={code}", status_code=303)
