"""The indicators against their targets (``/officers/indicators``): one table of the plan's indicators with
a numeric target — latest value, target, horizon, status and a small trend chart — then the indicators
whose target is text. The rule behind each status is in ``models.domain.indicators``."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from models.services.indicator_status import indicators_view
from web.officers.common import OfficerDep, page
from web.pages import ctx_of
from web.sparkline import spark_label, sparkline

router = APIRouter(prefix="/officers")


@router.get("/indicators", response_class=HTMLResponse)
def indicators_page(request: Request, officer: OfficerDep, plan: str | None = None) -> Response:
    ctx = ctx_of(request)
    view = indicators_view(ctx.core.engine, plan[:64] if plan else None)
    charts = {
        line.indicator.code: sparkline(
            line.points,
            line.indicator.target_value,
            spark_label(line.points, line.indicator.target_value, line.indicator.unit_raw),
        )
        for line in view.measured
        if line.points
    }
    return page(request, officer, "officers/indicators.html", {"view": view, "charts": charts, "today": ctx.today()})
