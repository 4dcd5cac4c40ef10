"""The opened cycles of a plan for the officers: ``GET /officers/agencies/{code}`` one agency's (the
by-agency table of the overview links here), ``GET /officers/cycles`` every agency's (the overview's cycle
counts link here). Both count the cycles in the offices' states (each count links to the list it counts)
and list them, narrowed by ``state`` and ``overdue`` (quá hạn hơn N ngày), sorted (``sort``) and paged
(``page``, ``per``); ``?plan=`` picks another plan."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from models.domain.dashboard import CYCLE_SORTS
from models.services.chart_data import charts_for
from models.services.officer_views import UnknownAgency, agency_overview
from web.officers.common import Officer, OfficerDep, page
from web.officers.overview import list_context
from web.pages import ctx_of, not_found

router = APIRouter(prefix="/officers")


@router.get("/agencies/{code}", response_class=HTMLResponse)
def agency_page(code: str, request: Request, officer: OfficerDep) -> Response:
    return _cycles_page(request, officer, code)


@router.get("/cycles", response_class=HTMLResponse)
def cycles_page(request: Request, officer: OfficerDep) -> Response:
    return _cycles_page(request, officer, None)


def _cycles_page(request: Request, officer: Officer, code: str | None) -> Response:
    ctx = ctx_of(request)
    today = ctx.today()
    params = dict(request.query_params)
    wanted = params.get("plan") or ""
    try:
        view = agency_overview(ctx.core.runtime, code, wanted or None, today, params)
    except UnknownAgency:
        return not_found(request, f"Không có cơ quan có mã «{code}» trong danh bạ.")
    if view.plan is None:
        return not_found(request, f"Không có kế hoạch «{wanted}»." if wanted else "Chưa có kế hoạch nào.")
    path = f"/officers/agencies/{code}" if code is not None else "/officers/cycles"
    data = {
        "view": view,
        "agency": view.agency,
        "plan": view.plan,
        "plans": view.plans,
        "rows": view.page.items if view.page else [],
        "today": today,
        "cycle_sorts": CYCLE_SORTS,
        "path": path,
        # An agency's own charts; /officers/cycles (every agency) has the overview's.
        "charts": charts_for(ctx.core.runtime, view.plan.number, today, code) if code is not None else None,
        **list_context(view.filters, view.errors, path, view.plan.number if wanted else ""),
    }
    return page(request, officer, "officers/agency.html", data, 400 if view.errors else 200)
