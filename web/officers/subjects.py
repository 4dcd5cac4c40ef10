"""A task's or an indicator's page with its cycles (``/officers/tasks/{id}``, ``/officers/indicators/{id}``)
and one cycle's page with the officer's actions (``/officers/cycles/{id}``)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from models.services.indicator_status import one_indicator
from models.services.officer_views import cycle_page as load_cycle_page
from models.services.officer_views import subject_page
from web.officers.common import Officer, OfficerDep, mask, page
from web.pages import ctx_of, not_found
from web.sparkline import spark_label, sparkline

router = APIRouter(prefix="/officers")


@router.get("/tasks/{task_id}", response_class=HTMLResponse)
def task_page(task_id: int, request: Request, officer: OfficerDep) -> Response:
    return _subject_page(request, officer, "task", task_id)


@router.get("/indicators/{indicator_id}", response_class=HTMLResponse)
def indicator_page(indicator_id: int, request: Request, officer: OfficerDep) -> Response:
    return _subject_page(request, officer, "indicator", indicator_id)


def _subject_page(request: Request, officer: Officer, kind: str, subject_id: int) -> Response:
    ctx = ctx_of(request)
    today = ctx.today()
    view = subject_page(ctx.core.runtime, kind, subject_id, today, mask)
    if view is None:
        return not_found(request, "Không có nhiệm vụ hoặc chỉ tiêu này.")
    data = {
        "kind": kind,
        "subject": view.subject,
        "name": view.name,
        "plan": view.plan,
        "cycles": view.cycles,
        "today": today,
    }
    if kind == "indicator":
        line = one_indicator(ctx.core.engine, subject_id)
        data["indicator_line"] = line
        if line is not None and line.points:
            target, unit = line.indicator.target_value, line.indicator.unit_raw
            label = spark_label(line.points, target, unit)
            data["indicator_chart"] = sparkline(line.points, target, label, width=320, height=80)
    return page(request, officer, "officers/subject.html", data)


@router.get("/cycles/{cycle_id}", response_class=HTMLResponse)
def cycle_page(cycle_id: int, request: Request, officer: OfficerDep) -> Response:
    return show_cycle(request, officer, cycle_id, None, 200)


def show_cycle(request: Request, officer: Officer, cycle_id: int, error: str | None, status_code: int) -> Response:
    """The cycle's page, with ``error`` on top when an action was refused."""
    ctx = ctx_of(request)
    today = ctx.today()
    view = load_cycle_page(ctx.core.runtime, cycle_id, today, mask)
    if view is None:
        return not_found(request, "Không có kỳ báo cáo này.")
    data = {
        "d": view.view,
        "subject": view.subject,
        "kind": view.kind,
        "events": view.events,
        "round": view.round,
        "error": error,
        "agency_names": view.agency_names,
        "suggested_agency": view.suggested_agency,
        "today": today,
        "closed": view.closed,
    }
    return page(request, officer, "officers/cycle.html", data, status_code)
