"""``GET /officers/agencies/{code}``: one agency's side of a plan for the officers — its opened cycles
counted in the offices' states (each count links to the list it counts) and the list, narrowed by
``state`` and ``overdue`` (quá hạn hơn N ngày), sorted (``sort``) and paged (``page``, ``per``);
``?plan=`` picks another plan. The by-agency table of the overview links here."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from models.domain.dashboard import CYCLE_SORTS
from models.services.officer_views import agency_overview
from web.officers.common import OfficerDep, page
from web.officers.overview import list_context
from web.pages import ctx_of, not_found

router = APIRouter(prefix="/officers")


@router.get("/agencies/{code}", response_class=HTMLResponse)
def agency_page(code: str, request: Request, officer: OfficerDep) -> Response:
    ctx = ctx_of(request)
    today = ctx.today()
    params = dict(request.query_params)
    wanted = params.get("plan") or ""
    view = agency_overview(ctx.core.runtime, code, wanted or None, today, params)
    if view is None:
        return not_found(request, f"Không có cơ quan có mã «{code}» trong danh bạ.")
    if view.plan is None:
        return not_found(request, f"Không có kế hoạch «{wanted}»." if wanted else "Chưa có kế hoạch nào.")
    data = {
        "view": view,
        "agency": view.agency,
        "plan": view.plan,
        "plans": view.plans,
        "rows": view.page.items if view.page else [],
        "today": today,
        "cycle_sorts": CYCLE_SORTS,
        **list_context(view.filters, view.errors, f"/officers/agencies/{code}", view.plan.number if wanted else ""),
    }
    return page(request, officer, "officers/agency.html", data, 400 if view.errors else 200)
