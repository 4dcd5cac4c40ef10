"""``GET /officers``: where the plan stands — the tasks by state, by section of the plan, by agency, and
the task list (``?state=`` filters it, ``?plan=`` picks another plan, ``?plan=all`` lists every plan side
by side with its open and overdue cycles), and the plan's charts (``web/templates/officers/_charts.html``).
``POST /officers/plans/track-from`` sets the day the plan is tracked from (reminder moments before it are not
sent; issue 11)."""

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from models.domain.answer_form import parse_form_date
from models.domain.report_states import SHOWN
from models.services.chart_data import ALL, charts_for
from models.services.officer_views import overview as plan_overview
from models.services.plan_lifecycle import PlanNotFound, plan_rows, set_track_from
from web.officers.common import OfficerDep, csrf_refused, log, officer_form, page
from web.pages import ctx_of, not_found

router = APIRouter(prefix="/officers")


@router.get("", response_class=HTMLResponse)
def overview(request: Request, officer: OfficerDep) -> Response:
    from web.officers.costs import messages_block  # the messages block (issue 11)

    ctx = ctx_of(request)
    today = ctx.today()
    wanted_state = request.query_params.get("state") or ""
    if request.query_params.get("plan") == "all":
        rows = plan_rows(ctx.core.engine)
        charts = charts_for(ctx.core.runtime, ALL, today)
        return page(request, officer, "officers/plans.html", {"rows": rows, "today": today, "charts": charts})
    view = plan_overview(ctx.core.runtime, request.query_params.get("plan"), wanted_state, today)
    if view.plan is None or view.report is None:
        return page(request, officer, "officers/overview.html", {"plan": None, "plans": view.plans})
    return page(
        request,
        officer,
        "officers/overview.html",
        {
            "messages": messages_block(ctx, today),
            "plan": view.plan,
            "plans": view.plans,
            "report": view.report,
            "counts": view.report.counts(),
            "shown": SHOWN,
            "sections": view.sections,
            "agencies": view.agencies,
            "rows": view.rows,
            "wanted_state": wanted_state,
            "review_count": view.review_count,
            "dead_count": view.dead_count,
            "unconfirmed_count": view.unconfirmed_count,
            "today": today,
            "track_error": request.query_params.get("track_error") == "1",
            "charts_open": False,  # the overall bar shows; the others one click away (the page stays short)
            "charts": charts_for(ctx.core.runtime, view.plan.number, today),
        },
    )


@router.post("/plans/track-from")
async def track_from(request: Request, officer: OfficerDep) -> Response:
    """Set (or, empty, clear) the plan's tracking day; a date that cannot be read changes nothing."""
    ctx = ctx_of(request)
    form = await officer_form(request, officer)
    if form is None:
        return csrf_refused(request)
    number = str(form.get("plan") or "")
    written = str(form.get("track_from") or "").strip()
    day = parse_form_date(written) if written else None
    target = f"/officers?plan={quote(number, safe='')}"
    if written and day is None:
        return RedirectResponse(target + "&track_error=1", status_code=303)
    try:
        await run_in_threadpool(set_track_from, ctx.core.engine, number, day)
    except PlanNotFound:
        return not_found(request, "Không có kế hoạch này.")
    log.info("officer %s: plan %s tracked from %s", officer.user.login, number, day)
    return RedirectResponse(target + "&ok=tracked", status_code=303)
