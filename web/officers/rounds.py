"""Ad hoc rounds: the form (``GET /officers/rounds/new``), opening one (``POST /officers/rounds``) and a
round's page (``GET /officers/rounds/{id}``).

A round is opened here directly with ``models.services.rounds.open_and_queue`` (the same call as the
``round`` flow), not through Prefect, so the web server needs no Prefect API; its messages are sent right
after the response.
"""

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from models.domain.answer_form import clean_text, parse_form_date
from models.services.officer_views import agency_choices
from models.services.officer_views import round_page as load_round_page
from models.services.rounds import RoundError, RoundRequest, open_and_queue
from web.officers.common import Officer, OfficerDep, csrf_refused, dispatch_after, log, mask, officer_form, page
from web.pages import ctx_of, not_found
from web.security import keyed_hash

router = APIRouter(prefix="/officers")


def _split(value: Any) -> list[str]:
    """Numbers or codes as typed: "1, 5 12; 8.1" → ["1", "5", "12", "8.1"]."""
    text = " ".join(value) if isinstance(value, list) else str(value or "")
    return [p.strip() for p in text.replace(";", ",").replace(" ", ",").split(",") if p.strip()]


def _as_list(value: Any) -> list[str]:
    """A form field that may come once (a string), several times (a list) or not at all."""
    value = value or []
    return value if isinstance(value, list) else [value]


@router.get("/rounds/new", response_class=HTMLResponse)
def round_form(request: Request, officer: OfficerDep) -> Response:
    return _round_form(request, officer, {}, None, 200)


def _round_form(
    request: Request, officer: Officer, values: dict[str, Any], error: str | None, status_code: int
) -> HTMLResponse:
    ctx = ctx_of(request)
    today = ctx.today()
    data = {
        "values": values,
        "error": error,
        "agencies": agency_choices(ctx.core.runtime.directory, today),
        "chosen": set(_as_list(values.get("agencies"))),
        "today": today,
    }
    return page(request, officer, "officers/round.html", data, status_code)


@router.post("/rounds")
async def round_open(request: Request, officer: OfficerDep, background: BackgroundTasks) -> Response:
    ctx = ctx_of(request)
    form = await officer_form(request, officer)
    if form is None:
        return csrf_refused(request)
    title = str(form.get("title") or "").strip()[:255]
    due = parse_form_date(str(form.get("due") or ""))
    if not title or due is None:
        return _round_form(request, officer, form, "Vui lòng nhập tiêu đề và hạn báo cáo.", 422)
    req = RoundRequest(
        title=title,
        due_on=due,
        tasks=_split(form.get("tasks")),
        indicators=_split(form.get("indicators")),
        agencies=_as_list(form.get("agencies")),
        message=clean_text(str(form.get("message") or ""), 2000),
        created_by=officer.user.login,
        # The form's own nonce: a double click opens the round once.
        idempotency_key="web-" + keyed_hash(ctx.secret, "round", str(form.get("csrf")), 40),
    )
    try:
        opened = await run_in_threadpool(open_and_queue, ctx.core.runtime, req, ctx.today())
    except RoundError as exc:
        return _round_form(request, officer, form, f"Chưa mở được đợt báo cáo: {exc}.", 422)
    log.info("officer %s opened round %s", officer.user.login, opened.round_id)
    dispatch_after(ctx, background)
    return RedirectResponse(f"/officers/rounds/{opened.round_id}?ok=round", status_code=303)


@router.get("/rounds/{round_id}", response_class=HTMLResponse)
def round_page(round_id: int, request: Request, officer: OfficerDep) -> Response:
    ctx = ctx_of(request)
    today = ctx.today()
    view = load_round_page(ctx.core.runtime, round_id, today, mask)
    if view is None:
        return not_found(request, "Không có đợt báo cáo này.")
    data = {"round": view.round, "items": view.cycles, "today": today}
    return page(request, officer, "officers/round_view.html", data)
