"""``GET /officers/review``: the answers awaiting an officer's decision, oldest first."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from models.services.officer_views import review_queue
from web.officers.common import OfficerDep, mask, page
from web.pages import ctx_of

router = APIRouter(prefix="/officers")


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, officer: OfficerDep) -> Response:
    ctx = ctx_of(request)
    today = ctx.today()
    items = review_queue(ctx.core.runtime, today, mask)
    return page(request, officer, "officers/review.html", {"items": items, "today": today})
