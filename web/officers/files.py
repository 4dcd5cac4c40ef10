"""Downloads: the plan's report (``GET /officers/report.{xlsx,json,csv}``, ``?plan=`` for another plan) and
an answer's attachment (``GET /officers/answers/{id}/attachment``), always as attachments."""

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from models.services.officer_views import attachment_of
from models.services.report_files import report_bytes
from models.services.reports import plan_report
from web.officers.common import OfficerDep
from web.pages import ctx_of, error_page, not_found
from web.uploads import UploadError, resolve

router = APIRouter(prefix="/officers")

REPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}


@router.get("/report.{fmt}")
def report_file(fmt: str, request: Request, officer: OfficerDep) -> Response:
    ctx = ctx_of(request)
    if fmt not in REPORT_TYPES:
        return not_found(request, "Định dạng báo cáo không có (xlsx, json, csv).")
    today = ctx.today()
    report = plan_report(ctx.core.engine, request.query_params.get("plan"), today, ctx.core.runtime.directory)
    if report is None:
        return error_page(request, 404, "Chưa có kế hoạch", "Cơ sở dữ liệu chưa có kế hoạch nào.")
    stem = f"bao-cao-{report.plan.replace('/', '-')}-{today:%Y%m%d}"
    return Response(
        report_bytes(report, fmt),
        media_type=REPORT_TYPES[fmt],
        headers={"Content-Disposition": f"attachment; filename=\"{stem}.{fmt}\"; filename*=UTF-8''{quote(stem)}.{fmt}"},
    )


@router.get("/answers/{answer_id}/attachment")
def attachment(answer_id: int, request: Request, officer: OfficerDep) -> Response:
    ctx = ctx_of(request)
    answer = attachment_of(ctx.core.runtime, answer_id)
    if answer is None or not answer.attachment_path:
        return not_found(request, "Báo cáo này không có tệp đính kèm.")
    try:
        path = resolve(ctx.attachments_dir, answer.attachment_path)
    except UploadError:
        return not_found(request, "Tệp đính kèm không hợp lệ.")
    if not path.exists():
        return not_found(request, "Tệp đính kèm không còn trên máy chủ.")
    return FileResponse(
        path,
        media_type=answer.attachment_type or "application/octet-stream",
        filename=answer.attachment_name or "tep-dinh-kem",
        content_disposition_type="attachment",
    )
