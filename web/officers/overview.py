"""``GET /officers``: where the plan stands — its tasks and opened cycles counted in the offices' states,
the tasks by section of the plan and the cycles by agency, and the task list, narrowed by the query
(``section``, ``agency``, ``state``, ``overdue`` = quá hạn hơn N ngày), sorted (``sort``, ``ssort``,
``asort``) and paged (``page``, ``per``); ``?plan=`` picks another plan, ``?plan=all`` counts every plan
and lists them side by side; each with its charts (``officers/_charts.html``). A filter value that names
nothing is said so above the whole list (400). ``POST /officers/plans/track-from`` sets the day the plan is
tracked from (reminder moments before it are not sent; issue 11)."""

from collections.abc import Callable
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from models.domain.answer_form import parse_form_date
from models.domain.dashboard import AGENCIES_SHOWN, PER_PAGE, TASK_SORTS, Filters
from models.domain.report_states import SHOWN, State
from models.services.chart_data import ALL, charts_for
from models.services.officer_views import overview as plan_overview
from models.services.officer_views import overview_all
from models.services.plan_lifecycle import PlanNotFound, plan_rows, set_track_from
from web.officers.common import OfficerDep, csrf_refused, log, officer_form, page
from web.pages import ctx_of, not_found

router = APIRouter(prefix="/officers")


def url_maker(path: str, plan: str, filters: Filters) -> Callable[..., str]:
    """``url(**changes)``: this page's address with the filters changed (a sort, a page, a filter cleared)."""

    def url(**changes: object) -> str:
        query = ({"plan": plan} if plan else {}) | filters.query(**changes)
        return path + ("?" + urlencode(query) if query else "")

    return url


def list_context(filters: Filters, errors: list[str], path: str, plan: str) -> dict[str, object]:
    """What the filter form, the sortable headers and the pager of every officers' list need."""
    return {
        "filters": filters,
        "errors": errors,
        "url": url_maker(path, plan, filters),
        "per_page": PER_PAGE,
        "all_states": list(State),
        "shown": SHOWN,
    }


@router.get("", response_class=HTMLResponse)
def overview(request: Request, officer: OfficerDep) -> Response:
    from web.officers.costs import messages_block  # the messages block (issue 11)

    ctx = ctx_of(request)
    today = ctx.today()
    params = dict(request.query_params)
    wanted = params.get("plan") or ""
    if wanted == "all":
        view = overview_all(ctx.core.runtime, today, params)
        data = {
            "rows_by_plan": plan_rows(ctx.core.engine),
            "view": view,
            "today": today,
            "agencies_shown": AGENCIES_SHOWN,
            "task_sorts": TASK_SORTS,
            "charts": charts_for(ctx.core.runtime, ALL, today),
            **list_context(view.filters, view.errors, "/officers", "all"),
        }
        return page(request, officer, "officers/plans.html", data, 400 if view.errors else 200)
    view = plan_overview(ctx.core.runtime, wanted or None, "", today, params)
    if view.plan is None or view.report is None:
        data = {"plan": None, "plans": view.plans, "missing": view.missing}
        return page(request, officer, "officers/overview.html", data, 404 if view.missing else 200)
    data = {
        "messages": messages_block(ctx, today),
        "plan": view.plan,
        "plans": view.plans,
        "view": view,
        "report": view.report,
        "counts": view.report.counts(),
        "sections": view.sections,
        "agencies": view.agencies,
        "rows": view.page.items if view.page else view.rows,
        "wanted_state": view.filters.state,
        "review_count": view.review_count,
        "dead_count": view.dead_count,
        "unconfirmed_count": view.unconfirmed_count,
        "today": today,
        "track_error": request.query_params.get("track_error") == "1",
        "agencies_shown": AGENCIES_SHOWN,
        "task_sorts": TASK_SORTS,
        "charts": charts_for(ctx.core.runtime, view.plan.number, today),
        "charts_open": False,  # the overall bar shows; the others one click away (the page stays short)
        **list_context(view.filters, view.errors, "/officers", view.plan.number if wanted else ""),
    }
    return page(request, officer, "officers/overview.html", data, 400 if view.errors else 200)


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
