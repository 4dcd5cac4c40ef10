"""``GET /officers``: where the plan stands — the tasks by state, by section of the plan, by agency, and
the task list (``?state=`` filters it, ``?plan=`` picks another plan)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from models.domain.report_states import SHOWN
from models.services.officer_views import overview as plan_overview
from web.officers.common import OfficerDep, page
from web.pages import ctx_of

router = APIRouter(prefix="/officers")


@router.get("", response_class=HTMLResponse)
def overview(request: Request, officer: OfficerDep) -> Response:
    from web.officers.costs import messages_block  # the messages block (issue 11)

    ctx = ctx_of(request)
    today = ctx.today()
    wanted_state = request.query_params.get("state") or ""
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
        },
    )
