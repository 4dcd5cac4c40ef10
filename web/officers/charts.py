"""``GET /officers/charts/{name}.svg`` and ``.png``: one chart of the overview (``models.domain.charts.NAMES``)
for download — the SVG as the page shows it, the PNG for the UBND's report. ``?plan=`` picks the plan
(``all``: every plan), ``?agency=`` an agency (its code)."""

import re
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from models.domain.charts import NAMES
from models.services.chart_data import charts_for
from web.chart_files import chart_png, svg_file
from web.officers.common import OfficerDep
from web.pages import ctx_of, not_found

router = APIRouter(prefix="/officers")

TYPES = {"svg": "image/svg+xml; charset=utf-8", "png": "image/png"}


@router.get("/charts/{name}.{fmt}")
def chart_file(name: str, fmt: str, request: Request, officer: OfficerDep) -> Response:
    if name not in NAMES or fmt not in TYPES:
        return not_found(request, "Không có biểu đồ này.")
    ctx = ctx_of(request)
    today = ctx.today()
    charts = charts_for(
        ctx.core.runtime, request.query_params.get("plan") or None, today, request.query_params.get("agency") or None
    )
    if charts is None:
        return not_found(request, "Không có kế hoạch hoặc cơ quan này.")
    chart = charts[name]
    body = svg_file(chart) if fmt == "svg" else chart_png(chart)
    scope = "-".join(p for p in (charts.plan, charts.agency) if p)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", f"bieu-do-{name}-{scope}-{today:%Y%m%d}")
    return Response(
        body,
        media_type=TYPES[fmt],
        headers={"Content-Disposition": f"inline; filename=\"{stem}.{fmt}\"; filename*=UTF-8''{quote(stem)}.{fmt}"},
    )
