"""The officers' page "Tình trạng hệ thống" (``GET /officers/system``): the same status as ``dondoc
status`` — the last daily run and its result, messages queued / sending / dead / unconfirmed, the oldest
unsent, provider errors of the last 24 h, the Zalo token, disk free — read by
``models.services.system_status``. Alerts link here."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from config.app import zalo_configured
from models.services.system_status import status_lines, system_status
from web.officers.common import OfficerDep, page
from web.pages import ctx_of

router = APIRouter(prefix="/officers")


@router.get("/system", response_class=HTMLResponse)
def system_page(request: Request, officer: OfficerDep) -> Response:
    ctx = ctx_of(request)
    st = system_status(ctx.core.engine, ctx.settings.data_dir, ctx.settings.daily_deadline_time)
    lines = status_lines(st, zalo_configured(ctx.settings))
    return page(request, officer, "officers/system.html", {"lines": lines, "attention": [x for x in lines if x.warn]})
