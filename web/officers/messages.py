"""Messages the outbox gave up on: the list (``GET /officers/messages/dead``) and putting them back in the
queue (``POST /officers/messages/retry``: the chosen ones, or all). A message another channel already
has (sent, or on its way) is not sent again, and the page says so — before (each row, and the count on
"retry all") and after (how many went back, how many were skipped). Messages sent whose outcome was never
confirmed (``GET /officers/messages/unconfirmed``) are listed, not re-sent."""

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from models.services.officer_actions import retry_messages as retry
from models.services.officer_views import dead_page
from models.services.officer_views import retried_text as retried
from models.services.officer_views import unconfirmed_messages as load_unconfirmed
from web.officers.common import OfficerDep, csrf_refused, dispatch_after, log, mask, officer_form, page
from web.pages import ctx_of

router = APIRouter(prefix="/officers")


@router.get("/messages/dead", response_class=HTMLResponse)
def dead_messages(request: Request, officer: OfficerDep) -> Response:
    ctx = ctx_of(request)
    view = dead_page(ctx.core.runtime, mask)
    data = {"items": view.items, "resend_all": view.resend_all, "skip_all": view.skip_all}
    query = request.query_params
    if query.get("ok") == "retried" and query.get("n", "").isdigit() and query.get("skipped", "").isdigit():
        data["flash"] = retried(int(query["n"]), int(query["skipped"]))
    return page(request, officer, "officers/dead.html", data)


@router.post("/messages/retry")
async def retry_messages(request: Request, officer: OfficerDep, background: BackgroundTasks) -> Response:
    ctx = ctx_of(request)
    form = await officer_form(request, officer)
    if form is None:
        return csrf_refused(request)
    raw = form.get("id") or []
    ids = [int(v) for v in (raw if isinstance(raw, list) else [raw]) if str(v).isdigit()]
    everything = form.get("all") == "1"
    if not everything and not ids:
        return RedirectResponse("/officers/messages/dead", status_code=303)
    outcome = await run_in_threadpool(retry, ctx.core.runtime, None if everything else ids)
    log.info(
        "officer %s put %s dead messages back in the queue (%s skipped: another channel has them)",
        officer.user.login,
        outcome.requeued,
        len(outcome.skipped),
    )
    dispatch_after(ctx, background)
    target = f"/officers/messages/dead?ok=retried&n={outcome.requeued}&skipped={len(outcome.skipped)}"
    return RedirectResponse(target, status_code=303)


@router.get("/messages/unconfirmed", response_class=HTMLResponse)
def unconfirmed_messages(request: Request, officer: OfficerDep) -> Response:
    ctx = ctx_of(request)
    return page(request, officer, "officers/unconfirmed.html", {"items": load_unconfirmed(ctx.core.runtime, mask)})
